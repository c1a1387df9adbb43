#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte-level pull tokenizer for JSON that reads its input in chunks, so a file of any size is read in memory
/// bounded by the largest single token.
///
/// Bytes come from a `read(into:)`-style closure that fills the buffer it is given and returns the number of bytes
/// written (0 at end of input). ``next()`` returns one token at a time and checks the grammar (commas, colons,
/// nesting). Several top-level values may follow each other, which covers JSON Lines. Strings are unescaped
/// (including `\uXXXX` surrogate pairs; invalid UTF-8 becomes U+FFFD). Plain integers that fit in `Int64` come back
/// as ``Token/integer(_:)``; other numbers as their raw text, so no precision is lost either way.
///
/// Each token's position is available as ``tokenLine``/``tokenColumn`` (1-based; the column counts bytes).
/// Errors are ``SpanDecodeError/malformedJSON(line:column:reason:)`` pointing at the offending byte.
///
/// For example:
/// ```swift
/// let reader = JSONStreamReader(read: source)
/// while let token = try reader.next() { … }
/// ```
final class JSONStreamReader {
    /// One JSON token. Object keys are reported as ``key(_:)``, never as ``string(_:)``.
    enum Token: Equatable {
        case beginObject, endObject, beginArray, endArray
        case key(String)
        case string(String)
        /// A number without fraction or exponent that fits in an `Int64` (its text is `String(value)`).
        case integer(Int64)
        /// Any other number: its text exactly as written (validated against the JSON grammar).
        case number(String)
        case bool(Bool)
        case null

        /// "object", "string", … for messages about an unexpected token.
        var kindDescription: String {
            switch self {
            case .beginObject: return "object"
            case .beginArray: return "array"
            case .string: return "string"
            case .number, .integer: return "number"
            case .bool: return "boolean"
            case .null: return "null"
            case .key: return "key"
            case .endArray, .endObject: return "closing bracket"
            }
        }
    }

    private enum State {
        case topLevel, objectFirst, objectKey, arrayFirst, value, afterValue
    }

    /// Deepest nesting accepted; deeper input is reported as malformed instead of exhausting the stack.
    static let maximumDepth = 512

    private let readChunk: (UnsafeMutableRawBufferPointer) throws -> Int
    // The reader is used from one thread at a time and never hands out `inout` access to its state, so dynamic
    // exclusivity checks (a measurable share of tokenising time) are switched off for its hot properties.
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var pos = 0
    @exclusivity(unchecked) private var end = 0
    /// Absolute offset (from the start of input) of `buffer[0]`.
    @exclusivity(unchecked) private var baseOffset = 0
    @exclusivity(unchecked) private var eof = false
    @exclusivity(unchecked) private var started = false
    @exclusivity(unchecked) private var line = 1
    /// Absolute offset of the first byte of the current line.
    @exclusivity(unchecked) private var lineStart = 0
    @exclusivity(unchecked) private var stack: [UInt8] = []
    @exclusivity(unchecked) private var state: State = .topLevel
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    /// Recently built strings, by a hash of their bytes: span files repeat the same keys and many of the same
    /// values (service names, clusters, node ids), and reusing a string is cheaper than validating and allocating it.
    @exclusivity(unchecked) private var internTable = [String](repeating: "", count: JSONStreamReader.internSlots)
    private static let internSlots = 4096
    private static let internMaximumLength = 96

    /// Line (1-based) of the first byte of the token most recently returned by ``next()``.
    @exclusivity(unchecked) private(set) var tokenLine = 1
    /// Byte column (1-based) of the first byte of the token most recently returned by ``next()``.
    @exclusivity(unchecked) private(set) var tokenColumn = 1
    /// True once the source has reported end of input.
    var reachedEndOfInput: Bool { eof }
    /// The buffer's current size: the initial chunk size unless a single token needed more.
    var bufferCapacity: Int { buffer.count }
    /// Current nesting depth (0 between top-level values).
    var depth: Int { stack.count }

    /// Creates a reader over `read`, which must stay valid for the reader's lifetime.
    ///
    /// - Parameters:
    ///   - chunkSize: initial buffer size; it grows only to hold a token longer than the buffer.
    ///   - read: fills the given buffer and returns the byte count, 0 at end of input.
    init(chunkSize: Int = 256 * 1024, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.readChunk = read
        self.buffer = .allocate(byteCount: max(chunkSize, 16), alignment: 1)
    }

    deinit { buffer.deallocate() }

    // MARK: - Public pull API

    /// Returns the next token, or nil at end of input between top-level values.
    ///
    /// - Throws: ``SpanDecodeError/malformedJSON(line:column:reason:)`` on a grammar error or truncated input,
    ///   or whatever the read closure throws.
    func next() throws -> Token? {
        while true {
            let c = try peekNonSpace()
            markToken()
            switch state {
            case .topLevel:
                guard let c else { return nil }
                return try startValue(c)
            case .value:
                guard let c else { throw endOfInputError() }
                return try startValue(c)
            case .arrayFirst:
                guard let c else { throw endOfInputError() }
                if c == UInt8(ascii: "]") {
                    pos += 1
                    return close()
                }
                return try startValue(c)
            case .objectFirst:
                guard let c else { throw endOfInputError() }
                if c == UInt8(ascii: "}") {
                    pos += 1
                    return close()
                }
                return try readKey(c)
            case .objectKey:
                guard let c else { throw endOfInputError() }
                return try readKey(c)
            case .afterValue:
                guard let c else { throw endOfInputError() }
                let inObject = stack[stack.count - 1] == UInt8(ascii: "{")
                switch c {
                case UInt8(ascii: ","):
                    pos += 1
                    state = inObject ? .objectKey : .value
                    continue
                case UInt8(ascii: "}") where inObject, UInt8(ascii: "]") where !inObject:
                    pos += 1
                    return close()
                default:
                    throw error(at: pos, inObject
                        ? "expected ',' or '}' after an object member, found \(describe(c))"
                        : "expected ',' or ']' after an array element, found \(describe(c))")
                }
            }
        }
    }

    /// Reads the value that begins with `first` (a token just returned by ``next()``) into a ``JSONNode`` tree.
    ///
    /// - Throws: ``SpanDecodeError/malformedJSON(line:column:reason:)`` if `first` is a key or a closing token.
    func readNode(startingWith first: Token) throws -> JSONNode {
        switch first {
        case .string(let s): return .string(s)
        case .number(let n): return .number(n)
        case .integer(let v): return .integer(v)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .beginArray:
            var items: [JSONNode] = []
            while let t = try next() {
                if case .endArray = t { return .array(items) }
                items.append(try readNode(startingWith: t))
            }
            throw endOfInputError()
        case .beginObject:
            var members: [JSONNode.Member] = []
            members.reserveCapacity(12)
            while let t = try next() {
                switch t {
                case .endObject: return .object(members)
                case .key(let k):
                    guard let v = try next() else { throw endOfInputError() }
                    members.append(JSONNode.Member(k, try readNode(startingWith: v)))
                default: throw error(at: pos, "expected an object key")
                }
            }
            throw endOfInputError()
        case .key, .endArray, .endObject:
            throw error(at: pos, "expected a value")
        }
    }

    /// Reads the members of an object whose `{` was just returned, calling `check` with each key and the first
    /// token of its value before the value is read (so a caller can stop before materialising a large value).
    func readObject(checkingKeys check: (String, Token) throws -> Void) throws -> JSONNode {
        var members: [JSONNode.Member] = []
        while true {
            switch try nextRequired() {
            case .endObject:
                return .object(members)
            case .key(let k):
                let first = try nextRequired()
                try check(k, first)
                members.append(JSONNode.Member(k, try readNode(startingWith: first)))
            default:
                throw error(at: pos, "expected an object key")
            }
        }
    }

    /// Skips the value that begins with `first` without building a tree.
    func skipValue(startingWith first: Token) throws {
        var level = 0
        var t = first
        while true {
            switch t {
            case .beginArray, .beginObject: level += 1
            case .endArray, .endObject: level -= 1
            default: break
            }
            if level <= 0 { return }
            guard let n = try next() else { throw endOfInputError() }
            t = n
        }
    }

    /// Reads the next token, failing on end of input.
    func nextRequired() throws -> Token {
        guard let t = try next() else { throw endOfInputError() }
        return t
    }

    // MARK: - Buffering

    /// Makes more bytes available, keeping `buffer[pos..<end]` (moved to the front). Returns false at end of input.
    private func fill() throws -> Bool {
        if eof { return false }
        if pos > 0 {
            let keep = end - pos
            if keep > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + pos, keep) }
            baseOffset += pos
            end = keep
            pos = 0
        }
        if end == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        var got = false
        while true {
            let n = try readChunk(UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n <= 0 {
                eof = true
                return got
            }
            got = true
            end += min(n, buffer.count - end)
            if !started {
                if end >= 3 {
                    started = true
                    // Skip a UTF-8 byte-order mark.
                    if buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                        pos = 3
                        lineStart = 3
                    }
                } else if buffer[0] == 0xEF, end < buffer.count {
                    continue  // need three bytes to recognise a BOM
                } else {
                    started = true
                }
            }
            return true
        }
    }

    /// Skips whitespace (counting lines) and returns the next byte without consuming it; nil at end of input.
    @inline(__always)
    private func peekNonSpace() throws -> UInt8? {
        while true {
            if pos >= end {
                if try !fill() { return nil }
                continue
            }
            // Work on locals: stored-property accesses in a loop cost exclusivity checks.
            let base = buffer
            let stop = end
            var p = pos
            while p < stop {
                let b = base[p]
                switch b {
                case 0x20, 0x09, 0x0D:
                    p += 1
                case 0x0A:
                    p += 1
                    line += 1
                    lineStart = baseOffset + p
                default:
                    pos = p
                    return b
                }
            }
            pos = p
        }
    }

    @inline(__always)
    private func markToken() {
        tokenLine = line
        tokenColumn = baseOffset + pos - lineStart + 1
    }

    // MARK: - Token readers

    private func close() -> Token {
        let opener = stack.removeLast()
        state = stack.isEmpty ? .topLevel : .afterValue
        return opener == UInt8(ascii: "{") ? .endObject : .endArray
    }

    private func startValue(_ c: UInt8) throws -> Token {
        switch c {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard stack.count < Self.maximumDepth else {
                throw error(at: pos, "nesting deeper than \(Self.maximumDepth) levels")
            }
            pos += 1
            stack.append(c)
            if c == UInt8(ascii: "{") {
                state = .objectFirst
                return .beginObject
            }
            state = .arrayFirst
            return .beginArray
        case UInt8(ascii: "\""):
            let s = try readString()
            state = stack.isEmpty ? .topLevel : .afterValue
            return .string(s)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let n = try readNumber()
            state = stack.isEmpty ? .topLevel : .afterValue
            return n
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            state = stack.isEmpty ? .topLevel : .afterValue
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            state = stack.isEmpty ? .topLevel : .afterValue
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            state = stack.isEmpty ? .topLevel : .afterValue
            return .null
        default:
            throw error(at: pos, "unexpected \(describe(c)); expected a JSON value")
        }
    }

    private func readKey(_ c: UInt8) throws -> Token {
        guard c == UInt8(ascii: "\"") else {
            throw error(at: pos, "expected a string key, found \(describe(c))")
        }
        let k = try readString()
        guard let colon = try peekNonSpace() else { throw endOfInputError() }
        guard colon == UInt8(ascii: ":") else {
            throw error(at: pos, "expected ':' after object key \"\(k)\", found \(describe(colon))")
        }
        pos += 1
        state = .value
        return .key(k)
    }

    /// Reads a string whose opening quote is at `pos`; leaves `pos` after the closing quote.
    private func readString() throws -> String {
        var i = pos + 1
        var hasEscape = false
        scan: while true {
            let base = buffer
            let stop = end
            while i < stop {
                // Skip plain bytes 8 at a time, straight to the first quote, backslash or control character.
                if i + 8 <= stop {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let special = Self.specialBytes(word)
                    if special == 0 {
                        i += 8
                        continue
                    }
                    i += special.trailingZeroBitCount >> 3
                }
                let b = base[i]
                if b == UInt8(ascii: "\"") { break scan }
                if b == UInt8(ascii: "\\") {
                    hasEscape = true
                    i += 2
                    continue
                }
                if b < 0x20 {
                    throw error(at: i, "unescaped control character \(describe(b)) in string")
                }
                i += 1
            }
            let shift = pos
            guard try fill() else {
                throw error(at: end, "unterminated string")
            }
            i -= shift
        }
        let start = pos + 1
        let s: String
        if hasEscape {
            s = try unescape(from: start, to: i)
        } else {
            s = interned(from: start, to: i)
        }
        pos = i + 1
        return s
    }

    /// The string for `buffer[start..<stop]` (no escapes), reused from ``internTable`` when it was seen recently.
    @inline(__always)
    private func interned(from start: Int, to stop: Int) -> String {
        let count = stop - start
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<stop])
        guard count > 0, count <= Self.internMaximumLength else {
            return String(decoding: bytes, as: UTF8.self)
        }
        // Hash the length and up to three 8-byte windows (start, middle, end); collisions only cost a fresh string.
        var hash = UInt64(count) &* 0x9E37_79B9_7F4A_7C15
        if count >= 8 {
            hash = (hash ^ bytes.loadUnaligned(as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) &* 0x94D0_49BB_1331_11EB
            if count >= 24 {
                hash = (hash ^ bytes.loadUnaligned(fromByteOffset: count / 2 - 4, as: UInt64.self))
                    &* 0xBF58_476D_1CE4_E5B9
            }
        } else {
            var tail: UInt64 = 0
            for b in bytes { tail = tail << 8 | UInt64(b) }
            hash = (hash ^ tail) &* 0xBF58_476D_1CE4_E5B9
        }
        hash ^= hash >> 31
        let slot = Int(truncatingIfNeeded: hash >> 40) & (Self.internSlots - 1)
        var cached = internTable[slot]
        if cached.utf8.count == count {
            let same = cached.withUTF8 { memcmp($0.baseAddress!, bytes.baseAddress!, count) == 0 }
            if same { return cached }
        }
        let fresh = String(decoding: bytes, as: UTF8.self)
        internTable[slot] = fresh
        return fresh
    }

    /// A mask with the high bit set in each byte of `w` (little-endian) that is `"`, `\\` or below 0x20; 0 if none.
    ///
    /// SWAR "has byte" tests: the lowest flagged byte is always exact (borrows only flag bytes above a match).
    @inline(__always)
    private static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)
        let bs = w ^ (ones &* 0x5C)
        let hasQuote = (q &- ones) & ~q & highs
        let hasBackslash = (bs &- ones) & ~bs & highs
        let hasControl = (w &- ones &* 0x20) & ~w & highs
        return hasQuote | hasBackslash | hasControl
    }

    private func unescape(from start: Int, to stop: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while i < stop {
            let b = buffer[i]
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                i += 1
                continue
            }
            let e = buffer[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                guard let hi = hex4(at: i, stop: stop) else {
                    throw error(at: i - 2, "invalid \\u escape (expected 4 hex digits)")
                }
                i += 4
                var scalar: UInt32 = hi
                if (0xD800...0xDBFF).contains(hi) {
                    if i + 1 < stop, buffer[i] == UInt8(ascii: "\\"), buffer[i + 1] == UInt8(ascii: "u"),
                       let lo = hex4(at: i + 2, stop: stop), (0xDC00...0xDFFF).contains(lo)
                    {
                        scalar = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD  // unpaired high surrogate
                    }
                } else if (0xDC00...0xDFFF).contains(hi) {
                    scalar = 0xFFFD  // unpaired low surrogate
                }
                appendUTF8(scalar)
            default:
                throw error(at: i - 2, "invalid escape \\\(String(decoding: [e], as: UTF8.self)) in string")
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    private func hex4(at i: Int, stop: Int) -> UInt32? {
        guard i + 4 <= stop else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = buffer[k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    private func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Reads a number starting at `pos` and validates it against the JSON number grammar.
    ///
    /// Plain integers of up to 18 digits come back as ``Token/integer(_:)`` without building a string.
    private func readNumber() throws -> Token {
        var i = pos
        // Find the end of the number-like run first (refilling as needed), then validate.
        while true {
            if i >= end {
                let shift = pos
                guard try fill() else { break }
                i -= shift
                continue
            }
            switch buffer[i] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                i += 1
                continue
            default:
                break
            }
            break
        }
        let stop = i
        // Validate: -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
        var k = pos
        func isDigit(_ k: Int) -> Bool { k < stop && buffer[k] >= 0x30 && buffer[k] <= 0x39 }
        let negative = k < stop && buffer[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        let digitsStart = k
        if k < stop, buffer[k] == UInt8(ascii: "0") {
            k += 1
        } else if isDigit(k) {
            while isDigit(k) { k += 1 }
        } else {
            throw error(at: k, "invalid number: expected a digit")
        }
        if k == stop, k - digitsStart <= 18, !(negative && buffer[digitsStart] == UInt8(ascii: "0")) {
            var value: Int64 = 0
            for d in digitsStart..<stop { value = value * 10 + Int64(buffer[d] &- 0x30) }
            pos = stop
            return .integer(negative ? -value : value)
        }
        if k < stop, buffer[k] == UInt8(ascii: ".") {
            k += 1
            guard isDigit(k) else { throw error(at: k, "invalid number: expected a digit after '.'") }
            while isDigit(k) { k += 1 }
        }
        if k < stop, buffer[k] == UInt8(ascii: "e") || buffer[k] == UInt8(ascii: "E") {
            k += 1
            if k < stop, buffer[k] == UInt8(ascii: "+") || buffer[k] == UInt8(ascii: "-") { k += 1 }
            guard isDigit(k) else { throw error(at: k, "invalid number: expected a digit in the exponent") }
            while isDigit(k) { k += 1 }
        }
        guard k == stop else { throw error(at: k, "invalid number: unexpected \(describe(buffer[k]))") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[pos..<stop]), as: UTF8.self)
        pos = stop
        return .number(text)
    }

    private func expectLiteral(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        while end - pos < n {
            if try !fill() { break }
        }
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for k in 0..<n {
            guard pos + k < end else { throw endOfInputError() }
            if buffer[pos + k] != bytes[k] {
                throw error(at: pos + k, "invalid literal: expected '\(word)'")
            }
        }
        pos += n
    }

    // MARK: - Errors

    private func describe(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    /// An error at buffer index `i` (which must be on the current line).
    private func error(at i: Int, _ reason: String) -> SpanDecodeError {
        .malformedJSON(line: line, column: baseOffset + i - lineStart + 1, reason: reason)
    }

    private func endOfInputError() -> SpanDecodeError {
        let what = stack.last.map { $0 == UInt8(ascii: "{") ? "an object" : "an array" } ?? "a value"
        return error(at: end, "unexpected end of input inside \(what)")
    }
}
