import Foundation
import Testing
import MeshLogServe
import MeshLogTestSupport
@testable import MeshLogWeb

/// `meshlog serve` as a user runs it: it hands over to `meshlog-serve`, which alone links the HTTP server.
@Suite struct ServeCommandTests {
    @Test func servesTheStoreItWasGiven() throws {
        let fixture = try WebStoreFixture.shared.get()
        let server = try ServeProcess(["--db", fixture.database])
        defer { server.stop() }
        let page = try RawHTTP.get(port: server.port, target: "/hops")
        #expect(page.head.hasPrefix("HTTP/1.1 200"))
        #expect(page.body.contains("<table class=\"data\" id=\"hops\">"))
        // The store comes from $MESHLOG_DB too, as for every other command.
        let viaEnvironment = try ServeProcess([], environment: ["MESHLOG_DB": fixture.database, "MESHLOG_STORE": nil])
        defer { viaEnvironment.stop() }
        #expect(try RawHTTP.get(port: viaEnvironment.port, target: "/status").head.hasPrefix("HTTP/1.1 200"))
        let viaURL = try ServeProcess(["--store", "sqlite:" + fixture.database])
        defer { viaURL.stop() }
        #expect(try RawHTTP.get(port: viaURL.port, target: "/timeline").head.hasPrefix("HTTP/1.1 200"))
    }

    @Test func refusesWhatItCannotServe() throws {
        let missing = try MeshLogBinary.run(["serve", "--db", "/nonexistent/meshlog.db"])
        #expect(missing.status == 1 && missing.stderr.contains("no meshlog database at /nonexistent/meshlog.db"))
        let missingStore = try MeshLogBinary.run(["serve", "--store", "sqlite:/nonexistent/meshlog.db"])
        #expect(missingStore.status == 1 && missingStore.stderr.contains("no meshlog database at /nonexistent/meshlog.db"))
        let badAddress = try MeshLogBinary.run(["serve", "--listen", "somewhere"])
        #expect(badAddress.status == 64 && badAddress.stderr.contains("Cannot read --listen 'somewhere'"))
    }

    @Test func argumentsForTheServer() throws {
        let a = try ServeArguments(parsing: ["--listen", "[::1]:9000", "--store", "sqlite:x.db", "--queries", "q"])
        #expect(a.listen.description == "[::1]:9000" && a.store == "sqlite:x.db" && a.queries == "q")
        #expect(throws: ServeArgumentError.self) { try ServeArguments(parsing: ["--port", "1"]) }
        #expect(throws: ServeArgumentError.self) { try ServeArguments(parsing: ["--listen"]) }
    }

    /// Only `meshlog-serve` links Foundation's networking (libcurl and its TLS libraries): every other command
    /// starts without loading them.
    @Test func onlyTheServerLinksNetworking() throws {
        guard let meshlog = MeshLogBinary.url else { Issue.record("meshlog is not built"); return }
        let serve = meshlog.deletingLastPathComponent().appendingPathComponent("meshlog-serve")
        func libraries(_ url: URL) throws -> String { try runTool("/usr/bin/ldd", [url.path]).stdout }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ldd") else { print("skipped: no ldd"); return }
        #expect(!(try libraries(meshlog)).contains("libFoundationNetworking"))
        #expect(try libraries(serve).contains("libFoundationNetworking"))
    }
}
