/// What went wrong talking to ClickHouse, as one line that names the statement or the URL.
public enum ClickHouseError: Error, CustomStringConvertible, Sendable {
    /// No connection could be opened.
    case unreachable(url: String, reason: String)
    /// The connection broke during a request.
    case connectionLost(url: String, reason: String)
    /// The server answered with an error (`Code: N, e.displayText() = DB::Exception: …`).
    case server(status: Int, body: String, statement: String)

    /// Whether the request may be sent again on a new connection.
    var isConnectionLost: Bool {
        if case .connectionLost = self { return true }
        return false
    }

    /// ClickHouse's error code (`Code: 60` → 60), when the body has one.
    public var code: Int? {
        guard case .server(_, let body, _) = self, let range = body.range(of: "Code: ") else { return nil }
        return Int(body[range.upperBound...].prefix { $0.isNumber })
    }

    /// The server's message without its stack and `e.what()` tail.
    public var message: String {
        switch self {
        case .unreachable(_, let reason), .connectionLost(_, let reason): return reason
        case .server(let status, let body, _):
            var text = body.split(separator: "\n").first.map(String.init) ?? "HTTP \(status)"
            if let tail = text.range(of: ", e.what() = ") { text = String(text[..<tail.lowerBound]) }
            if let display = text.range(of: "e.displayText() = ") { text.removeSubrange(display) }
            if let exception = text.range(of: "DB::Exception: ") { text.removeSubrange(exception) }
            return text.trimmingCharacters(in: .whitespaces)
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            return "cannot reach ClickHouse at \(url): \(reason) (is the server running? scripts/clickhouse-cluster starts a local one)"
        case .connectionLost(let url, let reason):
            return "lost the connection to ClickHouse at \(url): \(reason)"
        case .server(_, _, let statement):
            let first = statement.split(separator: "\n").first.map(String.init) ?? statement
            let shown = first.count > 100 ? first.prefix(100) + "…" : first
            return "ClickHouse: \(message) (in: \(shown))"
        }
    }
}
