import CSQLite
import Testing
@testable import MeshLogStore

@Suite("Statement")
struct StatementTests {
    @Test("remembered bindings skip only what the parameter already holds")
    func rememberedBindings() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (a, b)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?)")
        insert.rememberBindings()
        func row(_ bind: () -> Void) throws {
            bind()
            _ = try insert.step()
            insert.reset()
        }
        try row { insert.bind(Int64(7), at: 1); insert.bindNull(at: 2) }
        try row { insert.bind(Int64(7), at: 1); insert.bindNull(at: 2) }            // both skipped, both still bound
        try row { insert.bind("x", at: 1); insert.bind(Int64(7), at: 2) }
        try row { insert.bind(Int64(7), at: 1); insert.bind(Int64(8), at: 2) }      // after text: bound again
        try row { insert.bind(1.5, at: 1); insert.bind(Int64(8), at: 2) }
        try row { insert.bind(Int64(7), at: 1); insert.bindNull(at: 2) }            // after a double, and a change to NULL
        insert.clearBindings()
        try row { insert.bindNull(at: 1) }                                         // NULL already, and so is b
        let rows = try db.rows("SELECT quote(a), quote(b) FROM t ORDER BY rowid").map { "\($0[0].string ?? "")/\($0[1].string ?? "")" }
        #expect(rows == ["7/NULL", "7/NULL", "'x'/7", "7/8", "1.5/8", "7/NULL", "NULL/NULL"])
    }

    @Test func bindAndReadEachType() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        insert.bind(Int64.max, at: 1)
        insert.bind(-0.25, at: 2)
        insert.bind("héllo ✓ with a string longer than fifteen bytes", at: 3)
        let bytes: [UInt8] = [0, 1, 2, 255]
        bytes.withUnsafeBytes { insert.bindBlob($0, at: 4) }
        insert.bindNull(at: 5)
        #expect(try insert.step() == false)
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 1)

        let select = try db.prepare("SELECT i, r, s, b, n FROM t")
        #expect(select.isReadOnly)
        #expect(!insert.isReadOnly)
        #expect(select.columnCount == 5)
        #expect((0..<5).map(select.columnName) == ["i", "r", "s", "b", "n"])
        #expect(try select.step())
        #expect(select.int64(0) == Int64.max)
        #expect(select.double(1) == -0.25)
        #expect(select.text(2) == "héllo ✓ with a string longer than fifteen bytes")
        #expect(select.blob(3) == bytes)
        #expect(select.isNull(4))
        #expect(!select.isNull(0))
        #expect(select.text(4) == nil)
        #expect(select.value(0) == .integer(Int64.max))
        #expect(select.value(1) == .real(-0.25))
        #expect(select.value(3) == .blob(bytes))
        #expect(select.value(4) == .null)
        #expect(select.withText(2) { $0.count } == "héllo ✓ with a string longer than fifteen bytes".utf8.count)
        #expect(try select.step() == false)
    }

    @Test(arguments: [
        SQLValue.null, .integer(0), .integer(-42), .integer(Int64.min), .real(3.5), .real(-1e300),
        .text(""), .text("ascii"), .text("ünïcødé 🚀"), .text("embedded\u{0}nul"), .blob([]), .blob([7, 0, 9]),
    ])
    func sqlValueRoundTrip(value: SQLValue) throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v)")
        try db.execute("INSERT INTO t VALUES (?)", [value])
        #expect(try db.scalar("SELECT v FROM t") == value)
        #expect(try db.scalar("SELECT ?", [value]) == value)
    }

    @Test func bindTextFromBytesCopyAndNoCopy() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT ?, ?, ?, typeof(?)")
        var line = Array("method=GET path=/api".utf8)
        line.withUnsafeBufferPointer { buffer in
            statement.bindText(UnsafeBufferPointer(rebasing: buffer[0..<10]), at: 1)
            statement.bindTextNoCopy(UnsafeBufferPointer(rebasing: buffer[11...]), at: 2)
            statement.bindTextNoCopy(UnsafeBufferPointer(rebasing: buffer[0..<0]), at: 3)
            statement.bindText(UnsafeBufferPointer(rebasing: buffer[0..<0]), at: 4)
            #expect((try? statement.step()) == true)
            #expect(statement.text(0) == "method=GET")
            #expect(statement.text(1) == "path=/api")
            #expect(statement.text(2) == "")
            #expect(statement.text(3) == "text")
        }
        statement.reset()
        // The copied binding survives the source buffer changing.
        line[0] = UInt8(ascii: "M")
        line.withUnsafeBufferPointer { buffer in
            statement.bindTextNoCopy(UnsafeBufferPointer(rebasing: buffer[11...]), at: 2)
            #expect((try? statement.step()) == true)
        }
        #expect(statement.text(0) == "method=GET")
    }

    @Test func emptyBlobIsNotNull() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT typeof(?), length(?)")
        let empty: [UInt8] = []
        empty.withUnsafeBytes {
            statement.bindBlob($0, at: 1)
            statement.bindBlob($0, at: 2)
        }
        #expect(try statement.step())
        #expect(statement.text(0) == "blob")
        #expect(statement.int64(1) == 0)
    }

    @Test func resetKeepsBindingsAndClearBindingsNullsThem() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT ?")
        statement.bind(5 as Int64, at: 1)
        #expect(try statement.step())
        #expect(statement.int64(0) == 5)
        statement.reset()
        #expect(try statement.step())
        #expect(statement.int64(0) == 5)
        statement.reset()
        statement.clearBindings()
        #expect(try statement.step())
        #expect(statement.isNull(0))
    }

    @Test func reuseForManyRows() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?)")
        try db.inTransaction {
            for i in 0..<1000 {
                insert.bind(Int64(i), at: 1)
                insert.bind("row \(i)", at: 2)
                _ = try insert.step()
                insert.reset()
            }
        }
        #expect(try db.scalar("SELECT count(*), sum(a) FROM t") == .integer(1000))
        #expect(try db.scalar("SELECT sum(a) FROM t") == .integer(499_500))
        #expect(try db.scalar("SELECT b FROM t WHERE a = 999") == "row 999")
    }

    @Test func bindArrayChecksCount() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT ?, ?")
        let error = #expect(throws: SQLiteError.self) { try statement.bind([1]) }
        #expect(error?.code == SQLITE_RANGE)
        #expect(error?.message.contains("expects 2, got 1") == true)
        #expect(error?.sql == "SELECT ?, ?")
        try statement.bind([1, "two"])
        #expect(try statement.step())
        #expect(statement.row() == [1, "two"])
    }

    @Test func executeWithArguments() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (a)")
        let insert = try db.prepare("INSERT INTO t VALUES (?)")
        try insert.execute([1])
        try insert.execute([2])
        #expect(try db.scalar("SELECT sum(a) FROM t") == 3)
    }

    @Test func parameterNames() throws {
        let db = try Database(path: ":memory:")
        let statement = try db.prepare("SELECT :a, @b, $c, ?")
        #expect(statement.parameterNames == [":a", "@b", "$c", ""])
        #expect(statement.parameterCount == 4)
    }

    @Test func stepErrorCarriesSQL() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        let insert = try db.prepare("INSERT INTO t (id, v) VALUES (?, ?)")
        try insert.execute([1, "a"])
        let error = #expect(throws: SQLiteError.self) { try insert.execute([1, "b"]) }
        #expect(error?.code == SQLITE_CONSTRAINT)
        #expect(error?.extendedCode == 1555) // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error?.sql == "INSERT INTO t (id, v) VALUES (?, ?)")
        // The statement is usable again after a failure.
        try insert.execute([2, "b"])
        #expect(try db.scalar("SELECT count(*) FROM t") == 2)
    }

    @Test func statementOutlivesDatabase() throws {
        var db: Database? = try Database(path: ":memory:")
        let statement = try db!.prepare("SELECT 40 + 2")
        db = nil
        #expect(try statement.step())
        #expect(statement.int64(0) == 42)
    }
}
