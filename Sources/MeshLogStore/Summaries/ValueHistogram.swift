/// An exact histogram of integer values (durations in milliseconds): each distinct value with
/// how often it occurred.
///
/// Durations in access logs are whole milliseconds and take few distinct values per minute and
/// edge, so an exact histogram is small (a few hundred bytes) and its percentiles are exactly the
/// percentiles of the values it summarises, with the same linear interpolation between closest
/// ranks as ``Percentile/linear(_:fraction:)``. Stored as a blob: the number of entries, then per
/// entry the zigzag delta from the previous value and the count, as LEB128 varints.
public struct ValueHistogram: Equatable, Sendable {
    /// Distinct values, ascending.
    public private(set) var values: [Int64] = []
    /// How often each of `values` occurred.
    public private(set) var counts: [Int64] = []

    public init() {}

    /// A histogram of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Int64 {
        var builder = Builder()
        for v in values { builder.add(v) }
        self = builder.histogram()
    }

    /// Number of values summarised.
    public var total: Int64 { counts.reduce(0, +) }

    /// The largest value, or nil when empty.
    public var max: Int64? { values.last }

    /// The percentile at `fraction` (0...1), interpolated linearly between closest ranks; nil when empty.
    public func percentile(_ fraction: Double) -> Double? {
        let n = total
        guard n > 0 else { return nil }
        let h = Double(n - 1) * Swift.min(Swift.max(fraction, 0), 1)
        let k = Int64(h.rounded(.down))
        let weight = h - Double(k)
        // Entry i holds ranks [seen before it, seen after it) (0-based); find ranks k and k + 1.
        var seen: Int64 = 0
        var lower: Double?
        for i in values.indices {
            seen += counts[i]
            if let lower { return lower + weight * (Double(values[i]) - lower) }
            if k < seen {
                if weight == 0 || k + 1 < seen { return Double(values[i]) }
                lower = Double(values[i])
            }
        }
        return lower
    }

    // MARK: Encoding

    /// The blob form.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(2 + values.count * 3)
        Self.putVarint(UInt64(values.count), &out)
        var previous: Int64 = 0
        for (v, c) in zip(values, counts) {
            let delta = v &- previous
            Self.putVarint(UInt64(bitPattern: (delta << 1) ^ (delta >> 63)), &out)
            Self.putVarint(UInt64(bitPattern: c), &out)
            previous = v
        }
        return out
    }

    /// Decodes a blob; nil when it is not a histogram.
    public init?(encoded bytes: UnsafeRawBufferPointer) {
        var ok = true
        self.init()
        Self.forEachEntry(bytes, ok: &ok) { v, c in
            values.append(v)
            counts.append(c)
        }
        if !ok { return nil }
    }

    /// Calls `body` with each (value, count) of an encoded histogram, in ascending value order.
    /// Sets `ok` to false (and stops) on malformed input.
    @inline(__always)
    static func forEachEntry(_ bytes: UnsafeRawBufferPointer, ok: inout Bool, _ body: (Int64, Int64) -> Void) {
        var i = 0
        guard let n = getVarint(bytes, &i) else { ok = bytes.isEmpty; return }
        var previous: Int64 = 0
        for _ in 0..<n {
            guard let z = getVarint(bytes, &i), let c = getVarint(bytes, &i) else { ok = false; return }
            let delta = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
            previous &+= delta
            body(previous, Int64(bitPattern: c))
        }
    }

    /// Appends `value` as an LEB128 varint (the blob's number encoding).
    @inline(__always)
    public static func putVarint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    static func getVarint(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count, shift < 64 {
            let b = bytes[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    // MARK: Building

    /// Accumulates values and histograms: small values in a dense array, others in a dictionary.
    public struct Builder {
        static let denseLimit: Int64 = 1024
        private var dense: [Int64] = []
        /// The largest index of `dense` in use (-1: none), so reading stops there.
        private var denseMax = -1
        private var sparse: [Int64: Int64] = [:]
        /// Whether nothing has been added.
        public private(set) var isEmpty = true

        public init() {}

        /// Adds `count` occurrences of `value`.
        @inline(__always)
        public mutating func add(_ value: Int64, count: Int64 = 1) {
            isEmpty = false
            if value >= 0, value < Self.denseLimit {
                let i = Int(value)
                if i >= dense.count { dense.append(contentsOf: repeatElement(0, count: Swift.max(i + 1, Swift.min(Swift.max(2 * dense.count, 32), Int(Self.denseLimit))) - dense.count)) }
                dense[i] += count
                if i > denseMax { denseMax = i }
            } else {
                sparse[value, default: 0] += count
            }
        }

        /// Adds every entry of an encoded histogram; false when the blob is malformed.
        public mutating func add(encoded bytes: UnsafeRawBufferPointer) -> Bool {
            var ok = true
            ValueHistogram.forEachEntry(bytes, ok: &ok) { v, c in add(v, count: c) }
            return ok
        }

        /// Adds every entry of `other`.
        public mutating func add(_ other: ValueHistogram) {
            for (v, c) in zip(other.values, other.counts) { add(v, count: c) }
        }

        /// Calls `body` with each (value, count) added, in ascending value order.
        public func forEach(_ body: (Int64, Int64) -> Void) {
            let sorted = sparse.isEmpty ? [] : sparse.sorted { $0.key < $1.key }
            for (v, c) in sorted where v < 0 { body(v, c) }
            if denseMax >= 0 {
                dense.withUnsafeBufferPointer { d in
                    for i in 0...denseMax where d[i] != 0 { body(Int64(i), d[i]) }
                }
            }
            for (v, c) in sorted where v >= 0 { body(v, c) }
        }

        /// Adds everything another builder holds.
        public mutating func add(_ other: Builder) {
            other.forEach { add($0, count: $1) }
        }

        /// The histogram of everything added.
        public func histogram() -> ValueHistogram {
            var h = ValueHistogram()
            forEach { v, c in
                h.values.append(v)
                h.counts.append(c)
            }
            return h
        }

        /// Empties the builder, keeping its memory.
        public mutating func reset() {
            if denseMax >= 0 { dense.withUnsafeMutableBufferPointer { $0[0...denseMax].update(repeating: 0) } }
            denseMax = -1
            sparse.removeAll(keepingCapacity: true)
            isEmpty = true
        }
    }
}
