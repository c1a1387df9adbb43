import Foundation
import Testing
import MeshLogTestSupport
@testable import MeshLogStore
@testable import MeshLogAnalysis

/// The mesh's mTLS promise checked from its logs: `status --by tls` (every edge, plaintext ones by name), on
/// generated traffic with one edge made plaintext on purpose, and TLS failures from an outbound line's reason.
@Suite struct MeshPromiseTests {
    /// Runs the CLI, expecting success; returns stdout.
    static func cli(_ arguments: [String]) throws -> String {
        let run = try MeshLogBinary.run(arguments)
        #expect(run.status == 0, "\(arguments.prefix(3)): \(run.stderr)")
        return run.stdout
    }

    static func rows(_ json: String) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
    }

    @Test func aPlaintextEdgeIsReportedAndNoOther() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-tls")
        let log = dir.path("mesh.log"), db = dir.path("mesh.db"), clean = dir.path("clean.db")
        let generated = try MeshLogBinary.run(["generate", "--lines", "8000", "--seed", "9", "--plaintext", "frontend->user", "--split-by-pod", dir.path("pods")])
        #expect(generated.status == 0, "\(generated.stderr)")
        _ = try Self.cli(["ingest", dir.path("pods"), "--db", db, "--quiet"])
        let byTLS = try Self.rows(try Self.cli(["status", "--by", "edge,tls", "--json", "--db", db]))
        let plaintext = byTLS.filter { $0["tls"] as? String == TLSClass.plaintext.rawValue }
        #expect(plaintext.count == 1)
        #expect(plaintext.first?["source"] as? String == "frontend-v1" && plaintext.first?["service"] as? String == "user")
        // Every other inbound line arrived over the mesh's mTLS; the counts are the edge's inbound lines.
        let classes = Set(byTLS.compactMap { $0["tls"] as? String })
        #expect(classes == [TLSClass.plaintext.rawValue, TLSClass.mesh.rawValue])
        let inbound = try Self.rows(try Self.cli(["sql", "SELECT count(*) AS n FROM access_log WHERE direction = 'inbound' AND service = 'user' AND downstream_remote IN (SELECT upstream_local FROM access_log WHERE source_workload = 'frontend-v1')", "--json", "--db", db]))
        #expect(plaintext.first?["requests"] as? Int == inbound.first?["n"] as? Int)
        // The daily report lists that edge, and only it, from the summaries, with every one of its inbound calls.
        let report = try JSONSerialization.jsonObject(with: Data(try Self.cli(["report", "--json", "--db", db]).utf8)) as? [String: Any] ?? [:]
        let listed = report["plaintext_edges"] as? [[String: Any]] ?? []
        #expect(listed.count == 1 && report["sni_logged"] as? Bool == true)
        #expect(listed.first?["edge"] as? String == "frontend-v1 → user" && listed.first?["caller_in_mesh"] as? Bool == true)
        #expect(listed.first?["plaintext"] as? Int == plaintext.first?["requests"] as? Int && listed.first?["unverified"] as? Int == 0)
        #expect(listed.first?["inbound"] as? Int == plaintext.first?["requests"] as? Int)
        #expect(try Self.cli(["report", "--db", db]).contains("| frontend-v1 → user | in the mesh | \(plaintext.first?["requests"] as? Int ?? -1) | 0 | 100.00% |"))
        // The summary agrees with the lines class by class (ingest fills it as the SQL rule reads the lines).
        let summed = try Self.rows(try Self.cli(["sql", "SELECT class, sum(requests) AS n FROM summary_tls GROUP BY class ORDER BY class", "--json", "--db", db]))
        let exact = try Self.rows(try Self.cli(["status", "--by", "tls", "--side", "inbound", "--exact", "--json", "--db", db]))
        for (code, name) in [(TLSClass.mesh.code, TLSClass.mesh.rawValue), (TLSClass.plaintext.code, TLSClass.plaintext.rawValue)] {
            let n = summed.first { ($0["class"] as? Int).map(Int64.init) == code }?["n"] as? Int
            #expect(n != nil && n == exact.first { $0["tls"] as? String == name }?["requests"] as? Int, "\(name)")
        }
        // An older store's migration (013) fills the same rows from its lines as the ingest did.
        let store = try Database(path: db)
        let ingested = try store.rows("SELECT minute, reporter, dest, caller, class, sum(requests) FROM summary_tls GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5")
        try store.execute("DELETE FROM summary_tls")
        try SummarySchema.fillTLS(store, where: "1")
        #expect(try store.rows("SELECT minute, reporter, dest, caller, class, sum(requests) FROM summary_tls GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5") == ingested)
        #expect(!ingested.isEmpty)
        // The same seed without --plaintext: every edge over mTLS.
        _ = try Self.cli(["generate", "--lines", "8000", "--seed", "9", "--output", log])
        _ = try Self.cli(["ingest", log, "--db", clean, "--quiet"])
        let cleanRows = try Self.rows(try Self.cli(["status", "--by", "tls", "--json", "--db", clean]))
        #expect(cleanRows.count == 1 && cleanRows.first?["tls"] as? String == TLSClass.mesh.rawValue)
        let cleanReport = try JSONSerialization.jsonObject(with: Data(try Self.cli(["report", "--json", "--db", clean]).utf8)) as? [String: Any] ?? [:]
        #expect((cleanReport["plaintext_edges"] as? [[String: Any]])?.isEmpty == true)
    }

    @Test func withoutAnySNIThePlaintextSectionSaysSo() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-no-sni")
        // Istio's format with the SNI field logged as `-` everywhere: a format that does not log it, in effect.
        let generated = try Self.cli(["generate", "--lines", "3000", "--seed", "4"])
        let lines = generated.split(separator: "\n").map { line -> String in
            line.replacingOccurrences(of: #"outbound_\.[0-9]+_\.[^ ]*_\.[a-z.]+"#, with: "-", options: .regularExpression)
        }
        let file = try dir.write("mesh.log", lines.joined(separator: "\n") + "\n")
        _ = try Self.cli(["ingest", file, "--db", dir.path("m.db"), "--quiet"])
        let report = try JSONSerialization.jsonObject(with: Data(try Self.cli(["report", "--json", "--db", dir.path("m.db")]).utf8)) as? [String: Any] ?? [:]
        #expect(report["sni_logged"] as? Bool == false)
        #expect((report["plaintext_edges"] as? [[String: Any]])?.isEmpty == true)
        #expect(try Self.cli(["report", "--db", dir.path("m.db")]).contains("No inbound line carries an SNI"))
    }

    @Test func tlsFailuresInPlainWords() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-tls-fail")
        func line(_ fields: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        }
        let reason = "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end"
        let failed: [String: Any] = [
            "start_time": "2026-11-25T00:30:00.000Z", "method": "GET", "path": "/users/1", "protocol": "HTTP/1.1",
            "response_code": 503, "response_flags": "UF", "response_code_details": "upstream_reset_before_response_started{connection_failure,TLS_error}",
            "upstream_transport_failure_reason": reason, "bytes_received": 0, "bytes_sent": 91, "duration": 3,
            "request_id": "tls-1", "authority": "user:8000", "upstream_host": "10.244.1.27:8000",
            "upstream_cluster": "outbound|8000||user.lms.svc.cluster.local", "upstream_local_address": "10.244.2.7:47923",
            "downstream_local_address": "10.96.7.201:8000", "downstream_remote_address": "10.244.2.7:53857", "route_name": "default",
        ]
        let file = try dir.write("tls.log", try line(failed) + "\n")
        _ = try Self.cli(["ingest", file, "--db", dir.path("t.db"), "--quiet"])
        let rows = try Self.rows(try Self.cli(["status", "--by", "tls", "--side", "outbound", "--json", "--db", dir.path("t.db")]))
        #expect(rows.count == 1)
        #expect(rows.first?["tls"] as? String == TLSClass.failurePrefix + reason)
        let meaning = rows.first?["meaning"] as? String ?? ""
        #expect(meaning.contains("TLS handshake failed"))
    }
}
