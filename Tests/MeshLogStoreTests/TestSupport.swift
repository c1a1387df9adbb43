import Foundation
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

/// Deterministic pseudo-random numbers (SplitMix64) so failures are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
