import Foundation
import Testing
@testable import MeshLogStore

@Suite("WAL checkpointer")
struct WALCheckpointerTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).db").path
    }

    func size(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    @Test func keepsTheLogBoundedWhileTheWriterNeverPausesAndTruncatesItAtTheEnd() throws {
        let path = temporaryPath()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let db = try SQLiteStore.openForWriting(path: path)
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        let checkpointer = try WALCheckpointer(writer: db, minimumFrames: 64, maximumFrames: 256)
        let blob = SQLValue.blob([UInt8](repeating: 7, count: 3000))
        var largestLog: Int64 = 0
        for _ in 0..<60 {
            checkpointer.waitIfLogIsLong()
            try db.inTransaction(.immediate) {
                for _ in 0..<100 { try db.execute("INSERT INTO t(v) VALUES (?)", [blob]) }
            }
            largestLog = max(largestLog, size(path + "-wal"))
        }
        checkpointer.stop()
        #expect(checkpointer.checkpoints > 0)
        #expect(checkpointer.failure == nil)
        // 6,000 rows of 3 KB is about 18 MB; the log restarts near 256 frames (4 MiB with 16 KB
        // pages) instead of holding it all.
        let frame = (try db.scalar("PRAGMA page_size").int64 ?? 4096) + 24
        #expect(largestLog < 2 * 256 * frame, "log grew to \(largestLog) bytes")
        #expect(size(path + "-wal") == 0)
        #expect(try db.scalar("SELECT count(*) FROM t").int64 == 6000)
    }

    @Test func aReaderHoldingASnapshotDelaysTheWriterOnlyForItsPatience() throws {
        let path = temporaryPath()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let db = try SQLiteStore.openForWriting(path: path)
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        let checkpointer = try WALCheckpointer(writer: db, minimumFrames: 16, maximumFrames: 32)
        defer { checkpointer.stop() }
        try db.execute("INSERT INTO t(v) VALUES (zeroblob(1000))")
        let reader = try Database(path: path, readOnly: true)
        try reader.execute("BEGIN")
        _ = try reader.scalar("SELECT count(*) FROM t")
        let blob = SQLValue.blob([UInt8](repeating: 1, count: 3000))
        try db.inTransaction(.immediate) {
            for _ in 0..<100 { try db.execute("INSERT INTO t(v) VALUES (?)", [blob]) }
        }
        let start = Date()
        checkpointer.waitIfLogIsLong(patience: 0.3)
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 0.25 && waited < 2, "waited \(waited) s")
        try reader.execute("COMMIT")
    }
}
