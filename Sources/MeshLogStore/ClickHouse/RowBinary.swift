/// ClickHouse's `RowBinary` encoding, appended to a reusable byte buffer: integers little-endian,
/// strings as a LEB128 length and their bytes, a `Nullable` value as a flag byte (1: NULL) and then
/// the value when it is not NULL.
enum RowBinary {
    @inline(__always)
    static func int64(_ value: Int64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func uint64(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func uint8(_ value: UInt8, _ out: inout [UInt8]) { out.append(value) }

    @inline(__always)
    static func length(_ count: Int, _ out: inout [UInt8]) {
        var n = UInt64(count)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        length(bytes.count, &out)
        out.append(contentsOf: bytes)
    }

    @inline(__always)
    static func string(_ text: String, _ out: inout [UInt8]) {
        var text = text
        text.withUTF8 { string($0, &out) }
    }

    /// The NULL of a `Nullable` column.
    @inline(__always)
    static func null(_ out: inout [UInt8]) { out.append(1) }

    /// The flag of a `Nullable` column's value that is not NULL (the value follows).
    @inline(__always)
    static func notNull(_ out: inout [UInt8]) { out.append(0) }

    @inline(__always)
    static func nullableInt64(_ value: Int64?, _ out: inout [UInt8]) {
        if let value { notNull(&out); int64(value, &out) } else { null(&out) }
    }

    @inline(__always)
    static func nullableString(_ text: String?, _ out: inout [UInt8]) {
        if let text { notNull(&out); string(text, &out) } else { null(&out) }
    }
}

/// Byte strings by dense integer id (dictionary strings, request ids): one arena, and each id's
/// offset and length in it.
final class ByteTable {
    private(set) var arena: [UInt8] = []
    /// `offset << 24 | length` by id; -1 for an id never set.
    private(set) var cells: [Int64] = []
    /// A flag byte per id (the request id's kind).
    private(set) var flags: [UInt8] = []

    /// Records `value` under `id` (ids come roughly in order; gaps stay unset).
    func set(_ id: Int64, _ value: [UInt8], flag: UInt8 = 0) {
        let i = Int(id)
        if i >= cells.count {
            cells.append(contentsOf: repeatElement(-1, count: i + 1 - cells.count))
            flags.append(contentsOf: repeatElement(0, count: i + 1 - flags.count))
        }
        cells[i] = Int64(arena.count) << 24 | Int64(value.count)
        flags[i] = flag
        arena.append(contentsOf: value)
    }

    /// Whether `id` was set.
    func contains(_ id: Int64) -> Bool { id >= 0 && Int(id) < cells.count && cells[Int(id)] >= 0 }
}
