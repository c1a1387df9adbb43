import MeshLogAnalysis
import MeshLogStore

/// `/traces`: request search with `meshlog traces`' filters (service, status, flag, min_duration, since, until, limit).
enum SearchPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        var filter = TraceFilter()
        filter.services = request.values("service")
        filter.status = request.value("status")
        filter.flag = request.value("flag")
        if let status = filter.status, TraceFilter.statusRange(status) == nil {
            throw WebError.badRequest("status must be 5xx, 4xx or a code such as 503 (got \(status))")
        }
        if let raw = request.value("min_duration") {
            guard let us = TimeExpression.parseSpan(raw) else { throw WebError.badRequest("min_duration must be a span such as 500ms or 2s (got \(raw))") }
            filter.minDurationUs = us
        }
        if let raw = request.value("limit") {
            guard let n = Int(raw), n > 0, n <= 10_000 else { throw WebError.badRequest("limit must be between 1 and 10000 (got \(raw))") }
            filter.limit = n
        } else {
            filter.limit = 50
        }
        let (reader, _) = try store.traceReader()
        if request.value("since") != nil || request.value("until") != nil {
            do {
                let window = try TimeWindow(since: request.value("since"), until: request.value("until"), newest: try reader.newestStart())
                filter.sinceUs = window.sinceMicros
                filter.untilUs = window.untilMicros
            } catch let error as WebError { throw error } catch { throw WebError.badRequest(String(describing: error)) }
        }
        let rows = try TraceSearch(reader: reader).run(filter)
        var body = "<form method=\"get\" action=\"/traces\" id=\"search\">"
        for (name, label, hint) in [("service", "service", "payment"), ("status", "status", "5xx"), ("flag", "flag", "UF"),
                                    ("min_duration", "min duration", "500ms"), ("since", "since", "1h"), ("until", "until", ""),
                                    ("limit", "limit", "50")] {
            let value = name == "service" ? request.values("service").joined(separator: ",") : request.value(name) ?? ""
            body += "<label>\(label) <input name=\"\(name)\" value=\"\(HTML.escape(value))\" placeholder=\"\(HTML.escape(hint))\" size=\"10\"></label>"
        }
        body += "<button>Search</button></form>\n"
        body += "<p class=\"dim\">Requests from the access logs (by x-request-id), then traces known only from spans; every filter must hold. "
            + "Tick two rows to compare them.</p>\n"
        body += results(rows, request: request)
        return .html(PageLayout(title: "Requests", section: "/traces", request: request).render(body))
    }

    /// The rows as a table whose ids open the waterfall, with a form to diff two of them.
    static func results(_ rows: [TraceSummary], request: WebRequest) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">No request matches.</p>\n" }
        var table = HTMLTable(TraceSearch.table(rows), link: { column, row in
            column == "id" ? row[0].string.map { "/trace/" + WebURL.encode($0) } : nil
        }, rowClass: { row in (row.last?.string ?? "").isEmpty ? nil : "bad" })
        table.leading = ("diff", { row in "<input type=\"checkbox\" name=\"id\" value=\"\(HTML.escape(row[0].string ?? ""))\">" })
        return "<form method=\"get\" action=\"/diff\" class=\"pick\">" + table.render(id: "requests")
            + "<button>Diff the two ticked</button></form>\n"
    }
}
