import MeshLogAnalysis
import MeshLogStore

/// `/graph`: the service graph, edges coloured by error rate and labelled with rate, error % and p99; each
/// edge opens its hops, codes, flags and failing requests (``EdgePage``).
enum GraphPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let failingAbove = try request.value("failing_above").map { v -> Double in
            guard let d = Double(v), d >= 0 else { throw WebError.badRequest("failing_above must be a percentage such as 1 (got \(v))") }
            return d
        } ?? 1
        let session = try store.session(request)
        let graph = try ServiceGraph(session: session, failingAbove: failingAbove)
        var body = try TimelineStrip(target: "/graph", request: request, store: store).render()
        body += PageLayout.windowForm(request, action: "/graph")
        if graph.edges.isEmpty {
            body += "<p class=\"empty\">No calls in this window.</p>\n"
        } else {
            body += "<p class=\"legend\"><span><i class=\"sw\"></i>under 0.1 % errors</span><span><i class=\"sw warn\"></i>some errors</span>"
                + "<span><i class=\"sw bad\"></i>failing (over \(HTML.escape(AnswerFormat.ms(failingAbove))) %)</span>"
                + "<span class=\"dim\">Click an edge for its hops, codes and failing requests.</span></p>\n"
            body += svg(graph, request: request)
            body += "<h2>Edges</h2>\n"
            body += HTMLTable(graph.table(), link: { column, row in
                guard column == "to", row.count > 4 else { return nil }
                return WebURL.link("/edge", [("source", row[2].string), ("service", row[3].string), ("subset", row[4].string)]
                                   + PageLayout.windowQuery(request).filter { $0.0 != "service" })
            }, rowClass: { row in
                (row.last.flatMap { $0.int64 } ?? 0) != 0 ? "bad" : nil
            }).render(id: "edges")
        }
        return .html(PageLayout(title: "Service graph", section: "/graph", request: request).render(body))
    }

    /// The link an edge opens.
    static func edgeLink(_ e: ServiceGraph.Edge, request: WebRequest) -> String {
        WebURL.link("/edge", [("source", e.row.source), ("service", e.row.service ?? ""), ("subset", e.row.subset)]
                    + PageLayout.windowQuery(request).filter { $0.0 != "service" })
    }

    /// Columns by distance from the callers nothing calls; edges as curves from the right of one box to the left of the next.
    static func svg(_ g: ServiceGraph, request: WebRequest) -> String {
        let columns = g.columns()
        let colWidth = 330.0, rowHeight = 70.0, boxW = 150.0, boxH = 30.0, margin = 20.0
        let tallest = Double(columns.values.map(\.count).max() ?? 1)
        var position: [String: (x: Double, y: Double)] = [:]
        for (c, nodes) in columns {
            let offset = (tallest - Double(nodes.count)) * rowHeight / 2
            for (i, n) in nodes.sorted(by: { $0.label < $1.label }).enumerated() {
                position[n.id] = (margin + Double(c) * colWidth, margin + offset + Double(i) * rowHeight)
            }
        }
        let width = 2 * margin + Double(columns.keys.max() ?? 0) * colWidth + boxW
        let height = 2 * margin + tallest * rowHeight
        var svg = "<svg class=\"graph\" id=\"graph\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"service graph\">\n"
        svg += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
            + "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#7f8a9c\"/></marker></defs>\n"
        for e in g.edges {
            guard let a = position[e.from], let b = position[e.to] else { continue }
            let cls = e.failing ? "edge bad" : e.errorPercent >= 0.1 ? "edge warn" : "edge"
            let x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2
            let path: String
            let lx: Double, ly: Double
            if x2 > x1 {
                let c = (x2 - x1) / 2
                path = String(format: "M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x1, y1, x1 + c, y1, x2 - c, y2, x2, y2)
                // The label sits at 65 % along the curve, where edges fanning out of one box have parted.
                let t = 0.65, u = 1 - t
                lx = u * u * u * x1 + 3 * u * u * t * (x1 + c) + 3 * u * t * t * (x2 - c) + t * t * t * x2
                ly = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2 - 5
            } else {
                // A call back to an earlier column or within one: loop below the boxes.
                let sx = a.x + boxW / 2, sy = a.y + boxH, ex = b.x + boxW / 2, ey = b.y + boxH
                path = String(format: "M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", sx, sy, sx, sy + 40, ex, ey + 40, ex, ey)
                lx = (sx + ex) / 2; ly = max(sy, ey) + 30
            }
            let label = g.label(e)
            let p99 = e.row.p99.map { "p99 \(AnswerFormat.ms(AnswerFormat.round($0, 1))) ms" } ?? "p99 -"
            let short = "\(ServiceGraph.rate(e.rate, requests: e.row.requests)) · \(p99)"
            let errors = e.row.errors > 0 ? "\(AnswerFormat.ms(AnswerFormat.round(e.errorPercent, 2)))% err" : ""
            svg += "<a href=\"\(HTML.escape(edgeLink(e, request: request)))\" class=\"\(cls)\" data-source=\"\(HTML.escape(e.row.source))\" "
                + "data-service=\"\(HTML.escape(e.row.service ?? ""))\" data-subset=\"\(HTML.escape(e.row.subset ?? ""))\" "
                + "data-error-pct=\"\(AnswerFormat.round(e.errorPercent, 4))\" data-requests=\"\(e.row.requests)\">"
                + "<title>\(HTML.escape(e.row.source)) → \(HTML.escape(g.nodes.first { $0.id == e.to }?.label ?? "")): \(HTML.escape(label))</title>"
                + "<path d=\"\(path)\" marker-end=\"url(#arrow)\"/>"
                + String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", lx, ly) + HTML.escape(short)
                + (errors.isEmpty ? "" : String(format: "<tspan x=\"%.1f\" dy=\"12\">", lx) + HTML.escape(errors) + "</tspan>") + "</text></a>\n"
        }
        for n in g.nodes {
            guard let p = position[n.id] else { continue }
            let link = n.service.map { WebURL.link("/status", [("by", "edge,code")] + PageLayout.windowQuery(request).filter { $0.0 != "service" } + [("service", $0)]) }
            svg += "<g class=\"node\">" + (link.map { "<a href=\"\(HTML.escape($0))\">" } ?? "")
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"5\"/>", p.x, p.y, boxW, boxH)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\">", p.x + 8, p.y + 19) + HTML.escape(String(n.label.prefix(24))) + "</text>"
            svg += (link == nil ? "" : "</a>") + "<title>\(HTML.escape(n.label))</title></g>\n"
        }
        return svg + "</svg>\n"
    }
}
