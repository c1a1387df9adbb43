import MeshLogStore

/// The request ids this run has handed out, as a Bloom filter: once the in-memory request table
/// has overflowed, the store is asked only about ids that may be in it. An id never seen (most of
/// them, in a long file) skips the lookup; an id seen before is always looked up (no false
/// negatives), a few unseen ones too (about 1 % false positives).
///
/// It grows as a chain of filters, each twice the last, so a short run stays small.
final class SeenRequests {
    private struct Filter {
        var words: UnsafeMutablePointer<UInt64>
        var mask: UInt64
        var capacity: Int
        var count = 0
    }
    private var filters: [Filter] = []
    private static let bitsPerEntry = 10
    private static let probes = 7

    /// Starts with room for `initialCapacity` ids at the target false-positive rate.
    init(initialCapacity: Int = 1 << 18) {
        addFilter(capacity: initialCapacity)
    }

    deinit {
        for f in filters { f.words.deallocate() }
    }

    private func addFilter(capacity: Int) {
        var bits = 64
        while bits < capacity * Self.bitsPerEntry { bits <<= 1 }
        let words = UnsafeMutablePointer<UInt64>.allocate(capacity: bits / 64)
        words.initialize(repeating: 0, count: bits / 64)
        filters.append(Filter(words: words, mask: UInt64(bits - 1), capacity: capacity))
    }

    /// Remembers `key`.
    func insert(_ key: UnsafeBufferPointer<UInt8>) {
        if filters[filters.count - 1].count >= filters[filters.count - 1].capacity {
            addFilter(capacity: filters[filters.count - 1].capacity * 2)
        }
        let (h1, h2) = Self.hashes(key)
        let last = filters.count - 1
        for i in 0..<UInt64(Self.probes) {
            let bit = (h1 &+ i &* h2) & filters[last].mask
            filters[last].words[Int(bit >> 6)] |= 1 << (bit & 63)
        }
        filters[last].count += 1
    }

    /// False when `key` was certainly never inserted.
    func mightContain(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let (h1, h2) = Self.hashes(key)
        for f in filters {
            var all = true
            for i in 0..<UInt64(Self.probes) {
                let bit = (h1 &+ i &* h2) & f.mask
                if f.words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { all = false; break }
            }
            if all { return true }
        }
        return false
    }

    /// Two independent-enough hashes for double hashing (the second odd, so probes differ).
    @inline(__always)
    private static func hashes(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        let h = StringInterner.hash(key)
        var g = h ^ (h >> 33)
        g = g &* 0xFF51_AFD7_ED55_8CCD
        g ^= g >> 33
        return (h, g | 1)
    }
}
