import Foundation
import Testing
import MeshLogTestSupport

/// Where requests enter the mesh, whatever the gateway is called: the report's headline counts the
/// outbound lines of reporters that log no inbound line (a gateway, a client-only job) as well as
/// the gateways named like Istio's, on generated traffic whose gateway is renamed.
@Suite struct EntryDetectionTests {
    static func cli(_ arguments: [String]) throws -> String {
        let run = try MeshLogBinary.run(arguments)
        #expect(run.status == 0, "\(arguments.prefix(3)): \(run.stderr)")
        return run.stdout
    }

    /// The report's headline of `db` over the generated hour.
    static func headline(_ db: String) throws -> [String: Any] {
        let json = try cli(["report", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-25T01:00:00Z", "--json", "--db", db])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["headline"] as? [String: Any] ?? [:]
    }

    @Test func aRenamedGatewayStillCountsTheRequestsEnteringTheMesh() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-entry")
        let generate = ["generate", "--lines", "6000", "--seed", "23", "--start", "2026-11-25T00:00:00Z", "--duration", "1h"]
        // Istio's own name, one file per pod: the name rule finds the gateway.
        _ = try Self.cli(generate + ["--split-by-pod", dir.path("standard")])
        _ = try Self.cli(["ingest", dir.path("standard"), "--db", dir.path("standard.db"), "--quiet"])
        let standard = try Self.headline(dir.path("standard.db"))
        let gatewayLines = try JSONSerialization.jsonObject(with: Data(try Self.cli([
            "sql", "SELECT count(*) AS n, sum(status >= 500 OR status = 0) AS errors FROM access_log "
                + "WHERE workload = 'istio-ingressgateway' AND start_us >= 1795564800000000 AND start_us < 1795568400000000",
            "--json", "--db", dir.path("standard.db"),
        ]).utf8)) as? [[String: Any]]
        let entry = try #require(standard["entry_requests"] as? Int)
        #expect(entry > 0)
        #expect(entry == gatewayLines?.first?["n"] as? Int)
        #expect(standard["entry_errors"] as? Int == gatewayLines?.first?["errors"] as? Int)
        // Gateway API's `<name>-istio`, one file per pod; and a plain `gateway` in one stream without pod
        // names (reporters named from addresses): the same requests enter the mesh.
        _ = try Self.cli(generate + ["--gateway-name", "public-istio", "--split-by-pod", dir.path("gateway-api")])
        _ = try Self.cli(["ingest", dir.path("gateway-api"), "--db", dir.path("gateway-api.db"), "--quiet"])
        _ = try Self.cli(generate + ["--gateway-name", "gateway", "--output", dir.path("mesh.log")])
        _ = try Self.cli(["ingest", dir.path("mesh.log"), "--db", dir.path("stream.db"), "--quiet"])
        for db in ["gateway-api.db", "stream.db"] {
            let renamed = try Self.headline(dir.path(db))
            for key in ["requests", "errors", "entry_requests", "entry_errors", "entry_p50_ms", "entry_p99_ms"] {
                #expect("\(renamed[key] ?? "nil")" == "\(standard[key] ?? "nil")", "\(db) \(key)")
            }
        }
    }
}
