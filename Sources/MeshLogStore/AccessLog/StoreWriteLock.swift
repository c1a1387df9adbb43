#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The store's writer lock: one process writes a store at a time, and the others wait for it.
///
/// Ids (dictionary strings, requests, sources, dimension tuples) are handed out from what a writer
/// read of the store, so two writers at once would hand out the same ones. A writer holds this
/// lock while it writes: a whole `ingest`, or a follower while it has lines to store (it lets go
/// when its files are quiet, and reads the store's ids again when it takes the lock back).
///
/// The lock is an advisory `flock` on `<store>-lock` beside the store (the kernel lets go of it when
/// the process ends, however it ends); its holder writes who it is into the file, so a waiter can
/// say whom it waits for.
public final class StoreWriteLock {
    /// The lock file.
    public let path: String
    /// Who takes the lock, as waiters are told: e.g. `meshlog ingest bundle.tar.gz (pid 4242)`
    /// (the lock file adds `since` and the time it was taken).
    private let holder: String
    private var descriptor: Int32 = -1
    /// Whether this process holds the lock.
    public private(set) var isHeld = false
    /// Whether another writer may have written since this one last let go (its ids are stale).
    public private(set) var othersMayHaveWritten = false

    /// A lock for the store at `storePath`, taken as `holder`; nil for an in-memory store.
    public init?(storePath: String, holder: String) {
        guard storePath != ":memory:", !storePath.isEmpty else { return nil }
        path = Self.canonical(storePath) + "-lock"
        self.holder = holder
    }

    /// The store's path with its folder resolved (`./meshlog.db`, `/tmp/../tmp/meshlog.db` and a
    /// symbolic link to the folder all name one lock), the store itself may not exist yet.
    static func canonical(_ storePath: String) -> String {
        let url = URL(fileURLWithPath: storePath)
        let folder = url.deletingLastPathComponent().path
        guard let resolved = realpath(folder, nil) else { return storePath }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + url.lastPathComponent
    }

    deinit {
        release()
        if descriptor >= 0 { close(descriptor) }
    }

    /// Takes the lock, waiting while another process holds it; `waiting` is called once, with the
    /// holder's description, before the wait.
    ///
    /// - Throws: `StoreError.lockFailed` when the lock file cannot be opened or locked.
    public func acquire(waiting: (String) -> Void = { _ in }) throws {
        guard !isHeld else { return }
        if descriptor < 0 {
            descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw StoreError.lockFailed(path: path, reason: String(cString: strerror(errno))) }
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { throw StoreError.lockFailed(path: path, reason: String(cString: strerror(errno))) }
            waiting(currentHolder() ?? "another meshlog process")
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else { throw StoreError.lockFailed(path: path, reason: String(cString: strerror(errno))) }
            }
        }
        isHeld = true
        // A waiter reads this to say whom it waits for.
        let text = Array("\(holder) since \(ISO8601DateFormatter().string(from: Date()))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Takes the lock if no other process holds it; returns whether it is held now.
    public func tryAcquire() throws -> Bool {
        if isHeld { return true }
        if descriptor < 0 {
            descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw StoreError.lockFailed(path: path, reason: String(cString: strerror(errno))) }
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return false }
        isHeld = true
        return true
    }

    /// Lets go of the lock (another writer may write from now on).
    public func release() {
        guard isHeld else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        isHeld = false
        othersMayHaveWritten = true
    }

    /// Marks the ids read of the store fresh again (after they were read under the lock).
    public func refreshed() { othersMayHaveWritten = false }

    /// What the holder wrote into the lock file, or nil.
    public func currentHolder() -> String? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
