/// Maps repeated strings (methods, clusters, user agents, paths…) to small integer ids, on bytes,
/// without creating a `String` per lookup.
///
/// Ids are handed out from `nextID`; new strings wait in `pending` until a writer stores them in
/// the `dict` table. Each entry also carries a few caller-defined `aux` slots (the route id of a
/// path, the parsed destination of a cluster) so derivations are computed once per distinct
/// string. Memory is bounded: past `maxEntries` or `maxArenaBytes` the table forgets everything
/// at the next `trimIfNeeded()`, and strings seen again get fresh ids (the `dict` table may then
/// hold one value under two ids, which the views resolve the same way).
public final class StringInterner {
    /// How many aux slots each entry has.
    public let auxSlots: Int

    @exclusivity(unchecked) private var arena: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var arenaCount = 0
    @exclusivity(unchecked) private var arenaCapacity: Int
    /// One entry of the table: everything a probe compares, in one place (one cache line to
    /// read per probe, not four), with the bytes themselves in `arena`.
    private struct Slot {
        var hash: UInt64
        var id: Int64
        /// Where the bytes start in `arena`; -1 marks an empty slot.
        var offset: Int32
        var length: Int32
    }

    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) private var aux: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var mask: Int
    /// Distinct strings in the table.
    @exclusivity(unchecked) public private(set) var count = 0
    /// The next id to hand out.
    @exclusivity(unchecked) public private(set) var nextID: Int64
    /// Strings interned since the last `takePending()`.
    @exclusivity(unchecked) private var pendingEntries: [(id: Int64, offset: Int, length: Int)] = []
    @exclusivity(unchecked) private var pendingBytes: [UInt8] = []
    /// Bumped each time the table is cleared.
    @exclusivity(unchecked) public private(set) var generation = 0
    /// The slot of the last string looked up, for `aux(_:)` and `setAux(_:_:)`.
    @exclusivity(unchecked) public private(set) var lastSlot = 0
    public let maxEntries: Int
    public let maxArenaBytes: Int

    /// Creates an interner that hands out ids from `firstID`.
    public init(firstID: Int64 = 1, maxEntries: Int = 1 << 17, maxArenaBytes: Int = 16 << 20, auxSlots: Int = 4) {
        self.auxSlots = auxSlots
        nextID = firstID
        self.maxEntries = maxEntries
        self.maxArenaBytes = maxArenaBytes
        capacity = 1 << 12
        mask = capacity - 1
        (slots, aux) = Self.allocateTable(capacity, auxSlots: auxSlots)
        arenaCapacity = 1 << 16
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        arena.deallocate(); slots.deallocate(); aux.deallocate()
    }

    /// Hands out no id below `id` from now on (another writer stored ids up to it).
    public func skipIDs(below id: Int64) {
        if id > nextID { nextID = id }
    }

    /// Registers an existing (id, value) pair, as loaded from the `dict` table.
    public func preload(id: Int64, value: String) {
        var v = value
        v.withUTF8 { bytes in
            let h = Self.hash(bytes)
            if find(bytes, h) < 0 { insert(bytes, hash: h, id: id) }
        }
        if id >= nextID { nextID = id + 1 }
    }

    @inline(__always)
    private func find(_ bytes: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s.offset < 0 { return -1 }
            if s.hash == h, Int(s.length) == bytes.count, equal(Int(s.offset), bytes) { return slot }
            slot = (slot + 1) & mask
        }
    }

    /// The id of `bytes`, interning it when new. `lastSlot` then names its entry.
    @inline(__always)
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        let h = Self.hash(bytes)
        let found = find(bytes, h)
        if found >= 0 {
            lastSlot = found
            return slots[found].id
        }
        let id = nextID
        nextID += 1
        insert(bytes, hash: h, id: id)
        pendingEntries.append((id, pendingBytes.count, bytes.count))
        pendingBytes.append(contentsOf: bytes)
        return id
    }

    /// The id of `bytes`; when it is not in the table, `resolve` may name an id already stored
    /// elsewhere (which is then remembered without becoming pending), else a new id is handed out.
    @inline(__always)
    public func intern(_ bytes: UnsafeBufferPointer<UInt8>, resolve: (UnsafeBufferPointer<UInt8>) -> Int64?) -> (id: Int64, isNew: Bool) {
        let h = Self.hash(bytes)
        let found = find(bytes, h)
        if found >= 0 {
            lastSlot = found
            return (slots[found].id, false)
        }
        if let known = resolve(bytes) {
            insert(bytes, hash: h, id: known)
            return (known, false)
        }
        let id = nextID
        nextID += 1
        insert(bytes, hash: h, id: id)
        return (id, true)
    }

    /// The id of `bytes` when it is in the table (`lastSlot` then names its entry), without adding it.
    @inline(__always)
    public func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        let found = find(bytes, Self.hash(bytes))
        guard found >= 0 else { return nil }
        lastSlot = found
        return slots[found].id
    }

    /// The id of a Swift string, interning it when new.
    public func intern(_ string: String) -> Int64 {
        var s = string
        return s.withUTF8 { intern($0) }
    }

    /// Aux slot `k` of the entry at `lastSlot` (-1 until set).
    @inline(__always)
    public func aux(_ k: Int) -> Int64 { aux[lastSlot * auxSlots + k] }

    /// Sets aux slot `k` of the entry at `slot`.
    @inline(__always)
    public func setAux(_ k: Int, _ value: Int64, slot: Int) { aux[slot * auxSlots + k] = value }

    /// Hands the pending new strings to the caller and forgets them.
    public func takePending() -> [(id: Int64, value: [UInt8])] {
        defer {
            pendingEntries.removeAll(keepingCapacity: true)
            pendingBytes.removeAll(keepingCapacity: true)
        }
        return pendingEntries.map { ($0.id, Array(pendingBytes[$0.offset..<($0.offset + $0.length)])) }
    }

    /// Strings interned since the last `takePending()`.
    public var pendingCount: Int { pendingEntries.count }

    /// Clears the table when it has grown past its bounds. Call between batches.
    public func trimIfNeeded() {
        guard count > maxEntries || arenaCount > maxArenaBytes else { return }
        arenaCount = 0
        for i in 0..<capacity { slots[i].offset = -1 }
        count = 0
        generation += 1
    }

    private func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64, id: Int64) {
        if (count + 1) * 2 > capacity { grow() }
        if arenaCount + bytes.count > arenaCapacity {
            var newCapacity = arenaCapacity * 2
            while newCapacity < arenaCount + bytes.count { newCapacity *= 2 }
            let newArena = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newArena.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = newArena
            arenaCapacity = newCapacity
        }
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot].offset >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(hash: h, id: id, offset: Int32(arenaCount), length: Int32(bytes.count))
        for k in 0..<auxSlots { aux[slot * auxSlots + k] = -1 }
        if let base = bytes.baseAddress, bytes.count > 0 { (arena + arenaCount).update(from: base, count: bytes.count) }
        arenaCount += bytes.count
        count += 1
        lastSlot = slot
    }

    private func grow() {
        let oldCapacity = capacity
        let oldSlots = slots, oldAux = aux
        capacity *= 2
        mask = capacity - 1
        (slots, aux) = Self.allocateTable(capacity, auxSlots: auxSlots)
        for i in 0..<oldCapacity where oldSlots[i].offset >= 0 {
            var slot = Int(truncatingIfNeeded: oldSlots[i].hash) & mask
            while slots[slot].offset >= 0 { slot = (slot + 1) & mask }
            slots[slot] = oldSlots[i]
            for k in 0..<auxSlots { aux[slot * auxSlots + k] = oldAux[i * auxSlots + k] }
        }
        oldSlots.deallocate(); oldAux.deallocate()
    }

    /// Storage for a table of `capacity` slots, every slot empty.
    private static func allocateTable(_ capacity: Int, auxSlots: Int) -> (UnsafeMutablePointer<Slot>, UnsafeMutablePointer<Int64>) {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, id: 0, offset: -1, length: 0), count: capacity)
        return (slots, .allocate(capacity: max(1, capacity * auxSlots)))
    }

    @inline(__always)
    private func equal(_ offset: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return memcmp(arena + offset, base, bytes.count) == 0
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
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 29
        return h
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
