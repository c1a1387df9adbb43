import Foundation
import Testing
import MeshLogServe
import MeshLogStore
@testable import MeshLogWeb

/// The HTTP transport: a real socket on loopback, raw HTTP/1.1 requests, the app's answers and headers.
@Suite struct WebServerTests {
    @Test func listenAddressesParse() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080")?.description == "127.0.0.1:8080")
        #expect(ListenAddress(parsing: "8081")?.description == "127.0.0.1:8081")
        #expect(ListenAddress(parsing: ":0")?.port == 0)
        #expect(ListenAddress(parsing: "localhost:9")?.host == "127.0.0.1")
        #expect(ListenAddress(parsing: "[::1]:8080")?.description == "[::1]:8080")
        #expect(ListenAddress(parsing: "[::1]:8080")?.isLoopback == true)
        #expect(ListenAddress(parsing: "0.0.0.0:8080")?.isLoopback == false)
        for bad in ["", "host:port", "1.2.3:80", "[::1]", "127.0.0.1:70000", "example.com:80"] {
            #expect(ListenAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func servesPagesOverHTTP() async throws {
        let fixture = try WebStoreFixture.shared.get()
        let server = WebServer(app: fixture.app, address: ListenAddress(parsing: "127.0.0.1:0")!)
        let bound = BoundAddress()
        let task = Task { try await server.run { bound.set($0) } }
        defer { task.cancel() }
        var port: UInt16?
        for _ in 0..<200 where port == nil {
            try await Task.sleep(nanoseconds: 20_000_000)
            port = bound.value.flatMap { ListenAddress(parsing: $0)?.port }
        }
        let p = try #require(port)
        #expect(p != 0)
        let graph = try RawHTTP.get(port: p, target: "/graph?since=30m")
        #expect(graph.head.hasPrefix("HTTP/1.1 200"))
        #expect(graph.head.lowercased().contains("content-security-policy: default-src 'none'; script-src 'self'"))
        #expect(graph.body.contains("<svg class=\"graph\""))
        let post = try RawHTTP.get(port: p, target: "/graph", method: "POST")
        #expect(post.head.hasPrefix("HTTP/1.1 405"))
        let missing = try RawHTTP.get(port: p, target: "/trace/%3Cscript%3E")
        #expect(missing.head.hasPrefix("HTTP/1.1 404"))
        #expect(missing.body.contains("&lt;script&gt;") && !missing.body.contains("<script>"))
    }
}

/// The address the server reports once it listens.
final class BoundAddress: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ s: String) { lock.lock(); text = s; lock.unlock() }
    var value: String? { lock.lock(); defer { lock.unlock() }; return text }
}

/// One HTTP/1.1 request over a plain socket (`Connection: close`), read to the end.
enum RawHTTP {
    static func get(port: UInt16, target: String, method: String = "GET") throws -> (head: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (text, "") }
        return (String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }
}
