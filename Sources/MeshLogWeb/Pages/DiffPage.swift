import MeshLogAnalysis
import MeshLogStore

/// `/diff?a=&b=` (or two `id=`): two requests side by side, rows matched by service and operation.
enum DiffPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let ids = [request.value("a"), request.value("b")].compactMap { $0 } + request.values("id")
        guard ids.count == 2 else {
            throw WebError.badRequest("a diff needs two requests: /diff?a=ID&b=ID (tick two rows on the Requests page)")
        }
        let (reader, _) = try store.traceReader()
        let loader = TraceLoader(reader: reader)
        var trees: [TraceTree] = []
        for id in ids {
            guard let tree = try loader.load(id.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw WebError.notFound("No span or access-log line has trace id or x-request-id '\(id)'.")
            }
            trees.append(tree)
        }
        let diff = TraceDiff(trees[0], trees[1])
        let c = diff.counts
        var body = "<p class=\"sub\">A " + HTML.link("/trace/" + WebURL.encode(ids[0]), ids[0]) + " (\(HTML.escape(TraceFormat.duration(diff.totalA))))"
            + " · B " + HTML.link("/trace/" + WebURL.encode(ids[1]), ids[1]) + " (\(HTML.escape(TraceFormat.duration(diff.totalB))))</p>\n"
        body += "<p class=\"dim\">\(c.matched) rows in both, \(c.onlyA) only in A, \(c.onlyB) only in B, \(c.statusChanged) with another status.</p>\n"
        body += "<table class=\"data\" id=\"diff\"><thead><tr><th></th><th>row</th><th class=\"n\">A</th><th class=\"n\">B</th><th class=\"n\">change</th><th>status A</th><th>status B</th></tr></thead><tbody>\n"
        for r in diff.preOrder {
            let row = diff.rows[r]
            let changed = diff.statusChanged(r)
            let cls = row.presence == .both ? (changed ? " class=\"bad\"" : "") : " class=\"\(row.presence == .onlyA ? "only-a" : "only-b")\""
            let delta = diff.delta(r).map { ($0 >= 0 ? "+" : "") + TraceFormat.duration($0) } ?? ""
            let pct = diff.deltaPct(r).map { String(format: " (%+.0f%%)", $0) } ?? ""
            body += "<tr\(cls) data-presence=\"\(row.presence.rawValue)\"><td>\(HTML.escape(row.presence.mark))</td>"
                + "<td class=\"indent\" data-depth=\"\(row.depth)\">\(String(repeating: "&nbsp;&nbsp;", count: row.depth))\(HTML.escape(row.label))</td>"
                + "<td class=\"n\">\(HTML.escape(diff.durationA(r).map(TraceFormat.duration) ?? ""))</td>"
                + "<td class=\"n\">\(HTML.escape(diff.durationB(r).map(TraceFormat.duration) ?? ""))</td>"
                + "<td class=\"n\">\(HTML.escape(delta + pct))</td>"
                + "<td>\(HTML.escape(diff.statusA(r) ?? ""))</td><td>\(HTML.escape(diff.statusB(r) ?? ""))</td></tr>\n"
        }
        body += "</tbody></table>\n"
        return .html(PageLayout(title: "Diff", section: "/traces", request: request).render(body))
    }
}
