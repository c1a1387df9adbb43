import Foundation

/// Reads the tables a page renders back into rows of exact values (each cell's `data-v`, the JSON the CLI prints).
enum PageTables {
    /// The rows of the table with `id`, each a column → value map (values decoded from JSON); nil when absent.
    static func rows(_ html: String, id: String) -> [[String: NSObject]]? {
        guard let start = html.range(of: "<table class=\"data\" id=\"\(id)\">") else { return nil }
        let rest = html[start.upperBound...]
        let body = rest[..<(rest.range(of: "</table>")?.lowerBound ?? rest.endIndex)]
        var out: [[String: NSObject]] = []
        for row in body.components(separatedBy: "</tr>") where row.contains("data-c=\"") {
            var cells: [String: NSObject] = [:]
            var scan = Substring(row)
            while let c = scan.range(of: "data-c=\"") {
                let afterC = scan[c.upperBound...]
                guard let endC = afterC.firstIndex(of: "\""), let v = afterC.range(of: "data-v=\"") else { break }
                let name = unescape(String(afterC[..<endC]))
                let afterV = afterC[v.upperBound...]
                guard let endV = afterV.firstIndex(of: "\"") else { break }
                let json = unescape(String(afterV[..<endV]))
                cells[name] = (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) as? NSObject ?? NSNull()
                scan = afterV[endV...]
            }
            out.append(cells)
        }
        return out
    }

    /// The rows of a CLI `--json` answer.
    static func json(_ text: String) -> [[String: NSObject]] {
        let parsed = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
        return parsed.map { $0.mapValues { ($0 as? NSObject) ?? NSNull() } }
    }

    /// Undoes ``HTML/escape(_:)``.
    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
