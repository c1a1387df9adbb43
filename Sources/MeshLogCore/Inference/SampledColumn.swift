/// One column of sampled access-log lines: the literal text around it and its value in each line.
///
/// Lines are split at single spaces into bare words, `[bracketed]` values and `"quoted"` values
/// (a quote ends where a `"` not escaped by a backslash is followed by a space or the line's end);
/// a quoted request line `"METHOD PATH PROTOCOL"` becomes three columns.
public struct SampledColumn: Sendable, Equatable {
    /// How the value is delimited in the line.
    public enum Quoting: String, Sendable {
        case bare, quoted, bracketed
    }

    /// Literal text before the value (the separating space and an opening quote or bracket).
    public var lead: String
    /// Literal text after the value (a closing quote or bracket).
    public var trail: String
    /// How the value is delimited.
    public var quoting: Quoting
    /// The value in each sampled line, in line order.
    public var values: [String]

    /// The values that are not Envoy's `-` placeholder.
    var present: [String] { values.filter { $0 != "-" && !$0.isEmpty } }

    /// The columns of `lines` when most lines share one layout, and how many lines have it.
    ///
    /// Lines with another layout are left out of the columns (they are counted when the inferred
    /// format is tried on every line).
    static func columns(of lines: [[UInt8]]) -> (columns: [SampledColumn], lines: Int) {
        var layouts: [[String]: [[Cell]]] = [:]
        var order: [[String]] = []
        for line in lines {
            let cells = Cell.split(line)
            guard !cells.isEmpty else { continue }
            let key = cells.map { $0.open + "|" + $0.close }
            if layouts[key] == nil { order.append(key) }
            layouts[key, default: []].append(cells)
        }
        guard let key = order.max(by: { layouts[$0]!.count < layouts[$1]!.count }), let rows = layouts[key] else { return ([], 0) }
        var columns: [SampledColumn] = []
        for index in rows[0].indices {
            let first = rows[0][index]
            let lead = (index == 0 ? "" : " ") + first.open
            let quoting: Quoting = first.open == "\"" ? .quoted : first.open == "[" ? .bracketed : .bare
            let values = rows.map { $0[index].text }
            if quoting == .quoted, let split = requestLine(values) {
                columns.append(SampledColumn(lead: lead, trail: "", quoting: .quoted, values: split.map(\.0)))
                columns.append(SampledColumn(lead: " ", trail: "", quoting: .bare, values: split.map(\.1)))
                columns.append(SampledColumn(lead: " ", trail: first.close, quoting: .bare, values: split.map(\.2)))
            } else {
                columns.append(SampledColumn(lead: lead, trail: first.close, quoting: quoting, values: values))
            }
        }
        return (columns, rows.count)
    }

    /// The three words of a quoted request line in every value, or nil when the values are not request lines.
    private static func requestLine(_ values: [String]) -> [(String, String, String)]? {
        var split: [(String, String, String)] = []
        var methods = 0
        for value in values {
            let words = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words.count == 3, words[0] == "-" || ValueShapes.isMethod(words[0]),
                  words[2] == "-" || ValueShapes.isProtocol(words[2]) else { return nil }
            if words[0] != "-" { methods += 1 }
            split.append((words[0], words[1], words[2]))
        }
        return methods > 0 ? split : nil
    }

    /// One delimited value of a line.
    struct Cell {
        /// The opening delimiter: `"`, `[` or nothing.
        var open: String
        /// The closing delimiter.
        var close: String
        /// The value between them.
        var text: String

        /// The line's values, or an empty list when it does not split cleanly.
        static func split(_ line: [UInt8]) -> [Cell] {
            var bytes = line
            if bytes.last == 13 { bytes.removeLast() }
            var cells: [Cell] = []
            var i = 0
            let n = bytes.count
            let space = UInt8(ascii: " "), quote = UInt8(ascii: "\""), open = UInt8(ascii: "["), close = UInt8(ascii: "]")
            while i < n {
                if !cells.isEmpty {
                    guard bytes[i] == space, i + 1 < n else { return [] }
                    i += 1
                }
                var j = i
                switch bytes[i] {
                case quote:
                    j = i + 1
                    while j < n {
                        if bytes[j] == UInt8(ascii: "\\") { j += 2; continue }
                        if bytes[j] == quote, j + 1 == n || bytes[j + 1] == space { break }
                        j += 1
                    }
                    guard j < n else { return [] }
                    cells.append(Cell(open: "\"", close: "\"", text: String(decoding: bytes[(i + 1)..<j], as: UTF8.self)))
                    i = j + 1
                case open:
                    while j < n, bytes[j] != close { j += 1 }
                    guard j < n else { return [] }
                    cells.append(Cell(open: "[", close: "]", text: String(decoding: bytes[(i + 1)..<j], as: UTF8.self)))
                    i = j + 1
                default:
                    while j < n, bytes[j] != space { j += 1 }
                    cells.append(Cell(open: "", close: "", text: String(decoding: bytes[i..<j], as: UTF8.self)))
                    i = j
                }
            }
            return cells
        }
    }
}
