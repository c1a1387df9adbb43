import MeshLogAnalysis
import MeshLogStore

/// A ``ResultTable`` as an HTML table: the cells as the terminal shows them, each with its exact value in
/// `data-v` (as `--json` prints it), numbers right-aligned, and links where the page asks for them.
public struct HTMLTable {
    public var table: ResultTable
    /// The `href` for a cell, by column name and row, or nil for plain text.
    public var link: (String, [SQLValue]) -> String?
    /// A CSS class for a row (e.g. `bad` for failing ones).
    public var rowClass: ([SQLValue]) -> String?
    /// An extra first column (a header and trusted HTML per row, e.g. a checkbox), or nil.
    public var leading: (header: String, cell: ([SQLValue]) -> String)?

    public init(_ table: ResultTable, link: @escaping (String, [SQLValue]) -> String? = { _, _ in nil },
                rowClass: @escaping ([SQLValue]) -> String? = { _ in nil }) {
        self.table = table
        self.link = link
        self.rowClass = rowClass
    }

    /// The HTML, with `id` on the table when given.
    public func render(id: String? = nil) -> String {
        guard !table.rows.isEmpty else { return "<p class=\"empty\">No rows.</p>\n" }
        var numeric = Set<Int>()
        for (i, _) in table.columns.enumerated() {
            let values = table.rows.map { $0.count > i ? $0[i] : .null }
            if values.contains(where: { if case .text = $0 { return true }; return false }) == false,
               values.contains(where: { $0 != .null }) { numeric.insert(i) }
        }
        var out = "<table class=\"data\"\(id.map { " id=\"\(HTML.escape($0))\"" } ?? "")><thead><tr>"
        if let leading { out += "<th>\(HTML.escape(leading.header))</th>" }
        for (i, c) in table.columns.enumerated() {
            out += "<th\(numeric.contains(i) ? " class=\"n\"" : "")>\(HTML.escape(c))</th>"
        }
        out += "</tr></thead><tbody>\n"
        for row in table.rows {
            let cls = rowClass(row)
            out += cls.map { "<tr class=\"\(HTML.escape($0))\">" } ?? "<tr>"
            if let leading { out += "<td>\(leading.cell(row))</td>" }
            for (i, column) in table.columns.enumerated() {
                let v = i < row.count ? row[i] : .null
                let shown = HTML.escape(ResultTable.display(v))
                let exact = HTML.escape(ResultTable.jsonValue(v))
                let cell = link(column, row).map { "<a href=\"\(HTML.escape($0))\">\(shown)</a>" } ?? shown
                out += "<td\(numeric.contains(i) ? " class=\"n\"" : "") data-c=\"\(HTML.escape(column))\" data-v=\"\(exact)\">\(cell)</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }
}
