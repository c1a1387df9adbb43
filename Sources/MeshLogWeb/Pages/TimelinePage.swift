import MeshLogAnalysis
import MeshLogStore

/// `/timeline?bucket=`: `meshlog timeline` in the browser: requests, errors and exact p99 per bucket.
enum TimelinePage {
    static func respond(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        let bucket = try request.value("bucket").map { raw -> Int64 in
            guard raw != "auto" else { return 0 }
            guard let us = TimeExpression.parseSpan(raw), us > 0 else { throw WebError.badRequest("bucket must be a span such as 1m or 5m (got \(raw))") }
            return us
        }
        let side = try TrafficSideParameter.parse(request)
        let session = try store.session(request)
        let report = try TimelineReport(session: session, bucketMicros: bucket == 0 ? nil : bucket, side: side)
        var body = try TimelineStrip(target: "/timeline", request: request, store: store).render()
        body += PageLayout.windowForm(request, action: "/timeline", extra: request.value("bucket").map { [("bucket", $0)] } ?? [])
        body += "<p class=\"dim\">Bucket " + ["auto", "10s", "1m", "5m", "15m", "1h"].map { b in
            HTML.link(WebURL.link("/timeline", [("bucket", b)] + PageLayout.windowQuery(request)), b)
        }.joined(separator: " · ") + " (now \(HTML.escape(TraceFormat.duration(report.bucketMicros)))).</p>\n"
        body += HTMLTable(report.table(), link: { column, row in
            guard column == "bucket", let start = row[1].int64 else { return nil }
            return WebURL.link("/status", [("by", "edge,code"), ("since", AnswerFormat.timestamp(start, fraction: false)),
                                           ("until", AnswerFormat.timestamp(start + report.bucketMicros, fraction: false))]
                               + request.values("service").map { ("service", $0) })
        }, rowClass: { row in (row[3].int64 ?? 0) > 0 ? "bad" : nil }).render(id: "timeline")
        return .html(PageLayout(title: "Timeline", section: "/timeline", request: request).render(body))
    }
}
