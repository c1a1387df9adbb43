import Foundation
import MeshLogStore

/// Hands filled batches from the parsing thread to a writer thread, two at most in flight, so
/// parsing on one core overlaps SQLite on the other while memory stays bounded.
final class BatchPipeline: @unchecked Sendable {
    private let writer: AccessLogWriter
    private let condition = NSCondition()
    private var queue: [AccessLogBatch] = []
    private var free: [AccessLogBatch] = []
    private var busy = false
    private var closed = false
    private var failure: Error?
    private var thread: Thread?
    /// Called on the writer thread after each stored batch.
    var onStored: (@Sendable (AccessLogBatch) -> Void)?

    init(writer: AccessLogWriter, batches: Int = 3, capacity: Int) {
        self.writer = writer
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
        while free.isEmpty, failure == nil { condition.wait() }
        if let failure { throw failure }
        let b = free.removeLast()
        b.reset()
        return b
    }

    /// Queues a filled batch for writing.
    func submit(_ batch: AccessLogBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        queue.append(batch)
        condition.broadcast()
    }

    /// Waits until every queued batch is stored; rethrows a write error.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || busy), failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the writer thread after the queue drains.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty, !closed { condition.wait() }
            if queue.isEmpty, closed {
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            busy = true
            condition.unlock()
            var error: Error?
            do { try writer.write(batch) } catch let e { error = e }
            if error == nil { onStored?(batch) }
            condition.lock()
            busy = false
            if let error {
                failure = error
                queue.removeAll()
            }
            free.append(batch)
            condition.broadcast()
            condition.unlock()
        }
    }
}
