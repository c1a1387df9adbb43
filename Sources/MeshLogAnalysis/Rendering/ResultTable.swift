import Foundation
import MeshLogStore
import MeshLogTerminal

/// A rectangular result (column names and rows of SQL values) with renderers for terminals and scripts.
public struct ResultTable: Sendable {
    /// How a column is aligned in the terminal table.
    public enum Alignment: Sendable { case left, right }

    public var columns: [String]
    public var rows: [[SQLValue]]
    /// Per-column alignment; numbers align right by default.
    public var alignments: [Alignment]?

    public init(columns: [String], rows: [[SQLValue]], alignments: [Alignment]? = nil) {
        self.columns = columns
        self.rows = rows
        self.alignments = alignments
    }

    /// Formats a cell for humans: integers with thousands separators off (ids stay copyable), reals rounded.
    public static func display(_ v: SQLValue) -> String {
        switch v {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
            return abs(d) >= 100 ? String(format: "%.1f", d) : String(format: "%.2f", d)
        case .text(let s): return s
        case .blob(let b): return "x'" + b.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    /// A cell as terminal text: ``display(_:)`` with control characters escaped (``TerminalText``).
    static func terminalCell(_ v: SQLValue) -> String {
        if case .text(let s) = v { return TerminalText.escaped(s) }
        return display(v)
    }

    /// An aligned plain-text table with a header rule. Control characters in names and values are shown
    /// escaped (`\x1b`), and the widths are those of the escaped text.
    public func renderText() -> String {
        let cells = rows.map { $0.map(Self.terminalCell) }
        let columns = columns.map { TerminalText.escaped($0) }
        var widths = columns.map(\.count)
        for row in cells { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        let align: [Alignment] = alignments ?? columns.indices.map { i in
            let numeric = rows.contains { if case .integer = $0[i] { true } else if case .real = $0[i] { true } else { false } }
            let text = rows.contains { if case .text = $0[i] { true } else { false } }
            return numeric && !text ? .right : .left
        }
        func line(_ values: [String]) -> String {
            var out = ""
            for (i, v) in values.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[i] - v.count))
                let cell = align[i] == .right ? pad + v : (i == values.count - 1 ? v : v + pad)
                out += (i == 0 ? "" : "  ") + cell
            }
            return out
        }
        var out = line(columns) + "\n"
        out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        for row in cells { out += line(row) + "\n" }
        return out
    }

    /// A JSON array of objects, one per row, with numbers as numbers and NULL as null.
    public func renderJSON() -> String {
        var out = "["
        for (r, row) in rows.enumerated() {
            out += r == 0 ? "\n  {" : ",\n  {"
            for (i, v) in row.enumerated() {
                out += (i == 0 ? "" : ", ") + Self.jsonString(columns[i]) + ": " + Self.jsonValue(v)
            }
            out += "}"
        }
        out += rows.isEmpty ? "]\n" : "\n]\n"
        return out
    }

    /// RFC 4180 CSV with a header row. A machine format, like JSON: the values are the stored strings, control
    /// characters included (not escaped); a field that holds any control character, a comma or a quote is quoted,
    /// so that every reader splits the rows and fields as written.
    public func renderCSV() -> String {
        var out = columns.map(Self.csvField).joined(separator: ",") + "\r\n"
        for row in rows {
            out += row.map { v -> String in
                switch v {
                case .null: ""
                case .real(let d): Self.csvField(String(d))
                default: Self.csvField(Self.display(v))
                }
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A GitHub-flavoured Markdown table; control characters are shown escaped, as in ``renderText()``.
    public func renderMarkdown() -> String {
        var out = "| " + columns.map { TerminalText.escaped($0) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { _ in " --- |" }.joined() + "\n"
        for row in rows {
            out += "| " + row.map { Self.terminalCell($0).replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        if s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 < 0x20 || $0 == 0x7F }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// A JSON value for a SQL value.
    public static func jsonValue(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? String(d) : "null"
        case .text(let s): return jsonString(s)
        case .blob(let b): return jsonString(b.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// A JSON string literal. U+0000–U+001F are escaped as JSON requires; DEL, the C1 controls and the bidi
    /// overrides too (`\u009b`), so that the JSON is safe to print on a terminal and still parses to the exact string.
    public static func jsonString(_ s: String) -> String {
        var out = ""
        appendJSONString(s, to: &out)
        return out
    }

    /// Appends ``jsonString(_:)`` of `s` to `out`, without a temporary string (large JSON is built this way).
    public static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        // Most values (names, routes, ids) are printable ASCII without quote or backslash: nothing to escape.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
        }
        if plain == true {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if TerminalText.needsEscape(u, keepingNewlines: false) {
                    TerminalText.appendJSONEscape(u, to: &out)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
