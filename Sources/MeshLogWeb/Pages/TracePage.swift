import MeshLogAnalysis
import MeshLogStore

/// `/trace/ID`: one request or trace as a waterfall: spans and access-log lines merged, retries as attempts,
/// the critical path marked (``WaterfallScript`` draws it from the tree's JSON).
enum TracePage {
    /// The largest tree the page also prints as text for browsers without scripts.
    static let noscriptLimit = 5_000

    static func respond(_ request: WebRequest, store: WebStore, id raw: String) throws -> WebResponse {
        let id = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty else { throw WebError.badRequest("give a trace id or an x-request-id: /trace/ID") }
        let (reader, _) = try store.traceReader()
        guard let loaded = try TraceLoader(reader: reader).load(id) else {
            throw WebError.notFound("No span or access-log line has trace id or x-request-id '\(id)'.")
        }
        let tree = loaded.mappingLineIDs((reader as? ClickHouseTraceReader)?.snapshot.viewIDs ?? [:])
        let errors = tree.nodes.filter(\.isError).count
        var body = "<p class=\"sub\">\(HTML.escape(tree.basis)) · \(tree.nodes.count) rows · \(HTML.escape(TraceFormat.duration(tree.endUs - tree.startUs)))"
            + " · started \(HTML.escape(AnswerFormat.timestamp(tree.startUs)))" + (errors > 0 ? " · <span class=\"error\">\(errors) failing</span>" : "") + "</p>\n"
        if !tree.requestIDs.isEmpty { body += "<p class=\"dim\">x-request-id: " + tree.requestIDs.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ") + "</p>\n" }
        if !tree.traceIDs.isEmpty { body += "<p class=\"dim\">trace id: " + tree.traceIDs.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ") + "</p>\n" }
        for a in tree.adjustments { body += "<p class=\"dim\">adjusted: \(HTML.escape(a))</p>\n" }
        body += "<form method=\"get\" action=\"/diff\"><input type=\"hidden\" name=\"a\" value=\"\(HTML.escape(id))\">"
            + "<label>diff with <input name=\"b\" size=\"38\" placeholder=\"another trace id or x-request-id\"></label><button>Diff</button></form>\n"
        body += "<div class=\"wf\" id=\"waterfall\" data-source=\"trace-data\"></div>\n"
        body += "<script type=\"application/json\" id=\"trace-data\">" + HTML.scriptSafe(WaterfallData.json(tree)) + "</script>\n"
        // Without scripts, the terminal's tree (it costs as much again as the JSON, so not for huge traces).
        body += tree.nodes.count <= noscriptLimit
            ? "<noscript><pre>\(HTML.escape(TraceRenderer().text(tree)))</pre></noscript>\n"
            : "<noscript><p>\(tree.nodes.count) rows: <code>meshlog trace \(HTML.escape(id))</code> prints them in a terminal.</p></noscript>\n"
        var layout = PageLayout(title: "Request \(id)", section: "/traces", request: request)
        layout.scripts = ["/static/waterfall.js"]
        return .html(layout.render(body))
    }
}
