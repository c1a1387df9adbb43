/// Reads protobuf wire format from one message held in memory: tags, varints, fixed-width numbers and
/// length-delimited fields (https://protobuf.dev/programming-guides/encoding/).
///
/// Offsets in errors are absolute: `base` is the position of the buffer's first byte in the file (or in the
/// decompressed message). A cursor over a message the file cut short (``isCutShort``) reports a field that runs
/// past its end as truncation; in a complete buffer the same is corruption.
struct ProtobufCursor {
    /// The protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure).
    enum WireType: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    /// One field's tag.
    struct Tag {
        let field: UInt32
        let wireType: WireType
        /// Absolute offset of the tag's first byte.
        let offset: Int
    }

    let bytes: UnsafeRawBufferPointer
    /// Absolute offset of `bytes[0]`.
    let base: Int
    /// The file ended inside this message: it holds fewer bytes than its length said.
    let isCutShort: Bool
    /// Where reading goes on, relative to `bytes`.
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer, base: Int, isCutShort: Bool = false) {
        self.bytes = bytes
        self.base = base
        self.isCutShort = isCutShort
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// Absolute offset of the next byte.
    var offset: Int { base + position }

    /// Absolute offset just past the last byte held.
    var endOffset: Int { base + bytes.count }

    func error(at offset: Int, _ reason: String) -> SpanDecodeError {
        .malformedProtobuf(offset: offset, reason: reason)
    }

    /// The error for something that needs `needed` bytes where fewer are left.
    private func overrun(at offset: Int, _ what: String) -> SpanDecodeError {
        if isCutShort {
            return error(at: offset, "\(what), but the file ends at byte offset \(endOffset) (truncated)")
        }
        return error(at: offset, "\(what), past the end of the enclosing message at byte offset \(endOffset) (corrupt)")
    }

    mutating func varint() throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw overrun(at: base + start, "a varint runs on") }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 { throw error(at: base + start, "a varint longer than 64 bits (corrupt)") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// The next tag; nil at the end of the buffer.
    mutating func nextTag() throws -> Tag? {
        guard position < bytes.count else { return nil }
        let at = base + position
        let key = try varint()
        let field = key >> 3
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw error(at: at, "invalid wire type \(key & 7) for field \(field) (corrupt, or not OTLP protobuf)")
        }
        guard field > 0, field <= 536_870_911 else {
            throw error(at: at, "invalid field number \(field) (corrupt, or not OTLP protobuf)")
        }
        return Tag(field: UInt32(field), wireType: wireType, offset: at)
    }

    /// The bytes of a length-delimited field whose tag was just read.
    ///
    /// - Parameter allowCutShort: when the file ended inside the field, return what is there (a cursor marked
    ///   ``isCutShort``) instead of throwing; for the containers whose complete children are still worth reading.
    mutating func lengthDelimited(_ tag: Tag, name: String, allowCutShort: Bool = false) throws -> ProtobufCursor {
        guard tag.wireType == .lengthDelimited else {
            throw error(at: tag.offset, "\(name) (field \(tag.field)) has wire type \(tag.wireType.rawValue), not 2 (corrupt)")
        }
        let length = try varint()
        let left = bytes.count - position
        if length > UInt64(left) {
            if allowCutShort && isCutShort {
                let sub = ProtobufCursor(UnsafeRawBufferPointer(rebasing: bytes[position...]), base: base + position,
                                         isCutShort: true)
                position = bytes.count
                return sub
            }
            throw overrun(at: tag.offset, "\(name) (field \(tag.field)) declares \(length) bytes where \(left) are left")
        }
        let n = Int(length)
        let sub = ProtobufCursor(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)]), base: base + position)
        position += n
        return sub
    }

    mutating func fixed64() throws -> UInt64 { try littleEndian("fixed64") }

    mutating func fixed32() throws -> UInt32 { try littleEndian("fixed32") }

    /// A little-endian fixed-width value (`fixed32`, `fixed64`).
    private mutating func littleEndian<T: FixedWidthInteger & UnsignedInteger>(_ name: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - position >= size else { throw overrun(at: offset, "a \(name) needs \(size) bytes") }
        var v: T = 0
        for i in 0..<size { v |= T(bytes[position + i]) << (8 * i) }
        position += size
        return v
    }

    /// Skips the value of a field this decoder does not read (forward compatible: newer fields are stepped over).
    mutating func skip(_ tag: Tag) throws {
        switch tag.wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited(tag, name: "field \(tag.field)")
        case .startGroup, .endGroup:
            throw error(at: tag.offset, "group wire type \(tag.wireType.rawValue) for field \(tag.field) (not used by OTLP; corrupt?)")
        }
    }

    /// A varint field's value, checking the wire type.
    mutating func varintField(_ tag: Tag, name: String) throws -> UInt64 {
        guard tag.wireType == .varint else {
            throw error(at: tag.offset, "\(name) (field \(tag.field)) has wire type \(tag.wireType.rawValue), not 0 (corrupt)")
        }
        return try varint()
    }

    /// A fixed64 field's value, checking the wire type.
    mutating func fixed64Field(_ tag: Tag, name: String) throws -> UInt64 {
        guard tag.wireType == .fixed64 else {
            throw error(at: tag.offset, "\(name) (field \(tag.field)) has wire type \(tag.wireType.rawValue), not 1 (corrupt)")
        }
        return try fixed64()
    }

    /// The whole buffer as UTF-8 text (invalid sequences repaired).
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The whole buffer as lowercase hex.
    var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = digits[Int(b >> 4)]
                out[2 * i + 1] = digits[Int(b & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The whole buffer as padded standard base64 (what protobuf JSON writes for `bytes`).
    var base64: String {
        let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.count ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
