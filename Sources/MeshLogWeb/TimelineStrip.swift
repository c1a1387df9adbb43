import MeshLogAnalysis
import MeshLogStore

/// The strip of requests and errors over the whole store at the top of the window pages: each bar opens its
/// bucket as the window, dragging across bars opens the span dragged (``AppScript``), the current window is darker.
struct TimelineStrip {
    /// The page the strip's links open (its other parameters kept).
    var target: String
    var request: WebRequest
    var store: WebStore

    static let width = 1000.0, height = 74.0, left = 8.0, right = 992.0, top = 6.0, bottom = 58.0

    func render() throws -> String {
        let whole = try store.session(request, whole: true)
        guard let span = whole.window else { return "<p class=\"empty\">The store holds no access-log line: the answers read access logs; Requests and the waterfalls read spans too.</p>\n" }
        let current = try store.session(request).window ?? span
        let bucket = TimelineReport.autoBucket(span: max(1, span.end - span.start - 1), target: 120)
        let timeline = try TimelineReport(session: whole, bucketMicros: bucket, side: .hop)
        let buckets = timeline.buckets
        guard let first = buckets.first else { return "" }
        let start = first.startMicros, end = buckets.last!.startMicros + bucket
        let maxRequests = max(1, buckets.map(\.requests).max() ?? 1)
        let plotW = Self.right - Self.left, barW = plotW / Double(buckets.count)
        let keep = request.query.filter { $0.name != "since" && $0.name != "until" }.map { ($0.name, Optional($0.value)) }
        let base = WebURL.link(target, keep)
        var svg = "<svg class=\"brush\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" data-start=\"\(start)\" data-end=\"\(end)\" "
            + "data-left=\"\(Self.left)\" data-right=\"\(Self.right)\" data-href=\"\(HTML.escape(base))\" role=\"img\" aria-label=\"requests over time; drag to choose a window\">\n"
        for (i, b) in buckets.enumerated() {
            let x = Self.left + Double(i) * barW
            let h = (Self.bottom - Self.top) * Double(b.requests) / Double(maxRequests)
            let eh = (Self.bottom - Self.top) * Double(b.errors) / Double(maxRequests)
            let inside = b.startMicros < current.end && b.startMicros + bucket > current.start
            let link = WebURL.link(target, keep + [("since", AnswerFormat.timestamp(b.startMicros, fraction: false)),
                                                    ("until", AnswerFormat.timestamp(b.startMicros + bucket, fraction: false))])
            let title = "\(AnswerFormat.timestamp(b.startMicros, fraction: false)): \(b.requests) requests, \(b.errors) errors"
            svg += "<a href=\"\(HTML.escape(link))\"\(inside ? " class=\"in\"" : "")><title>\(HTML.escape(title))</title>"
            svg += String(format: "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", x, Self.bottom - h, max(0.6, barW - 0.6), max(0, h))
            if b.errors > 0 {
                svg += String(format: "<rect class=\"bar err\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", x, Self.bottom - eh, max(0.6, barW - 0.6), max(0.8, eh))
            }
            svg += "</a>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(Self.left)\" y1=\"\(Self.bottom)\" x2=\"\(Self.right)\" y2=\"\(Self.bottom)\"/>"
        svg += "<text class=\"tick\" x=\"\(Self.left)\" y=\"70\">\(HTML.escape(AnswerFormat.timestamp(start, fraction: false)))</text>"
        svg += "<text class=\"tick\" x=\"\(Self.right)\" y=\"70\" text-anchor=\"end\">\(HTML.escape(AnswerFormat.timestamp(end, fraction: false)))</text>"
        svg += "<rect class=\"selection\" x=\"0\" y=\"\(Self.top)\" width=\"0\" height=\"\(Self.bottom - Self.top)\" display=\"none\"/>\n</svg>\n"
        let shown = "Window \(AnswerFormat.timestamp(current.start, fraction: false)) – \(AnswerFormat.timestamp(current.end, fraction: false))"
        return svg + "<p class=\"dim\">\(HTML.escape(shown)) · \(HTML.escape(TraceFormat.duration(bucket)))-wide bars; click a bar or drag across bars to choose the window.</p>\n"
    }
}
