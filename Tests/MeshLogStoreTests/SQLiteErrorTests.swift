import Foundation
import MeshLogStore
import Testing

/// SQLite errors read as one short line, and faults of the machine are told apart.
@Suite("SQLite errors")
struct SQLiteErrorTests {
    @Test func sqlIsCutToItsFirstLineAndAFewWords() {
        let many = "INSERT OR FAIL INTO log_row(a,b,c) VALUES " + Array(repeating: "(?,?,?)", count: 2000).joined(separator: ",")
        let error = SQLiteError(code: 13, message: "database or disk is full", sql: many)
        #expect(error.description.count < 200)
        #expect(error.description.hasPrefix("SQLite error 13: database or disk is full (in: INSERT OR FAIL INTO log_row(a,b,c) VALUES (?,?,?)"))
        #expect(error.description.hasSuffix(" …)"))
        let twoLines = SQLiteError(code: 1, message: "no such column: x", sql: "SELECT x\nFROM t\nWHERE y")
        #expect(twoLines.description == "SQLite error 1: no such column: x (in: SELECT x …)")
        #expect(SQLiteError(code: 1, message: "m", sql: "SELECT 1").description == "SQLite error 1: m (in: SELECT 1)")
    }

    @Test func faultsOfTheMachine() {
        #expect(SQLiteError(code: 13, message: "database or disk is full").fault == .diskFull)
        #expect(SQLiteError(code: 10, message: "disk I/O error", extendedCode: 778, systemErrno: ENOSPC).fault == .diskFull)
        #expect(SQLiteError(code: 10, message: "disk I/O error", extendedCode: 778, systemErrno: EFBIG).fault == .fileTooLarge)
        #expect(SQLiteError(code: 8, message: "attempt to write a readonly database").fault == .readOnly)
        #expect(SQLiteError(code: 26, message: "file is not a database").fault == .damaged)
        #expect(SQLiteError(code: 19, message: "UNIQUE constraint failed: t.id").fault == nil)
        #expect(StoreFault.diskFull.advice == "free space and run the same command to continue")
    }

    /// A store that is not a database says so, and what to do.
    @Test func aFileThatIsNotAStore() throws {
        let path = NSTemporaryDirectory() + "not-a-store-\(getpid()).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteStore.openForWriting(path: path)
        } throws: { error in
            (error as? SQLiteError)?.fault == .damaged
        }
    }
}
