import Foundation
import Testing
import MeshLogServe
import MeshLogTestSupport
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

    /// The server runs as `meshlog-serve`, its own process: in process, it shares Swift's cooperative pool with
    /// every test running beside it, and on two busy cores a CI run once starved it for 300 s before it bound.
    @Test func servesPagesOverHTTP() throws {
        let fixture = try WebStoreFixture.shared.get()
        let server = try ServeProcess(["--db", fixture.database])
        defer { server.stop() }
        let p = server.port
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
