import MeshLogAnalysis
import MeshLogStore

/// `/report?day=` (or `since`/`until`): the daily report, as `meshlog report --html` writes it.
enum ReportPage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let probe = try store.session(request, whole: true)
        guard let span = probe.span else { throw WebError.notFound("The store holds no access-log line; ingest some logs first (the report reads access logs).") }
        let window: (start: Int64, end: Int64)
        if let day = request.value("day") {
            guard let start = TimeExpression.parseRFC3339(day + "T00:00:00Z") else { throw WebError.badRequest("day must be YYYY-MM-DD (got \(day))") }
            window = (start, start + DailyReport.dayMicros)
        } else if request.value("since") != nil || request.value("until") != nil {
            let w = try store.session(request).window ?? (span.first, span.last + 1)
            window = w
        } else {
            window = DailyReport.defaultWindow(span: span)
        }
        guard window.end > window.start else { throw WebError.badRequest("the window is empty") }
        let baseline = (start: window.start - (window.end - window.start), end: window.start)
        let report = try DailyReport(location: store.location, window: window, baseline: baseline,
                                     includeInjected: request.value("include_injected") == "1")
        var body = "<form method=\"get\" action=\"/report\"><label>day <input name=\"day\" value=\"\(HTML.escape(request.value("day") ?? ""))\" placeholder=\"YYYY-MM-DD\" size=\"11\"></label><button>Show</button>"
            + " <span class=\"dim\">(or since/until as elsewhere; the baseline is the window just before)</span></form>\n"
        body += "<div class=\"report\">" + ReportRenderer.htmlBody(report) + "</div>\n"
        var layout = PageLayout(title: "Daily report", section: "/report", request: request)
        layout.styles = ["/static/report.css"]
        return .html(layout.render(body))
    }
}
