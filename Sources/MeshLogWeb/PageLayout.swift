/// The frame every page shares: head, navigation that keeps the window, and the static CSS and JS.
///
/// No inline script or style: the Content-Security-Policy (``WebApp/securityHeaders``) allows only
/// `/static/…`, and data for the scripts travels in `data-*` attributes or `application/json` blocks.
struct PageLayout {
    /// The page's `<title>` and heading.
    var title: String
    /// Which navigation entry is current (its path).
    var section: String
    /// The request, whose window (`since`, `until`, `service`) the navigation links keep.
    var request: WebRequest
    /// Extra scripts under `/static/` this page needs.
    var scripts: [String] = []
    /// Extra style sheets under `/static/`, loaded before the app's own.
    var styles: [String] = []

    static let sections: [(path: String, name: String)] = [
        ("/graph", "Graph"), ("/status", "Status"), ("/hops", "Hops"), ("/timeline", "Timeline"), ("/traces", "Requests"),
        ("/compare", "Compare"), ("/report", "Report"), ("/sql", "SQL"),
    ]

    /// The window parameters a link to another page keeps.
    static func windowQuery(_ request: WebRequest) -> [(String, String?)] {
        var q: [(String, String?)] = [("since", request.value("since")), ("until", request.value("until"))]
        for s in request.values("service") { q.append(("service", s)) }
        return q
    }

    /// The whole page around `body`.
    func render(_ body: String) -> String {
        let keep = Self.windowQuery(request)
        var nav = ""
        for s in Self.sections {
            let cls = s.path == section ? " class=\"current\"" : ""
            nav += "<a href=\"\(HTML.escape(WebURL.link(s.path, keep)))\"\(cls)>\(HTML.escape(s.name))</a>"
        }
        let scriptTags = (["/static/meshlog.js"] + scripts).map { "<script src=\"\(HTML.escape($0))\" defer></script>" }.joined()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · meshlog</title><link rel="icon" href="data:,">
            \(styles.map { "<link rel=\"stylesheet\" href=\"\(HTML.escape($0))\">" }.joined())<link rel="stylesheet" href="/static/meshlog.css">\(scriptTags)
            </head><body>
            <header><a class="brand" href="/">meshlog</a><nav>\(nav)</nav></header>
            <main>
            <h1>\(HTML.escape(title))</h1>
            \(body)
            </main>
            </body></html>

            """
    }

    /// The window form: since, until and service, kept as they were typed.
    static func windowForm(_ request: WebRequest, action: String, extra: [(String, String)] = []) -> String {
        var out = "<form class=\"window\" method=\"get\" action=\"\(HTML.escape(action))\">"
        out += "<label>since <input name=\"since\" value=\"\(HTML.escape(request.value("since") ?? ""))\" placeholder=\"1h or 2026-11-25T10:00:00Z\"></label>"
        out += "<label>until <input name=\"until\" value=\"\(HTML.escape(request.value("until") ?? ""))\" placeholder=\"(newest)\"></label>"
        out += "<label>service <input name=\"service\" value=\"\(HTML.escape(request.values("service").joined(separator: ",")))\" placeholder=\"(all)\"></label>"
        for (name, value) in extra { out += "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">" }
        return out + "<button>Show</button></form>\n"
    }
}
