import Foundation
import MeshLogStore

/// Hands filled batches from the parsing thread to a writer thread, two at most in flight, so
/// parsing on one core overlaps SQLite on the other while memory stays bounded.
final class BatchPipeline: @unchecked Sendable {
    private let writer: AccessLogWriter
    private let condition = NSCondition()
    /// What the writer thread does next: store a batch, or run a piece of bookkeeping in order
    /// with the batches around it (a file's source row begun or finished).
    private enum Work {
        case batch(AccessLogBatch)
        case job((JobContext) throws -> Void)
    }

    /// The writer's open transaction, as a job running on the writer thread sees it.
    struct JobContext: Sendable {
        /// Commits the open transaction now (nothing when none is open).
        let commit: @Sendable () throws -> Void
        /// Runs `body` once what the job wrote is committed (at once when no transaction is open).
        let afterCommit: @Sendable (@escaping @Sendable () -> Void) -> Void

        /// For a job run outside any pipeline transaction: nothing to commit, and committed already.
        static let immediate = JobContext(commit: {}, afterCommit: { $0() })
    }
    private var queue: [Work] = []
    private var free: [AccessLogBatch] = []
    private var busy = false
    private var closed = false
    private var failure: Error?
    private var thread: Thread?
    /// Seconds the writer spent storing batches, and the parser spent waiting for a free batch.
    private(set) var writeSeconds = 0.0
    /// CPU seconds the writer thread used.
    private(set) var writerCPUSeconds = 0.0
    private(set) var waitSeconds = 0.0

    /// Rows after which an open transaction is committed.
    private let rowsPerCommit: Int
    /// Seconds after which an open transaction is committed (so other readers see fresh rows).
    private let secondsPerCommit: Double
    private var flushRequested = false
    /// Runs on the writer thread before each transaction begins (the WAL checkpointer's wait).
    private let beforeBegin: @Sendable () -> Void

    init(writer: AccessLogWriter, batches: Int = 3, capacity: Int, rowsPerCommit: Int = 65_536, secondsPerCommit: Double = 1,
         beforeBegin: @escaping @Sendable () -> Void = {}) {
        self.writer = writer
        self.beforeBegin = beforeBegin
        self.rowsPerCommit = rowsPerCommit
        self.secondsPerCommit = secondsPerCommit
        for _ in 0..<batches { free.append(AccessLogBatch(capacity: capacity)) }
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "meshlog-writer"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// An empty batch to fill (waits for the writer to return one).
    func takeFree() throws -> AccessLogBatch {
        condition.lock()
        defer { condition.unlock() }
        let start = Date()
        while free.isEmpty, failure == nil { condition.wait() }
        waitSeconds += Date().timeIntervalSince(start)
        if let failure { throw failure }
        let b = free.removeLast()
        b.reset()
        return b
    }

    /// Hands back a batch taken with `takeFree` that holds nothing to write.
    func recycle(_ batch: AccessLogBatch) {
        condition.lock()
        free.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a filled batch for writing.
    func submit(_ batch: AccessLogBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queue.append(.batch(batch))
        condition.broadcast()
    }

    /// Queues `job` to run on the writer thread after the batches submitted before it, so the
    /// parser need not wait for it. It runs inside the open transaction, if any, so what it writes
    /// commits with the rows around it; `JobContext` lets it commit first, or act once committed.
    /// An error it throws fails the pipeline like a write error.
    func perform(_ job: @escaping (JobContext) throws -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queue.append(.job(job))
        condition.broadcast()
    }

    /// Waits until every queued batch is stored and committed; rethrows a write error.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        flushRequested = true
        condition.broadcast()
        while (!queue.isEmpty || busy || flushRequested), failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the writer thread after the queue drains.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Waits for the writer thread to exit.
    func join() {
        condition.lock()
        while thread != nil, !finished { condition.wait() }
        condition.unlock()
    }
    private var finished = false

    // The writer thread's transaction state.
    private var open = false
    private var rowsInTransaction = 0
    private var openedAt = Date()
    /// Jobs' actions waiting for the open transaction to commit.
    private var committedActions: [@Sendable () -> Void] = []

    /// Commits the open transaction (writer thread only), then runs what waited for it.
    private func commitOpen() throws {
        guard open else { return }
        open = false
        rowsInTransaction = 0
        let actions = committedActions
        committedActions.removeAll()  // a failed commit fails the pipeline: they never run
        try writer.commit()
        for action in actions { action() }
    }

    private func run() {
        defer {
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        // Several batches share one transaction: each batch writes its rows and its file progress
        // (in a savepoint), and the transaction commits every `rowsPerCommit` rows or
        // `secondsPerCommit`, and whenever the ingest asks for a flush. A kill loses at most the
        // open transaction, and progress always matches the rows that were committed. Jobs (a
        // file's source row begun or finished) run inside it too: a file in a bundle need not
        // cost a commit of its own, and its source is finished with its last rows.
        func commit() -> Error? {
            do { try commitOpen() } catch { return error }
            return nil
        }
        let context = JobContext(commit: { [unowned self] in try self.commitOpen() },
                                 afterCommit: { [unowned self] action in
                                     if self.open { self.committedActions.append(action) } else { action() }
                                 })
        while true {
            condition.lock()
            // An open transaction is committed once `secondsPerCommit` have passed even when no
            // more batches come, so readers see rows soon after they were handed over.
            var due = false
            while queue.isEmpty, !closed, !flushRequested, !due {
                if open {
                    due = !condition.wait(until: openedAt.addingTimeInterval(secondsPerCommit))
                } else {
                    condition.wait()
                }
            }
            if queue.isEmpty {
                let wasClosed = closed
                busy = true
                condition.unlock()
                let error = commit()
                condition.lock()
                busy = false
                flushRequested = false
                if let error { failure = error }
                if wasClosed { writerCPUSeconds = Self.threadCPUSeconds() }
                condition.broadcast()
                condition.unlock()
                if wasClosed { return }
                continue
            }
            let work = queue.removeFirst()
            busy = true
            condition.unlock()
            var error: Error?
            let start = Date()
            do {
                switch work {
                case .job(let job):
                    try job(context)
                case .batch(let batch):
                    if !open {
                        beforeBegin()
                        try writer.begin()
                        open = true
                        openedAt = Date()
                    }
                    try writer.write(batch)
                    rowsInTransaction += batch.rowCount
                    if rowsInTransaction >= rowsPerCommit || Date().timeIntervalSince(openedAt) >= secondsPerCommit {
                        try commitOpen()
                    }
                }
            } catch let e {
                error = e
                if open {
                    writer.rollback()
                    open = false
                    committedActions.removeAll()
                }
            }
            let took = Date().timeIntervalSince(start)
            condition.lock()
            busy = false
            writeSeconds += took
            if let error {
                failure = error
                queue.removeAll()
            }
            if case .batch(let batch) = work { free.append(batch) }
            condition.broadcast()
            condition.unlock()
        }
    }
}
