/// One HTTP request as the pages see it: the method, the decoded path and the query's name/value pairs.
public struct WebRequest: Sendable {
    public var method: String
    /// The path, percent-decoded (`/trace/abc`).
    public var path: String
    /// The query's pairs in order, percent-decoded (`+` is a space).
    public var query: [(name: String, value: String)]

    public init(method: String = "GET", path: String, query: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
    }

    /// Parses a request target such as `/status?by=code&since=1h`.
    public init(method: String = "GET", target: String) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.method = method
        self.path = WebURL.decode(String(parts.first ?? ""), plusIsSpace: false)
        self.query = parts.count > 1 ? WebURL.parseQuery(String(parts[1])) : []
    }

    /// The first non-empty value of `name`.
    public func value(_ name: String) -> String? {
        query.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    /// Every non-empty value of `name`, in order (repeated parameters, or one comma-separated).
    public func values(_ name: String) -> [String] {
        query.filter { $0.name == name }.flatMap { $0.value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }
}

/// A response: status, content type, extra headers and the body's bytes.
public struct WebResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int = 200, contentType: String, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// The body as text (tests read pages this way).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// An HTML page.
    static func html(_ page: String, status: Int = 200) -> WebResponse {
        WebResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(page.utf8))
    }

    /// A JSON document.
    static func json(_ text: String, status: Int = 200) -> WebResponse {
        WebResponse(status: status, contentType: "application/json; charset=utf-8", body: Array(text.utf8))
    }

    /// A redirect to `location` (a path on this server).
    static func redirect(_ location: String) -> WebResponse {
        WebResponse(status: 303, contentType: "text/plain; charset=utf-8", headers: [("Location", location)], body: Array("see \(location)\n".utf8))
    }
}
