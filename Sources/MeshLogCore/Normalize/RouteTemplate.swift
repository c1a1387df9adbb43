/// Turns a request path into a route template: `/courses/123/lessons/3f2a…` → `/courses/{id}/lessons/{id}`.
///
/// Segments that are all digits, UUIDs, or hex strings of 16 or more characters become `{id}`;
/// the query string and fragment are dropped.
public enum RouteTemplate {
    /// The template of `path` as UTF-8 bytes appended to `out`.
    public static func template(_ path: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = path.count
        while i < n {
            let c = path[i]
            if c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { break }
            if c == UInt8(ascii: "/") {
                out.append(c)
                i += 1
                continue
            }
            var j = i
            while j < n, path[j] != UInt8(ascii: "/"), path[j] != UInt8(ascii: "?"), path[j] != UInt8(ascii: "#") { j += 1 }
            if isIdentifier(path, i, j) {
                out.append(contentsOf: [123, 105, 100, 125])  // {id}
            } else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: path[i..<j]))
            }
            i = j
        }
        if out.isEmpty { out.append(UInt8(ascii: "/")) }
    }

    /// The template of `path`.
    public static func template(_ path: String) -> String {
        var out: [UInt8] = []
        var p = path
        p.withUTF8 { template($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    static func isIdentifier(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        let len = e - s
        guard len > 0 else { return false }
        var digits = 0, hex = 0, dashes = 0
        for k in s..<e {
            let c = b[k]
            if c >= 48 && c <= 57 { digits += 1; hex += 1 }
            else if (c >= 97 && c <= 102) || (c >= 65 && c <= 70) { hex += 1 }
            else if c == 45 { dashes += 1 }
            else { return false }
        }
        if digits == len { return true }
        if dashes == 4, len == 36, hex == 32 { return true }
        if dashes == 0, hex == len, len >= 16, digits > 0 { return true }
        return false
    }
}
