import MeshLogAnalysis

/// Escaping for every value a page shows: log content is attacker-controlled.
public enum HTML {
    /// Escapes `& < > " '` so a value is inert as text and inside a quoted attribute (NUL becomes U+FFFD).
    public static func escape(_ s: String) -> String {
        replacing(s, markup, separators: false)
    }

    /// A JSON string literal safe inside a `<script type="application/json">` block (see ``scriptSafe(_:)``).
    public static func jsonString(_ s: String) -> String {
        scriptSafe(ResultTable.jsonString(s))
    }

    /// JSON made safe inside `<script type="application/json">`: `<`, `>` and `&` (only ever inside strings in
    /// JSON) and U+2028/2029 become `\u` escapes, so no log value can close the block.
    public static func scriptSafe(_ json: String) -> String {
        replacing(json, script, separators: true)
    }

    /// What ``escape(_:)`` replaces, by ASCII code.
    private static let markup = table(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;", "\u{0}": "\u{FFFD}"])
    /// What ``scriptSafe(_:)`` replaces, by ASCII code.
    private static let script = table(["<": "\\u003c", ">": "\\u003e", "&": "\\u0026"])

    /// A 128-entry lookup from ASCII characters to their replacements' bytes.
    private static func table(_ replacements: [Unicode.Scalar: String]) -> [[UInt8]?] {
        var out = [[UInt8]?](repeating: nil, count: 128)
        for (ch, r) in replacements { out[Int(ch.value)] = Array(r.utf8) }
        return out
    }

    /// `s` with the ASCII characters `ascii` names replaced, and U+2028/2029 as `\u2028`/`\u2029` when
    /// `separators`: one pass over the UTF-8 bytes copying unchanged runs whole (a page can carry 30 MB of JSON).
    private static func replacing(_ s: String, _ ascii: [[UInt8]?], separators: Bool) -> String {
        var s = s
        return s.withUTF8 { bytes -> String? in
            var out: [UInt8] = []
            var copied = 0, i = 0
            while i < bytes.count {
                let b = bytes[i]
                var replacement: [UInt8]?
                var length = 1
                if b < 128 {
                    replacement = ascii[Int(b)]
                } else if separators, b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                    replacement = Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                    length = 3
                }
                guard let replacement else { i += 1; continue }
                if out.isEmpty { out.reserveCapacity(bytes.count + bytes.count / 8) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<i]))
                out.append(contentsOf: replacement)
                i += length
                copied = i
            }
            guard copied > 0 else { return nil }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: out, as: UTF8.self)
        } ?? s
    }

    /// `<a href="…">text</a>` with both escaped.
    public static func link(_ href: String, _ text: String, cls: String? = nil) -> String {
        "<a href=\"\(escape(href))\"\(cls.map { " class=\"\(escape($0))\"" } ?? "")>\(escape(text))</a>"
    }
}
