import CSQLite
import Foundation

/// Checkpoints a WAL-mode database from its own connection and thread, so a busy writer never
/// stops to copy the log back into the database file.
///
/// SQLite's automatic checkpoint runs inside the writer's `COMMIT`; during a bulk ingest that is
/// about a fifth of the writer thread's time. Attached to the writer's connection, this replaces
/// it: a WAL hook notes each commit, and once `minimumFrames` frames are waiting a `PASSIVE`
/// checkpoint runs on the checkpointer's thread (it never blocks the writer or readers; the
/// writer restarts the log at its next transaction once everything has been copied).
///
/// A writer that never pauses would never see the log fully copied when it starts a transaction,
/// so the log would only grow; `waitIfLogIsLong()` before a transaction bounds it.
public final class WALCheckpointer: LogCheckpointer, @unchecked Sendable {
    private let writer: Database
    private let connection: Database
    private let minimumFrames: Int32
    private let maximumFrames: Int32
    /// Frames in the log at the writer's last commit, and frames known copied back (the log was
    /// fully checkpointed up to there).
    private var committedFrames: Int32 = 0
    private var copiedFrames: Int32 = 0
    private let condition = NSCondition()
    private var pendingFrames: Int32 = 0
    private var stopping = false
    /// Checkpoint after every commit (`hurry()`), not only past `minimumFrames`.
    private var eager = false
    private var finished = false
    /// Checkpoints run, and the first error (checkpointing is best-effort: an error only stops it).
    public private(set) var checkpoints = 0
    public private(set) var failure: SQLiteError?

    /// Attaches to `writer` (a WAL-mode connection) and starts the checkpoint thread.
    /// - Parameters:
    ///   - minimumFrames: frames (pages) in the log that start a checkpoint.
    ///   - maximumFrames: frames past which `waitIfLogIsLong()` waits for the log to be copied.
    public init(writer: Database, minimumFrames: Int32 = 4096, maximumFrames: Int32 = 65_536) throws {
        self.writer = writer
        self.minimumFrames = minimumFrames
        self.maximumFrames = maximumFrames
        connection = try Database(path: writer.path)
        // A connection learns that the file is in WAL mode when it first reads it.
        _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "meshlog-checkpoint"
        thread.stackSize = 1 << 20
        sqlite3_wal_hook(writer.handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(frames: frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
        thread.start()
    }

    /// Called on the writer's thread after each commit, with the frames now in the log.
    private func committed(frames: Int32) {
        condition.lock()
        committedFrames = frames
        if frames < copiedFrames { copiedFrames = 0 }  // the log restarted
        if frames >= (eager ? 1 : minimumFrames) {
            pendingFrames = frames
            condition.signal()
        }
        condition.unlock()
    }

    /// From now on copies the log back after every commit: call when the writer's last work is
    /// under way, so the copy overlaps it rather than all of it waiting for `stop()`.
    public func hurry() {
        condition.lock()
        eager = true
        if committedFrames > copiedFrames {
            pendingFrames = committedFrames
            condition.signal()
        }
        condition.unlock()
    }

    /// Call on the writer's thread before it begins a transaction: when the log has grown past
    /// `maximumFrames`, waits until it has been copied back, so the transaction restarts it.
    /// A reader holding an old snapshot keeps the log from being copied; after `patience`
    /// seconds the writer goes on (the log then grows until the reader is done).
    public func waitIfLogIsLong(patience: TimeInterval = 2) {
        condition.lock()
        defer { condition.unlock() }
        guard committedFrames >= maximumFrames, !stopping, failure == nil else { return }
        let target = committedFrames
        let deadline = Date().addingTimeInterval(patience)
        while copiedFrames < target, !stopping, failure == nil, !finished {
            if pendingFrames == 0 { pendingFrames = target; condition.broadcast() }
            if !condition.wait(until: deadline) { return }
        }
    }

    private func run() {
        while true {
            condition.lock()
            while pendingFrames == 0, !stopping { condition.wait() }
            let stop = stopping
            pendingFrames = 0
            condition.unlock()
            if stop { break }
            var logFrames: Int32 = 0
            var copied: Int32 = 0
            let rc = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
            condition.lock()
            checkpoints += 1
            if rc == SQLITE_OK, copied == logFrames, logFrames > 0 { copiedFrames = max(copiedFrames, logFrames) }
            condition.broadcast()
            condition.unlock()
            if rc != SQLITE_OK, rc != SQLITE_BUSY, failure == nil {
                failure = SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(connection.handle)), sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the thread and hands checkpointing back to SQLite's automatic checkpoint on the writer.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
        sqlite3_wal_autocheckpoint(writer.handle, 1000)
        // Copy what is left and give the log's disk space back, unless a reader is in the way.
        sqlite3_busy_timeout(writer.handle, 200)
        sqlite3_wal_checkpoint_v2(writer.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        sqlite3_busy_timeout(writer.handle, 5000)
    }
}
