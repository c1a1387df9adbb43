import Foundation

/// Parses one-object-per-line JSON access logs (Envoy `json_format`, Istio's JSON encoding).
///
/// Values may be typed (`"duration": 12`) or all strings as in old Istio (`"duration": "12"`);
/// `-`, `null` and `""` all mean missing. Keys map to typed columns through `keyMap`; every other
/// key goes to `extra`, under its own name but for the caller's identity (``PeerIdentity/jsonKeys``),
/// which goes under ``PeerIdentity/extraKey`` whatever the configuration called it. Nested objects and arrays are kept as raw JSON text.
public final class JSONAccessLogParser: AccessLogLineParser, @unchecked Sendable {
    public private(set) var extraNames: [String] = []
    /// Key → typed column.
    public let keyMap: [String: AccessLogField]
    /// Keys that must be present for a line to count as an access log (any one of them).
    private let requiredAny: [AccessLogField]
    private var table: [UInt64: (key: [UInt8], slot: Int)] = [:]
    private var extraIndex: [UInt64: (key: [UInt8], index: Int)] = [:]
    private let maxExtraKeys = 256

    /// Keys stored in `extra` under another name (a `json_format` key holding `%DOWNSTREAM_PEER_URI_SAN%`).
    private let extraAliases: [String: String]

    /// Creates a parser for JSON lines whose keys map to columns through `keyMap`; `extraAliases`
    /// renames keys that go to `extra`.
    public init(keyMap: [String: AccessLogField], requiredAny: [AccessLogField] = [.status, .method, .duration],
                extraAliases: [String: String] = [:]) {
        self.keyMap = keyMap
        self.requiredAny = requiredAny
        self.extraAliases = extraAliases
        for (key, field) in keyMap {
            let bytes = Array(key.utf8)
            table[Self.hash(bytes)] = (bytes, field.rawValue)
        }
    }

    /// A parser for the lines of an Envoy `json_format` definition (`{"code": "%RESPONSE_CODE%", "caller":
    /// "%DOWNSTREAM_PEER_URI_SAN%", …}`), whatever its keys are called and in whatever order Envoy writes
    /// them: a key whose value is one operator with a column maps to that column, a key holding
    /// `%DOWNSTREAM_PEER_URI_SAN%` goes to `extra` as ``PeerIdentity/extraKey``, any other to `extra` by its
    /// name. Nil when `definition` is not a JSON object or none of its operators has a column.
    public convenience init?(definition: String) {
        let text = definition.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        var keyMap: [String: AccessLogField] = [:]
        var aliases: [String: String] = [:]
        for (key, value) in object {
            guard let value = value as? String, let tokens = try? EnvoyFormatTokenizer.tokenize(value), tokens.count == 1,
                  case .command(let command) = tokens[0] else { continue }
            if let field = command.field {
                keyMap[key] = field
            } else if command.spelling == PeerIdentity.extraKey {
                aliases[key] = PeerIdentity.extraKey
            }
        }
        guard !keyMap.isEmpty else { return nil }
        let required = [AccessLogField.status, .method, .duration].filter { keyMap.values.contains($0) }
        self.init(keyMap: keyMap, requiredAny: required.isEmpty ? Array(Set(keyMap.values)) : required, extraAliases: aliases)
    }

    /// Result of looking at a line: an access log, a JSON line that is not one, or not JSON.
    public enum Outcome: Sendable { case record, notAccessLog, malformed }

    public func parse(_ line: UnsafeBufferPointer<UInt8>, into record: AccessLogRecord) -> Bool {
        classify(line, into: record) == .record
    }

    /// Parses and tells apart JSON lines that are not access logs (Envoy's own JSON status lines).
    public func classify(_ line: UnsafeBufferPointer<UInt8>, into record: AccessLogRecord) -> Outcome {
        record.reset(line: line)
        let n = line.count
        var i = 0
        @inline(__always) func skipSpace() { while i < n, line[i] == 32 || line[i] == 9 || line[i] == 13 { i += 1 } }
        skipSpace()
        guard i < n, line[i] == UInt8(ascii: "{") else { return .malformed }
        i += 1
        skipSpace()
        if i < n, line[i] == UInt8(ascii: "}") { return .notAccessLog }
        while true {
            skipSpace()
            guard i < n, line[i] == 34 else { return .malformed }
            let keyStart = i + 1
            guard let keyEnd = Self.stringEnd(line, keyStart) else { return .malformed }
            i = keyEnd + 1
            skipSpace()
            guard i < n, line[i] == UInt8(ascii: ":") else { return .malformed }
            i += 1
            skipSpace()
            guard i < n else { return .malformed }
            var vs = i, ve = i
            var missing = false
            let c = line[i]
            if c == 34 {
                guard let e = Self.stringEnd(line, i + 1) else { return .malformed }
                vs = i + 1
                ve = e
                i = e + 1
                if ve == vs || (ve == vs + 1 && line[vs] == UInt8(ascii: "-")) { missing = true }
                // Unescape into the record's tail when needed.
                var hasEscape = false
                for k in vs..<ve where line[k] == UInt8(ascii: "\\") { hasEscape = true; break }
                if hasEscape && !missing {
                    let (s, e) = Self.unescape(line, vs, ve, into: record)
                    vs = s
                    ve = e
                }
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                guard let e = Self.skipNested(line, i) else { return .malformed }
                vs = i
                ve = e
                i = e
            } else {
                while i < n, line[i] != UInt8(ascii: ","), line[i] != UInt8(ascii: "}"), line[i] != 32 { i += 1 }
                ve = i
                if ve - vs == 4, line[vs] == UInt8(ascii: "n") { missing = true }
                guard ve > vs else { return .malformed }
            }
            if !missing {
                let key = UnsafeBufferPointer(rebasing: line[keyStart..<keyEnd])
                let h = Self.hash(key)
                if let entry = table[h], entry.key.elementsEqual(key) {
                    if record.starts[entry.slot] < 0 {
                        record.starts[entry.slot] = Int32(vs)
                        record.ends[entry.slot] = Int32(ve)
                    }
                } else if let entry = extraIndex[h], entry.key.elementsEqual(key) {
                    record.extras.append((entry.index, Int32(vs), Int32(ve)))
                } else if extraIndex.count < maxExtraKeys {
                    let k = Array(key)
                    let name = String(decoding: k, as: UTF8.self)
                    extraNames.append(extraAliases[name] ?? (PeerIdentity.jsonKeys.contains(name) ? PeerIdentity.extraKey : name))
                    extraIndex[h] = (k, extraNames.count - 1)
                    record.extras.append((extraNames.count - 1, Int32(vs), Int32(ve)))
                }
            }
            skipSpace()
            guard i < n else { return .malformed }
            if line[i] == UInt8(ascii: ",") { i += 1; continue }
            if line[i] == UInt8(ascii: "}") { i += 1; break }
            return .malformed
        }
        skipSpace()
        guard i == n else { return .malformed }
        guard requiredAny.contains(where: { record.starts[$0.rawValue] >= 0 }) else { return .notAccessLog }
        let ts = Int(record.starts[AccessLogField.startTime.rawValue])
        if ts >= 0 {
            let micros = StartTimePattern.parseRFC3339(record.buffer, ts, Int(record.ends[AccessLogField.startTime.rawValue]))
            guard let micros else { return .malformed }
            record.startMicros = micros
        }
        return .record
    }

    @inline(__always)
    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Reads `"key":` at `i` (blanks around it skipped), leaving `i` on the value's first byte;
    /// nil when the object does not go on with a key there.
    @inline(__always)
    static func objectKey(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Range<Int>? {
        let n = line.count
        func skip() { while i < n, line[i] == 32 || line[i] == 9 || line[i] == 13 { i += 1 } }
        skip()
        guard i < n, line[i] == 34, let keyEnd = stringEnd(line, i + 1) else { return nil }
        let key = (i + 1)..<keyEnd
        i = keyEnd + 1
        skip()
        guard i < n, line[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skip()
        return i < n ? key : nil
    }

    /// Index of the closing quote of a JSON string whose content starts at `i`.
    @inline(__always)
    static func stringEnd(_ line: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var i = start
        while i < line.count {
            let c = line[i]
            if c == 34 { return i }
            if c == 92 { i += 2 } else { i += 1 }
        }
        return nil
    }

    /// End (exclusive) of a nested object or array starting at `start`.
    static func skipNested(_ line: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < line.count {
            let c = line[i]
            if c == 34 {
                guard let e = stringEnd(line, i + 1) else { return nil }
                i = e + 1
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// Decodes JSON string escapes of `line[s..<e]`, appending the result to `out`.
    static func unescape(_ line: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into out: AccessLogRecord) -> (Int, Int) {
        let start = out.count
        unescape(line, s, e) { out.append($0) }
        return (start, out.count)
    }

    /// Decodes JSON string escapes of `line[s..<e]`, handing each decoded byte to `append`.
    static func unescape(_ line: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, append: (UInt8) -> Void) {
        var i = s
        while i < e {
            let c = line[i]
            guard c == 92, i + 1 < e else { append(c); i += 1; continue }
            let x = line[i + 1]
            i += 2
            switch x {
            case UInt8(ascii: "n"): append(10)
            case UInt8(ascii: "t"): append(9)
            case UInt8(ascii: "r"): append(13)
            case UInt8(ascii: "b"): append(8)
            case UInt8(ascii: "f"): append(12)
            case UInt8(ascii: "u"):
                var code: UInt32 = 0
                var k = 0
                while k < 4, i < e, let d = hexValue(line[i]) { code = code << 4 | d; i += 1; k += 1 }
                if code >= 0xD800, code < 0xDC00, i + 5 < e, line[i] == 92, line[i + 1] == UInt8(ascii: "u") {
                    var low: UInt32 = 0
                    var j = i + 2, m = 0
                    while m < 4, let d = hexValue(line[j]) { low = low << 4 | d; j += 1; m += 1 }
                    if m == 4, low >= 0xDC00, low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i = j
                    }
                }
                for b in String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8 { append(b) }
            default: append(x)
            }
        }
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: UInt32(c - 48)
        case 65...70: UInt32(c - 55)
        case 97...102: UInt32(c - 87)
        default: nil
        }
    }
}
