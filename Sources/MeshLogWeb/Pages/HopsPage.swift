import MeshLogAnalysis
import MeshLogStore

/// `/hops`: `meshlog hops` in the browser: per edge, errors and exact client, server, overhead and upstream percentiles.
enum HopsPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let session = try store.session(request)
        let table = try HopsReport(session: session).table()
        var body = try TimelineStrip(target: "/hops", request: request, store: store).render()
        body += PageLayout.windowForm(request, action: "/hops")
        body += "<p class=\"dim\">Milliseconds. Client is the caller's sidecar, server the callee's, overhead client − server, upstream the app's own time. "
            + (session.reader.usedSummaries ? "From the per-minute summaries: counts and percentiles exact; " + HTML.link(WebURL.link("/hops", PageLayout.windowQuery(request) + [("exact", "1")]), "read every line") + "." : "") + "</p>\n"
        body += HTMLTable(table, link: { column, row in
            guard column == "service" || column == "source" else { return nil }
            return WebURL.link("/edge", [("source", row[0].string), ("service", row[1].string), ("subset", row[2].string)]
                               + PageLayout.windowQuery(request).filter { $0.0 != "service" })
        }, rowClass: { row in (row[4].int64 ?? 0) > 0 ? "bad" : nil }).render(id: "hops")
        return .html(PageLayout(title: "Hops", section: "/hops", request: request).render(body))
    }
}
