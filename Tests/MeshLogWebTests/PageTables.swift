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

    /// The waterfall's rows (``WaterfallData``) expanded as the page's script expands them: one object per node
    /// in pre-order, with the names and values of `meshlog trace --json` (children left out).
    static func waterfallRows(_ page: String) -> [NSDictionary]? {
        guard let start = page.range(of: "<script type=\"application/json\" id=\"trace-data\">") else { return nil }
        let json = page[start.upperBound...].prefix { $0 != "<" }
        guard let data = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let strings = data["strings"] as? [String], let rows = data["nodes"] as? [[Any]], let t0 = data["start_us"] as? Int64
        else { return nil }
        var out: [NSMutableDictionary] = []
        for r in rows {
            func int(_ i: Int) -> Int { (r[i] as? NSNumber)?.intValue ?? -1 }
            let n = NSMutableDictionary()
            n["kind"] = strings[int(1)]
            n["service"] = strings[int(2)]
            if int(3) >= 0 { n["caller"] = strings[int(3)] }
            n["operation"] = strings[int(4)]
            n["start_us"] = t0 + Int64(int(5))
            n["offset_us"] = int(5)
            n["duration_us"] = int(6)
            n["status"] = strings[int(7)]
            n["error"] = int(8) == 1
            n["flags"] = strings[int(9)]
            n["critical"] = int(10) == 1
            if let extra = r[11] as? [String: Any] {
                for (k, v) in extra {
                    if k == "pp" { n["parent_id"] = out[int(0)]["span_id"] } else { n[k] = v }
                }
            }
            out.append(n)
        }
        return out
    }

    /// `meshlog trace --json`'s nodes in pre-order, children left out.
    static func treeRows(_ json: String) -> [NSDictionary] {
        guard let tree = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [] }
        var out: [NSDictionary] = []
        func walk(_ nodes: [[String: Any]]) {
            for n in nodes {
                var copy = n
                copy["children"] = nil
                out.append(copy as NSDictionary)
                walk(n["children"] as? [[String: Any]] ?? [])
            }
        }
        walk(tree["roots"] as? [[String: Any]] ?? [])
        return out
    }
}
