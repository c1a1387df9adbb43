import Foundation
import Testing
import MeshLogStore
@testable import MeshLogIngest

/// Jobs run inside the writer's open transaction: what they write commits with the rows around
/// them, and what waits for the commit runs only after it.
@Suite("Writer pipeline jobs")
struct BatchPipelineTests {
    /// A one-row batch for source 1 (only the columns `log_row` requires).
    static func batch(_ pipeline: BatchPipeline, line: Int64) throws -> AccessLogBatch {
        let batch = try pipeline.takeFree()
        batch.sourceID = 1
        batch.beginRow()
        batch.set(.sourceID, Int64(1))
        batch.set(.line, line)
        batch.set(.destination, Int64(1))
        batch.set(.variant, Int64(1))
        return batch
    }

    /// A store with source 1 begun, a read-only connection to it, and a pipeline on it that
    /// commits only when drained.
    struct Fixture {
        let dir: TemporaryDirectory
        let db: Database
        let reader: Database
        let pipeline: BatchPipeline

        init() throws {
            dir = try TemporaryDirectory()
            let path = dir.path("pipeline.db")
            db = try SQLiteStore.openForWriting(path: path)
            let writer = try SQLiteAccessLogWriter(db: db)
            _ = try writer.beginSource(id: 1, path: "pod.log", size: nil, fingerprint: nil, format: nil)
            reader = try Database(path: path, readOnly: true)
            pipeline = BatchPipeline(writer: writer, capacity: 4, rowsPerCommit: 1_000_000, secondsPerCommit: 600)
        }

        /// What the reader sees now.
        func visible(_ sql: String) throws -> Int64 { try reader.scalar(sql).int64 ?? -1 }
    }

    /// Polls `condition` for up to five seconds.
    static func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return try condition()
    }

    @Test("a job's writes and its after-commit action wait for the transaction's commit")
    func jobInsideTheOpenTransaction() throws {
        let f = try Fixture()
        let (db, pipeline) = (f.db, f.pipeline)
        try db.execute("CREATE TABLE marker(x)")
        // No commit by row count or time during the test: only `drain()` commits.
        defer { pipeline.close(); pipeline.join() }
        let committed = LockedFlag()
        let ran = LockedFlag()
        try pipeline.submit(try Self.batch(pipeline, line: 1))
        try pipeline.perform { context in
            try db.execute("INSERT INTO marker VALUES (1)")
            context.afterCommit { committed.set() }
            ran.set()
        }
        try pipeline.submit(try Self.batch(pipeline, line: 2))
        #expect(Self.eventually { ran.value })
        #expect(try Self.eventually { try f.visible("SELECT count(*) FROM marker") == 0 && !committed.value })
        #expect(try f.visible("SELECT count(*) FROM log_row") == 0)

        try pipeline.drain()
        #expect(committed.value)
        #expect(try f.visible("SELECT count(*) FROM marker") == 1)
        #expect(try f.visible("SELECT count(*) FROM log_row") == 2)
    }

    @Test("a job may commit first, and with no transaction open its action runs at once")
    func jobCommitsFirst() throws {
        let f = try Fixture()
        let pipeline = f.pipeline
        defer { pipeline.close(); pipeline.join() }
        let rowsAtCommit = LockedFlag()
        let immediate = LockedFlag()
        try pipeline.submit(try Self.batch(pipeline, line: 1))
        try pipeline.perform { context in
            try context.commit()
            // Committed, and no transaction open: the action runs now.
            context.afterCommit { immediate.set() }
            if try f.visible("SELECT count(*) FROM log_row") == 1 { rowsAtCommit.set() }
        }
        try pipeline.drain()
        #expect(rowsAtCommit.value && immediate.value)
    }
}

/// A flag set from the writer thread and read from the test's.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
