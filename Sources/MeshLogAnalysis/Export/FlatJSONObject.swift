/// Reads the flat `{"key":"value",…}` objects meshlog stores span attributes as (``TraceSpan/attributes``).
enum FlatJSONObject {
    /// The key/value pairs in order; values that are not strings are kept as their raw text; nothing for
    /// text that is not such an object.
    static func pairs(_ text: String) -> [(String, String)] {
        let b = Array(text.utf8)
        var i = 0
        var out: [(String, String)] = []
        func skipSpace() { while i < b.count, b[i] == 32 || b[i] == 10 || b[i] == 13 || b[i] == 9 { i += 1 } }
        func string() -> String? {
            guard i < b.count, b[i] == 34 else { return nil }
            i += 1
            var s: [UInt8] = []
            while i < b.count {
                let c = b[i]
                i += 1
                if c == 34 { return String(decoding: s, as: UTF8.self) }
                guard c == 92, i < b.count else { s.append(c); continue }
                let e = b[i]
                i += 1
                switch e {
                case 110: s.append(10)
                case 116: s.append(9)
                case 114: s.append(13)
                case 98: s.append(8)
                case 102: s.append(12)
                case 117:
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code), i + 1 < b.count, b[i] == 92, b[i + 1] == 117 {
                        i += 2
                        if let low = hex4(), (0xDC00..<0xE000).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                    }
                    s.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: s.append(e)
                }
            }
            return nil
        }
        func hex4() -> UInt32? {
            guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else { return nil }
            i += 4
            return v
        }
        skipSpace()
        guard i < b.count, b[i] == 123 else { return [] }
        i += 1
        while true {
            skipSpace()
            guard let key = string() else { return out }
            skipSpace()
            guard i < b.count, b[i] == 58 else { return out }
            i += 1
            skipSpace()
            if let value = string() {
                out.append((key, value))
            } else {
                let start = i
                while i < b.count, b[i] != 44, b[i] != 125 { i += 1 }
                out.append((key, String(decoding: b[start..<i], as: UTF8.self)))
            }
            skipSpace()
            guard i < b.count, b[i] == 44 else { return out }
            i += 1
        }
    }
}
