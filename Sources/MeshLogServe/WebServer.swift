import FlyingFox
import FlyingSocks
import Foundation
import MeshLogWeb

/// `meshlog serve`'s HTTP server: FlyingFox on one address, every request handed to a ``WebApp`` on a
/// background queue (the pages' SQLite and ClickHouse reads block, and must not hold Swift's cooperative threads).
public final class WebServer: Sendable {
    /// The application every request goes to.
    public let app: WebApp
    /// Where to listen.
    public let address: ListenAddress

    public init(app: WebApp, address: ListenAddress) {
        self.app = app
        self.address = address
    }

    /// Listens and serves until the task is cancelled; `ready` gets the address actually bound (port 0 picks one).
    public func run(ready: @escaping @Sendable (String) -> Void) async throws {
        let socketAddress: any SocketAddress = address.isIPv6
            ? try sockaddr_in6.inet6(ip6: address.host, port: address.port)
            : try sockaddr_in.inet(ip4: address.host, port: address.port)
        let server = HTTPServer(config: .init(address: socketAddress, timeout: 60, logger: .disabled), handler: AppHandler(app: app))
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        var bound = address
        if case .ip4(_, let port)? = await server.listeningAddress { bound.port = port }
        if case .ip6(_, let port)? = await server.listeningAddress { bound.port = port }
        ready(bound.description)
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

/// Adapts FlyingFox's requests and responses to the application's.
struct AppHandler: HTTPHandler {
    let app: WebApp

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let webRequest = WebRequest(method: request.method.rawValue, target: request.target.rawValue)
        let app = self.app
        let response = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: app.respond(webRequest)) }
        }
        var headers = HTTPHeaders()
        headers[.contentType] = response.contentType
        for (name, value) in response.headers { headers.addValue(value, for: HTTPHeader(name)) }
        return HTTPResponse(statusCode: HTTPStatusCode(response.status, phrase: Self.phrase(response.status)), headers: headers,
                            body: Data(response.body))
    }

    static let phrases = [200: "OK", 303: "See Other", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                          500: "Internal Server Error"]

    static func phrase(_ status: Int) -> String { phrases[status] ?? "Status" }
}
