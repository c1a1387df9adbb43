import MeshLogAnalysis
import MeshLogStore

/// `/status?by=`: `meshlog status` in the browser: requests, share and error rate per group, codes and flags in plain words.
enum StatusPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let by = request.values("by")
        let groupings: [StatusGrouping]
        switch StatusGrouping.parse(by) {
        case .success(let g): groupings = g.isEmpty ? [.service] : g
        case .failure(let e): throw WebError.badRequest(e.description)
        }
        // As the CLI: how a call arrived is on the callee's inbound line.
        let side = try TrafficSideParameter.parse(request, default: StatusGrouping.defaultSide(groupings))
        let session = try store.session(request)
        let table = try StatusReport(session: session, by: groupings, side: side).table()
        var body = try TimelineStrip(target: "/status", request: request, store: store).render()
        body += PageLayout.windowForm(request, action: "/status", extra: [("by", groupings.map(\.rawValue).joined(separator: ","))])
        body += "<p class=\"dim\">Group by: " + StatusGrouping.allCases.map { g in
            HTML.link(WebURL.link("/status", [("by", g.rawValue)] + PageLayout.windowQuery(request)), g.rawValue)
        }.joined(separator: " · ") + " · " + HTML.link(WebURL.link("/status", [("by", "code,flag")] + PageLayout.windowQuery(request)), "code,flag")
            + ". Errors are 5xx and no response.</p>\n"
        let errorColumn = table.columns.firstIndex(of: "errors")
        body += HTMLTable(table, link: { column, row in
            guard column == "service", let s = row[table.columns.firstIndex(of: "service")!].string else { return nil }
            return WebURL.link("/status", [("by", "edge,code")] + PageLayout.windowQuery(request).filter { $0.0 != "service" } + [("service", s)])
        }, rowClass: { row in
            errorColumn.flatMap { (row[$0].int64 ?? 0) > 0 ? "bad" : nil }
        }).render(id: "status")
        return .html(PageLayout(title: "Status by \(groupings.map(\.rawValue).joined(separator: ", "))", section: "/status", request: request).render(body))
    }
}

/// `side=inbound|outbound|both` on the status and timeline pages (default: each hop once, as the CLI).
enum TrafficSideParameter {
    static func parse(_ request: WebRequest, default fallback: TrafficSide = .hop) throws -> TrafficSide {
        guard let raw = request.value("side") else { return fallback }
        guard let side = TrafficSide(rawValue: raw) else {
            throw WebError.badRequest("side must be inbound, outbound or both (got \(raw))")
        }
        return side
    }
}
