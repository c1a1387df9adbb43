import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import MeshLogTestSupport
import Testing

/// Every span file in `Tests/Fixtures/spans` ingests with the count its README gives, or is rejected with a reason.
@Suite struct TraceFixtureTests {
    /// Each file stores its spans (or is refused) and its first trace loads and renders.
    @Test func everyFixtureFileIngestsAndRenders() throws {
        let cases = try Fixtures.spanFiles()
        #expect(cases.count == 14)
        let (db, _) = try TraceFixture.tempDB()
        let ingester = try SpanIngester(db: db)
        for (file, expected) in cases {
            let path = Fixtures.path(file)
            let (report, reason) = try ingester.ingest(path: path)
            guard let expected else {
                #expect(report == nil, "\(file) should be rejected")
                #expect(reason?.isEmpty == false)
                continue
            }
            let r = try #require(report, "\(file): \(reason ?? "")")
            #expect(r.state == .ingested, "\(file): \(r.error ?? "")")
            #expect(r.spans == expected, "\(file)")
            #expect(try db.scalar("SELECT count(*) FROM span WHERE source = ?", [.text(path)]).int64 == Int64(expected))
            let trace = try #require(try db.scalar("SELECT trace_id FROM span WHERE source = ? LIMIT 1", [.text(path)]).string)
            let tree = try #require(try TraceLoader(db: db).load(trace), "\(file)")
            #expect(tree.basis == "spans")
            #expect(!TraceRenderer().text(tree).isEmpty)
            #expect(TraceRenderer().json(tree).hasPrefix("{"))
        }
        #expect(try db.scalar("SELECT count(*) FROM span").int64 == Int64(cases.compactMap(\.spans).reduce(0, +)))
    }

    /// Ingesting the same content again stores nothing twice.
    @Test func reingestStoresNothingTwice() throws {
        let (db, _) = try TraceFixture.tempDB()
        let path = Fixtures.path("spans/zipkin-trace.json")
        let first = try SpanIngester(db: db).ingest(path: path).report
        let second = try SpanIngester(db: db).ingest(path: path).report
        #expect(first?.spans == 5)
        #expect(second?.state == .alreadyIngested)
        #expect(second?.spans == 0)
        #expect(try db.scalar("SELECT count(*) FROM span").int64 == 5)
    }

    /// Envoy's shared halves keep their join tags in the store; Tempo's base64 ids are stored as hex.
    @Test func envoySharedHalvesAndJoinTags() throws {
        let (db, _) = try TraceFixture.tempDB()
        _ = try SpanIngester(db: db).ingest(path: Fixtures.path("spans/zipkin-envoy.json"))
        let rows = try db.rows("SELECT trace_id, span_id, parent_id, service, kind, start_us, duration_us, status, http_status, request_id, line FROM span ORDER BY start_us")
        #expect(rows == [
            ["00000000000000005af7183fb1d4cf5f", "5af7183fb1d4cf5f", .null, "storefront.shop", "client", 1_772_460_401_120_000, 12000,
             "error", 429, "8e1f5a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", 2],
            ["00000000000000005af7183fb1d4cf5f", "5af7183fb1d4cf5f", .null, .null, "server", 1_772_460_401_122_000, 9000,
             "unset", 429, "8e1f5a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", 23],
        ])
        _ = try SpanIngester(db: db).ingest(path: Fixtures.path("spans/tempo-trace.json"))
        #expect(try db.scalar("SELECT count(*) FROM span WHERE length(trace_id) = 32").int64 == 5)
        #expect(try db.rows("SELECT span_id, parent_id FROM span WHERE trace_id = 'c3a1e5f70b2d4968a7e0f1d2c3b4a596' ORDER BY start_us") == [
            ["1122334455667788", .null], ["99aabbccddeeff00", "1122334455667788"], ["3f2e1d0c4b5a6978", "99aabbccddeeff00"],
        ])
    }

    /// The request id joins Envoy's spans to the access-log lines of the same hop: client to outbound, server to inbound.
    @Test func requestIDJoinsSpansToAccessLogLines() throws {
        let (db, _) = try TraceFixture.tempDB()
        _ = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([Fixtures.path("logs/istio-hop.log")]))
        _ = try SpanIngester(db: db).ingest(path: Fixtures.path("spans/zipkin-envoy.json"))
        #expect(try db.scalar("""
            SELECT count(*) FROM span s JOIN access_log a ON a.request_id = s.request_id
            """).int64 == 4)
        let tree = try #require(try TraceLoader(db: db).load("8e1f5a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"))
        #expect(tree.basis == "spans + access logs")
        #expect(tree.traceIDs == ["00000000000000005af7183fb1d4cf5f"])
        #expect(tree.nodes.count == 2)
        #expect(tree.roots.count == 1)
        let client = tree.nodes[try #require(tree.roots.first)]
        #expect(client.spanKind == "client")
        #expect(client.status == "429")
        #expect(client.logLines.count == 1)
        let server = tree.nodes[try #require(client.children.first)]
        #expect(server.spanKind == "server")
        #expect(server.shared)
        #expect(server.logLines.count == 1)
        #expect(client.logLines != server.logLines)
        // The same tree loads by the trace id.
        #expect(try TraceLoader(db: db).load("5AF7183FB1D4CF5F")?.nodes.count == 2)
    }
}
