import MeshLogAnalysis

/// Escaping for every value a page shows: log content is attacker-controlled.
public enum HTML {
    /// Escapes `& < > " '` so a value is inert as text and inside a quoted attribute.
    public static func escape(_ s: String) -> String {
        replacing(s) { ch in
            switch ch {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": "&#39;"
            case "\u{0}": "\u{FFFD}"
            default: nil
            }
        }
    }

    /// A JSON string literal safe inside a `<script type="application/json">` block (see ``scriptSafe(_:)``).
    public static func jsonString(_ s: String) -> String {
        scriptSafe(ResultTable.jsonString(s))
    }

    /// JSON made safe inside `<script type="application/json">`: `<`, `>` and `&` (only ever inside strings in
    /// JSON) and U+2028/2029 become `\u` escapes, so no log value can close the block.
    public static func scriptSafe(_ json: String) -> String {
        replacing(json) { ch in
            switch ch {
            case "<": "\\u003c"
            case ">": "\\u003e"
            case "&": "\\u0026"
            case "\u{2028}": "\\u2028"
            case "\u{2029}": "\\u2029"
            default: nil
            }
        }
    }

    /// `s` with each scalar `replacement` names replaced.
    private static func replacing(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            if let r = replacement(ch) { out += r } else { out.unicodeScalars.append(ch) }
        }
        return out
    }

    /// `<a href="…">text</a>` with both escaped.
    public static func link(_ href: String, _ text: String, cls: String? = nil) -> String {
        "<a href=\"\(escape(href))\"\(cls.map { " class=\"\(escape($0))\"" } ?? "")>\(escape(text))</a>"
    }
}
