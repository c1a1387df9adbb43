/// Escaping for every value a page shows: log content is attacker-controlled.
public enum HTML {
    /// Escapes `& < > " '` so a value is inert as text and inside a quoted attribute.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A JSON string literal safe inside a `<script type="application/json">` block: `<`, `>`, `&`,
    /// U+2028 and U+2029 become `\uXXXX`, so `</script>` in a log value cannot end the block.
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if ch.value < 0x20 {
                    let hex = String(ch.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    /// `<a href="…">text</a>` with both escaped.
    public static func link(_ href: String, _ text: String, cls: String? = nil) -> String {
        "<a href=\"\(escape(href))\"\(cls.map { " class=\"\(escape($0))\"" } ?? "")>\(escape(text))</a>"
    }
}
