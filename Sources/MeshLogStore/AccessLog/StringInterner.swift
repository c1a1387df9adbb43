/// Maps repeated strings (methods, clusters, user agents, paths…) to small integer ids, on bytes,
/// without creating a `String` per lookup.
///
/// Ids are handed out from `nextID`; new strings wait in `pending` until a writer stores them in
/// the `dict` table. Memory is bounded: past `maxEntries` or `maxArenaBytes` the table forgets
/// everything at the next `trimIfNeeded()`, and strings seen again get fresh ids (the `dict`
/// table may then hold one value under two ids, which the views resolve the same way).
public final class StringInterner {
    private var arena: [UInt8] = []
    private var hashes: [UInt64]
    private var offsets: [Int32]
    private var lengths: [Int32]
    private var ids: [Int64]
    private var mask: Int
    private(set) public var count = 0
    /// The next id to hand out.
    public private(set) var nextID: Int64
    /// Strings interned since the last `takePending()`: (id, bytes).
    public private(set) var pending: [(id: Int64, value: [UInt8])] = []
    /// Bumped each time the table is cleared; caches keyed by id must be dropped when it changes.
    public private(set) var generation = 0
    public let maxEntries: Int
    public let maxArenaBytes: Int

    /// Creates an interner that hands out ids from `firstID`.
    public init(firstID: Int64 = 1, maxEntries: Int = 1 << 19, maxArenaBytes: Int = 48 << 20) {
        nextID = firstID
        self.maxEntries = maxEntries
        self.maxArenaBytes = maxArenaBytes
        let capacity = 1 << 12
        hashes = Array(repeating: 0, count: capacity)
        offsets = Array(repeating: -1, count: capacity)
        lengths = Array(repeating: 0, count: capacity)
        ids = Array(repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// Registers an existing (id, value) pair, as loaded from the `dict` table.
    public func preload(id: Int64, value: String) {
        var v = value
        v.withUTF8 { insert($0, hash: Self.hash($0), id: id) }
        if id >= nextID { nextID = id + 1 }
    }

    /// The id of `bytes`, interning it when new.
    @inline(__always)
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        let h = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let off = offsets[slot]
            if off < 0 { break }
            if hashes[slot] == h, Int(lengths[slot]) == bytes.count, equal(Int(off), bytes) { return ids[slot] }
            slot = (slot + 1) & mask
        }
        let id = nextID
        nextID += 1
        insert(bytes, hash: h, id: id)
        pending.append((id, Array(bytes)))
        return id
    }

    /// The id of a Swift string, interning it when new.
    public func intern(_ string: String) -> Int64 {
        var s = string
        return s.withUTF8 { intern($0) }
    }

    /// Hands the pending new strings to the caller and forgets them.
    public func takePending() -> [(id: Int64, value: [UInt8])] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// Clears the table when it has grown past its bounds. Call between batches.
    public func trimIfNeeded() {
        guard count > maxEntries || arena.count > maxArenaBytes else { return }
        arena.removeAll(keepingCapacity: false)
        let capacity = 1 << 12
        hashes = Array(repeating: 0, count: capacity)
        offsets = Array(repeating: -1, count: capacity)
        lengths = Array(repeating: 0, count: capacity)
        ids = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        count = 0
        generation += 1
    }

    private func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, id: Int64) {
        if (count + 1) * 2 > hashes.count { grow() }
        var slot = Int(truncatingIfNeeded: h) & mask
        while offsets[slot] >= 0 { slot = (slot + 1) & mask }
        hashes[slot] = h
        offsets[slot] = Int32(arena.count)
        lengths[slot] = Int32(bytes.count)
        ids[slot] = id
        arena.append(contentsOf: bytes)
        count += 1
    }

    private func grow() {
        let oldHashes = hashes, oldOffsets = offsets, oldLengths = lengths, oldIDs = ids
        let capacity = hashes.count * 2
        hashes = Array(repeating: 0, count: capacity)
        offsets = Array(repeating: -1, count: capacity)
        lengths = Array(repeating: 0, count: capacity)
        ids = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for i in 0..<oldHashes.count where oldOffsets[i] >= 0 {
            var slot = Int(truncatingIfNeeded: oldHashes[i]) & mask
            while offsets[slot] >= 0 { slot = (slot + 1) & mask }
            hashes[slot] = oldHashes[i]
            offsets[slot] = oldOffsets[i]
            lengths[slot] = oldLengths[i]
            ids[slot] = oldIDs[i]
        }
    }

    @inline(__always)
    private func equal(_ offset: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { a in
            for i in 0..<bytes.count where a[offset + i] != bytes[i] { return false }
            return true
        }
    }

    /// A fast 64-bit hash of short byte strings (8 bytes per step).
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }
}
