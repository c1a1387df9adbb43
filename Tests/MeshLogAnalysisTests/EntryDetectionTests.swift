import Foundation
import Testing
import MeshLogTestSupport

/// Where requests enter the mesh, whatever the gateway is called: the report's headline counts the
/// outbound lines of reporters that log no inbound line (a gateway, a client-only job) as well as
/// the gateways named like Istio's, on generated traffic whose gateway is renamed.
@Suite struct EntryDetectionTests {
    /// The report's headline of `db` over the generated hour.
    static func headline(_ db: String) throws -> [String: Any] {
        let json = try MeshPromiseTests.cli(["report", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-25T01:00:00Z", "--json", "--db", db])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["headline"] as? [String: Any] ?? [:]
    }

    @Test func aRenamedGatewayStillCountsTheRequestsEnteringTheMesh() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-entry")
        let generate = ["generate", "--lines", "6000", "--seed", "23", "--start", "2026-11-25T00:00:00Z", "--duration", "1h"]
        // Istio's own name, one file per pod: the name rule finds the gateway.
        _ = try MeshPromiseTests.cli(generate + ["--split-by-pod", dir.path("standard")])
        _ = try MeshPromiseTests.cli(["ingest", dir.path("standard"), "--db", dir.path("standard.db"), "--quiet"])
        let standard = try Self.headline(dir.path("standard.db"))
        let gatewayLines = try MeshPromiseTests.rows(try MeshPromiseTests.cli([
            "sql", "SELECT count(*) AS n, sum(status >= 500 OR status = 0) AS errors FROM access_log "
                + "WHERE workload = 'istio-ingressgateway' AND start_us >= 1795564800000000 AND start_us < 1795568400000000",
            "--json", "--db", dir.path("standard.db"),
        ]))
        let entry = try #require(standard["entry_requests"] as? Int)
        #expect(entry > 0)
        #expect(entry == gatewayLines.first?["n"] as? Int)
        #expect(standard["entry_errors"] as? Int == gatewayLines.first?["errors"] as? Int)
        // Gateway API's `<name>-istio`, one file per pod; and a plain `gateway` in one stream without pod
        // names (reporters named from addresses): the same requests enter the mesh.
        _ = try MeshPromiseTests.cli(generate + ["--gateway-name", "public-istio", "--split-by-pod", dir.path("gateway-api")])
        _ = try MeshPromiseTests.cli(["ingest", dir.path("gateway-api"), "--db", dir.path("gateway-api.db"), "--quiet"])
        _ = try MeshPromiseTests.cli(generate + ["--gateway-name", "gateway", "--output", dir.path("mesh.log")])
        _ = try MeshPromiseTests.cli(["ingest", dir.path("mesh.log"), "--db", dir.path("stream.db"), "--quiet"])
        for db in ["gateway-api.db", "stream.db"] {
            let renamed = try Self.headline(dir.path(db))
            for key in ["requests", "errors", "entry_requests", "entry_errors", "entry_p50_ms", "entry_p99_ms"] {
                #expect("\(renamed[key] ?? "nil")" == "\(standard[key] ?? "nil")", "\(db) \(key)")
            }
        }
        // A client-only job (a load generator's sidecar: outbound lines, no inbound one) enters the mesh too.
        let job = (1...3).map { n in
            #"[2026-11-25T00:10:0\#(n).000Z] "GET /api/courses HTTP/1.1" \#(n == 3 ? 503 : 200) - via_upstream - "-" 0 2291 14 13 "-" "k6/0.49" "5b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0\#(n)" "frontend.lms.svc.cluster.local:80" "10.244.1.7:8080" outbound|80||frontend.lms.svc.cluster.local 10.244.9.9:5123\#(n) 10.96.12.34:80 10.244.9.9:4011\#(n) - default"#
        }
        let file = try dir.write("loadgen-7d9f8c6b5-x2kqp.log", job.joined(separator: "\n") + "\n")
        _ = try MeshPromiseTests.cli(["ingest", file, "--db", dir.path("standard.db"), "--quiet"])
        let withJob = try Self.headline(dir.path("standard.db"))
        #expect(withJob["entry_requests"] as? Int == entry + 3)
        #expect(withJob["entry_errors"] as? Int == (standard["entry_errors"] as? Int ?? 0) + 1)
    }
}
