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
        body += "<p class=\"legend\"><span><i class=\"sw a\"></i>A</span><span><i class=\"sw b\"></i>B</span>"
            + "<span class=\"dim\">bars on one time axis: each side from its own start, scaled to the longer side</span></p>\n"
        body += "<table class=\"data\" id=\"diff\"><thead><tr><th></th><th>row</th><th class=\"n\">A</th><th class=\"n\">B</th><th class=\"bars\">A / B</th>"
            + "<th class=\"n\">change</th><th>status A</th><th>status B</th></tr></thead><tbody>\n"
        let axis = Axis(diff)
        for r in diff.preOrder {
            let row = diff.rows[r]
            let changed = diff.statusChanged(r)
            let cls = row.presence == .both ? (changed ? " class=\"bad\"" : "") : " class=\"\(row.presence == .onlyA ? "only-a" : "only-b")\""
            let delta = diff.delta(r).map { ($0 >= 0 ? "+" : "") + TraceFormat.duration($0) } ?? ""
            let pct = diff.deltaPct(r).map { String(format: " (%+.0f%%)", $0) } ?? ""
            let statusClass = changed ? " class=\"changed\"" : ""
            body += "<tr\(cls) data-presence=\"\(row.presence.rawValue)\" data-changed=\"\(changed)\"><td>\(HTML.escape(row.presence.mark))</td>"
                + "<td class=\"indent\" data-depth=\"\(row.depth)\">\(String(repeating: "&nbsp;&nbsp;", count: row.depth))\(HTML.escape(row.label))</td>"
                + "<td class=\"n\" data-v=\"\(diff.durationA(r).map(String.init) ?? "")\">\(HTML.escape(diff.durationA(r).map(TraceFormat.duration) ?? ""))</td>"
                + "<td class=\"n\" data-v=\"\(diff.durationB(r).map(String.init) ?? "")\">\(HTML.escape(diff.durationB(r).map(TraceFormat.duration) ?? ""))</td>"
                + "<td class=\"bars\">\(axis.bars(diff, r))</td>"
                + "<td class=\"n\">\(HTML.escape(delta + pct))</td>"
                + "<td\(statusClass)>\(HTML.escape(diff.statusA(r) ?? ""))</td><td\(statusClass)>\(HTML.escape(diff.statusB(r) ?? ""))</td></tr>\n"
        }
        body += "</tbody></table>\n"
        return .html(PageLayout(title: "Diff", section: "/traces", request: request).render(body))
    }

    /// The bars' common time axis: each side from its own start, scaled to the longer side (computed once: a
    /// tree's start is a pass over its nodes).
    struct Axis {
        /// The first start of A and of B (µs).
        let startA: Int64, startB: Int64
        /// The longer side's length (µs), the axis' full width.
        let scale: Double

        /// The axis of `diff`.
        init(_ diff: TraceDiff) {
            startA = diff.a.startUs
            startB = diff.b.startUs
            scale = Double(max(1, diff.totalA, diff.totalB))
        }

        /// Row `r`'s A and B as two bars (an SVG: its geometry is attributes, which the CSP allows where it forbids
        /// `style=`), each from the row's offset in its own request.
        func bars(_ diff: TraceDiff, _ r: Int) -> String {
            func bar(_ side: String, _ tree: TraceTree, _ node: Int?, start: Int64, y: Int) -> String {
                guard let node else { return "" }
                let n = tree.nodes[node]
                let x = Double(n.startUs - start) / scale * 1000, w = max(2, Double(n.durationUs) / scale * 1000)
                let err = n.isError ? " err" : ""
                return "<rect class=\"\(side)\(err)\" x=\"\(String(format: "%.1f", x))\" y=\"\(y)\" width=\"\(String(format: "%.1f", w))\" height=\"6\"/>"
            }
            let row = diff.rows[r]
            return "<svg class=\"dbar\" viewBox=\"0 0 1000 16\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
                + bar("a", diff.a, row.a, start: startA, y: 1) + bar("b", diff.b, row.b, start: startB, y: 9) + "</svg>"
        }
    }
}
