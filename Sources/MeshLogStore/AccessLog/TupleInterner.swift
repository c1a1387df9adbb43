/// Maps fixed-width tuples of integers (dictionary ids) to small ids: the rows of the
/// `destination` and `variant` dimension tables.
///
/// A line's cluster, direction, service, namespace and subset take one of a few dozen
/// combinations in a mesh, and its method, protocol, authority, user agent and the other rarely
/// filtered text fields a few thousand: storing one id per combination keeps `log_row` narrow,
/// which is most of what an insert costs. New tuples wait in `pending` until a writer stores
/// them. Memory is bounded: past `maxEntries` the table forgets everything at the next
/// `trimIfNeeded()`, and tuples seen again get fresh ids (the table may then hold one tuple
/// under two ids, which every query resolves the same way).
public final class TupleInterner {
    /// Integers per tuple.
    public let arity: Int
    /// Stands for SQL NULL inside a tuple.
    public static let null = Int64.min

    @exclusivity(unchecked) private var keys: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private var ids: UnsafeMutablePointer<Int64>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var mask: Int
    /// Distinct tuples in the table.
    @exclusivity(unchecked) public private(set) var count = 0
    /// The next id to hand out.
    @exclusivity(unchecked) public private(set) var nextID: Int64
    /// Tuples interned since the last `takePending()`, flat: id, then `arity` values, per tuple.
    @exclusivity(unchecked) private var pending: [Int64] = []
    public let maxEntries: Int

    /// Creates an interner of `arity`-wide tuples that hands out ids from `firstID`.
    public init(arity: Int, firstID: Int64 = 1, maxEntries: Int = 1 << 16) {
        precondition(arity > 0)
        self.arity = arity
        self.nextID = firstID
        self.maxEntries = maxEntries
        capacity = 1 << 8
        mask = capacity - 1
        keys = .allocate(capacity: capacity * arity)
        ids = .allocate(capacity: capacity)
        ids.initialize(repeating: 0, count: capacity)
    }

    deinit {
        keys.deallocate()
        ids.deallocate()
    }

    @inline(__always)
    private func hash(_ t: UnsafePointer<Int64>) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<arity {
            h = (h ^ UInt64(bitPattern: t[i])) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        return Int(truncatingIfNeeded: h)
    }

    @inline(__always)
    private func find(_ t: UnsafePointer<Int64>) -> (slot: Int, found: Bool) {
        var slot = hash(t) & mask
        while true {
            if ids[slot] == 0 { return (slot, false) }
            let k = keys + slot * arity
            var same = true
            for i in 0..<arity where k[i] != t[i] { same = false; break }
            if same { return (slot, true) }
            slot = (slot + 1) & mask
        }
    }

    /// The id of the tuple at `t` (`arity` values, `TupleInterner.null` for NULL), interning it when new.
    @inline(__always)
    public func intern(_ t: UnsafePointer<Int64>) -> Int64 {
        let (slot, found) = find(t)
        if found { return ids[slot] }
        let id = nextID
        nextID += 1
        insert(t, id: id, at: slot)
        pending.append(id)
        for i in 0..<arity { pending.append(t[i]) }
        return id
    }

    /// Hands out no id below `id` from now on (another writer stored ids up to it).
    public func skipIDs(below id: Int64) {
        if id > nextID { nextID = id }
    }

    /// Registers a tuple already stored under `id` (loaded from its table).
    public func preload(id: Int64, values: [Int64]) {
        precondition(values.count == arity)
        values.withUnsafeBufferPointer { t in
            let (slot, found) = find(t.baseAddress!)
            if !found { insert(t.baseAddress!, id: id, at: slot) }
        }
        if id >= nextID { nextID = id + 1 }
    }

    private func insert(_ t: UnsafePointer<Int64>, id: Int64, at slot: Int) {
        (keys + slot * arity).update(from: t, count: arity)
        ids[slot] = id
        count += 1
        if count * 2 > capacity { grow() }
    }

    private func grow() {
        let oldKeys = keys, oldIDs = ids, oldCapacity = capacity
        capacity *= 2
        mask = capacity - 1
        keys = .allocate(capacity: capacity * arity)
        ids = .allocate(capacity: capacity)
        ids.initialize(repeating: 0, count: capacity)
        for s in 0..<oldCapacity where oldIDs[s] != 0 {
            let t = oldKeys + s * arity
            let (slot, _) = find(t)
            (keys + slot * arity).update(from: t, count: arity)
            ids[slot] = oldIDs[s]
        }
        oldKeys.deallocate()
        oldIDs.deallocate()
    }

    /// Takes the tuples interned since the last call, flat: id, then `arity` values, per tuple.
    public func takePending() -> [Int64] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// Forgets every tuple when the table is over its bound (call between batches, after `takePending()`).
    public func trimIfNeeded() {
        guard count > maxEntries else { return }
        ids.update(repeating: 0, count: capacity)
        count = 0
    }
}
