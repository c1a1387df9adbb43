import MeshLogAnalysis
import MeshLogStore

/// `/edge?source=&service=&subset=`: one edge of the graph: its hop figures, its codes and flags in plain
/// words, and its failing requests, each opening its waterfall.
enum EdgePage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        guard let source = request.value("source") else { throw WebError.badRequest("an edge needs source= (the caller workload), as /graph links it") }
        let service = request.value("service")
        let subset = request.value("subset")
        let title = "\(source) → \(service ?? "(unknown)")" + (subset.map { " \($0)" } ?? "")
        var scoped = request
        scoped.query = request.query.filter { $0.name != "service" } + (service.map { [("service", $0)] } ?? [])
        let session = try store.session(scoped)
        func isEdge(_ row: [SQLValue]) -> Bool {
            row.count > 2 && row[0].string == source && row[1].string == service && row[2].string == subset
        }
        var body = try TimelineStrip(target: "/edge", request: request, store: store).render()
        let hops = try HopsReport(session: session).table()
        body += "<h2>Hops</h2>\n<p class=\"dim\">Client is the caller's sidecar, server the callee's; overhead is client − server (sidecars, mTLS, network); upstream is the app's own time. Milliseconds, exact percentiles.</p>\n"
        let edgeRows = hops.rows.filter(isEdge)
        if edgeRows.isEmpty { body += "<p class=\"empty\">No call over this edge in the window.</p>\n" }
        body += HTMLTable(ResultTable(columns: hops.columns, rows: edgeRows)).render(id: "hops")
        let status = try StatusReport(session: session, by: [.edge, .code, .flag], side: .hop).table()
        body += "<h2>Codes and flags</h2>\n"
        body += HTMLTable(ResultTable(columns: status.columns, rows: status.rows.filter(isEdge)), rowClass: { row in
            (row.count > 3 && ((row[3].int64 ?? 0) >= 500 || row[3] == .null)) ? "bad" : nil
        }).render(id: "codes")
        var filter = TraceFilter()
        // Requests the caller's service and the callee both take part in (the caller's service by its workload).
        let callerService = try session.reader.workloadServices(filter: session.filter)[source]
        filter.services = Array(Set([service, callerService].compactMap { $0 })).sorted()
        filter.status = "5xx"
        filter.limit = 50
        if let w = session.window { filter.sinceUs = w.start; filter.untilUs = w.end }
        let (reader, _) = try store.traceReader()
        let rows = try TraceSearch(reader: reader).run(filter)
        body += "<h2>Failing requests through \(HTML.escape([callerService, service].compactMap { $0 }.joined(separator: " and ")))</h2>\n"
        body += SearchPage.results(rows, request: request)
        return .html(PageLayout(title: title, section: "/graph", request: request).render(body))
    }
}
