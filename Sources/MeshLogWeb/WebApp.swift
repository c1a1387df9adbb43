import MeshLogAnalysis
import MeshLogStore

/// `meshlog serve`'s application: routes a request to its page or API and adds the security headers.
/// Read-only: only GET and HEAD are answered, and nothing a request does changes the store.
public struct WebApp: Sendable {
    /// The store every page reads.
    public let store: WebStore

    public init(store: WebStore) { self.store = store }

    /// A page: the request and the store in, a response out.
    typealias Handler = @Sendable (WebRequest, WebStore) throws -> WebResponse

    /// Exact paths and their pages.
    static let routes: [String: Handler] = [
        "/graph": GraphPage.respond,
        "/edge": EdgePage.respond,
        "/status": StatusPage.respond,
        "/hops": HopsPage.respond,
        "/timeline": TimelinePage.respond,
        "/traces": SearchPage.respond,
        "/diff": DiffPage.respond,
        "/compare": ComparePage.respond,
        "/report": ReportPage.respond,
        "/sql": SQLPage.respond,
    ]

    /// The headers every response carries. The policy allows scripts and styles from `/static/` only (no
    /// inline script, no `eval`, no other origin), no plugins, no framing, and forms that post here only.
    public static let securityHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    /// Answers one request; never throws (errors become pages).
    public func respond(_ request: WebRequest) -> WebResponse {
        var response: WebResponse
        if request.method != "GET" && request.method != "HEAD" {
            response = WebResponse(status: 405, contentType: "text/plain; charset=utf-8", headers: [("Allow", "GET, HEAD")],
                                   body: Array("meshlog serve is read-only: only GET and HEAD\n".utf8))
        } else {
            response = route(request)
        }
        response.headers += Self.securityHeaders.filter { h in
            // Static files may be cached; everything else reflects the store now.
            !(h.name == "Cache-Control" && response.headers.contains { $0.name == "Cache-Control" })
        }
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    private func route(_ request: WebRequest) -> WebResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        do {
            if path == "/" || path.isEmpty { return .redirect("/graph") }
            if let asset = WebAssets.response(path: path) { return asset }
            if let handler = Self.routes[path] { return try handler(request, store) }
            if path.hasPrefix("/trace/") { return try TracePage.respond(request, store: store, id: String(path.dropFirst(7))) }
            if path.hasPrefix("/api/") { return try APIRoutes.respond(request, store: store, path: path) }
            throw WebError.notFound("No page at \(path). The pages are \(PageLayout.sections.map(\.path).joined(separator: ", ")).")
        } catch let error as WebError {
            return errorPage(request, status: error.status, message: error.description)
        } catch let error as AnswerOptionError {
            return errorPage(request, status: 400, message: error.description)
        } catch {
            return errorPage(request, status: 500, message: String(describing: error))
        }
    }

    /// An error as a page (or as Jaeger's JSON error for `/api/`).
    private func errorPage(_ request: WebRequest, status: Int, message: String) -> WebResponse {
        if request.path.hasPrefix("/api/") {
            return .json("{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":\(status),\"msg\":\(HTML.jsonString(message))}]}\n",
                         status: status)
        }
        let layout = PageLayout(title: status == 404 ? "Not found" : status == 400 ? "Cannot read the request" : "Error",
                                section: "", request: request)
        return .html(layout.render("<p class=\"error\">\(HTML.escape(message))</p>\n"), status: status)
    }
}
