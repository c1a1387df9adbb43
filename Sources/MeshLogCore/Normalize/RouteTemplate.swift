/// Turns a request path into a route template: `/courses/123/lessons/3f2a…` → `/courses/{id}/lessons/{id}`.
///
/// Segments that are all digits, UUIDs, or hex strings of 16 or more characters become `{id}`;
/// the query string and fragment are dropped.
public enum RouteTemplate {
    /// The template of `path` as UTF-8 bytes appended to `out`.
    public static func template(_ path: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength(path.count)) { buffer in
            let (count, _) = template(path, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The most bytes the template of a path of `count` bytes can take (`/1/2` → `/{id}/{id}`).
    @inline(__always)
    public static func maxLength(_ count: Int) -> Int { 4 * count + 1 }

    /// Writes the template of `path` to `out` (room for `maxLength(path.count)` bytes).
    /// - Returns: its length, and whether it differs from `path`.
    @inline(__always)
    public static func template(_ path: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> (count: Int, changed: Bool) {
        var o = 0, i = 0
        var changed = false
        let n = path.count
        if let base = path.baseAddress {
            while i < n {
                let c = base[i]
                if c == UInt8(ascii: "?") || c == UInt8(ascii: "#") { changed = true; break }
                if c == UInt8(ascii: "/") {
                    out[o] = c
                    o += 1
                    i += 1
                    continue
                }
                var j = i
                while j < n {
                    let d = base[j]
                    if d == UInt8(ascii: "/") || d == UInt8(ascii: "?") || d == UInt8(ascii: "#") { break }
                    j += 1
                }
                if isIdentifier(path, i, j) {
                    out[o] = 123; out[o + 1] = 105; out[o + 2] = 100; out[o + 3] = 125  // {id}
                    o += 4
                    changed = true
                } else {
                    (out + o).update(from: base + i, count: j - i)
                    o += j - i
                }
                i = j
            }
        }
        if o == 0 {
            out[0] = UInt8(ascii: "/")
            return (1, true)
        }
        return (o, changed)
    }

    /// The template of `path`.
    public static func template(_ path: String) -> String {
        var out: [UInt8] = []
        var p = path
        p.withUTF8 { template($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
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
