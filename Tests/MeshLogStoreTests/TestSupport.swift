import Foundation
@_exported import MeshLogTestSupport
@testable import MeshLogStore

/// A unique path in the temporary directory; the database and its journal files are removed on `remove()`.
struct TemporaryDatabasePath {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("meshlog-sqlite-test-\(UUID().uuidString).sqlite").path
    }

    func remove() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}


/// The percentile by its definition (full sort), as the tests' reference.
func referencePercentile(_ values: [Double], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let v = values.sorted()
    let h = Double(v.count - 1) * p
    let k = Int(h.rounded(.down))
    let weight = h - Double(k)
    if weight == 0 || k + 1 >= v.count { return v[k] }
    return v[k] + weight * (v[k + 1] - v[k])
}

/// A thread-safe counter for leak checks.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func add(_ delta: Int) {
        lock.lock()
        value += delta
        lock.unlock()
    }

    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
