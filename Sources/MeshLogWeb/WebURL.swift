/// Percent-encoding for links built from log values, and query-string parsing.
public enum WebURL {
    /// Bytes left as they are in a query value or path segment (RFC 3986 unreserved).
    private static func unreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    /// Percent-encodes everything but the unreserved characters (safe in a path segment or a query value).
    public static func encode(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            if unreserved(b) { out.append(b) } else { out += [0x25, hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` (and `+` as a space in a query); malformed escapes stay as they are.
    public static func decode(_ s: String, plusIsSpace: Bool = true) -> String {
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        func digit(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x25, i + 2 < bytes.count, let h = digit(bytes[i + 1]), let l = digit(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(c == 0x2B && plusIsSpace ? 0x20 : c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `a=1&b=x%20y` as pairs.
    public static func parseQuery(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { item in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(String(kv[0])), kv.count > 1 ? decode(String(kv[1])) : "")
        }
    }

    /// `path?name=value&…` with each value encoded; pairs with a nil or empty value are left out.
    public static func link(_ path: String, _ query: [(String, String?)]) -> String {
        let items = query.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(name)=\(encode(value))"
        }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }
}
