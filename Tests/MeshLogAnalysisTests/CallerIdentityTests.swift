import Foundation
import Testing
import MeshLogCore
import MeshLogTestSupport
import MeshLogStore

/// The caller's SPIFFE identity (`%DOWNSTREAM_PEER_URI_SAN%`): ingested through the CLI from a custom
/// text format and from JSON, grouped by `status --by identity`, read from `access_log.peer_identity`,
/// and taken by `--by tls` as proof of mTLS on a line without the mesh's SNI.
@Suite struct CallerIdentityTests {
    static let frontend = PeerIdentityLines.frontend
    static let enrollment = PeerIdentityLines.enrollment
    static let format = PeerIdentityLines.format
    static var textLines: [String] { PeerIdentityLines.text }
    static var jsonLines: [String] { PeerIdentityLines.json }

    /// `status --by KEYS --json` as (key values joined by " | ") → requests.
    static func groups(_ keys: String, db: String) throws -> [String: Int] {
        let names = keys.split(separator: ",").map(String.init)
        var out: [String: Int] = [:]
        for row in try MeshPromiseTests.rows(try MeshPromiseTests.cli(["status", "--by", keys, "--json", "--db", db])) {
            out[names.map { row[$0] as? String ?? "?" }.joined(separator: " | ")] = row["requests"] as? Int
        }
        return out
    }

    @Test func aCustomTextFormatsPeerURISANGroupsInboundLinesByCaller() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-identity")
        let file = try dir.write("user-5d8f7c6b9-q2w4e.log", Self.textLines.joined(separator: "\n") + "\n")
        let db = dir.path("mesh.db")
        _ = try MeshPromiseTests.cli(["ingest", file, "--format", Self.format, "--db", db, "--quiet"])
        #expect(try Self.groups("identity", db: db) == [Self.frontend: 3, Self.enrollment: 2, CallerIdentity.none: 1])
        // A spiffe:// peer proves mTLS even without the mesh's SNI; only the line with neither is plaintext.
        #expect(try Self.groups("tls,identity", db: db) == [
            "mTLS | \(Self.frontend)": 3, "mTLS | \(Self.enrollment)": 2, "plaintext | \(CallerIdentity.none)": 1,
        ])
        let rows = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["status", "--by", "identity", "--json", "--db", db]))
        let frontend = try #require(rows.first { $0["identity"] as? String == Self.frontend })
        #expect(frontend["errors"] as? Int == 1)
        #expect((frontend["meaning"] as? String)?.contains("service account frontend of namespace lms") == true)
        let none = try #require(rows.first { $0["identity"] as? String == CallerIdentity.none })
        #expect((none["meaning"] as? String)?.contains("no verified client certificate") == true)
        // Both sides: the outbound line is counted apart.
        let both = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["status", "--by", "identity", "--side", "both", "--json", "--db", db]))
        #expect(both.first { $0["identity"] as? String == CallerIdentity.outbound }?["requests"] as? Int == 1)
        // The public view names the caller per line.
        let view = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["sql", "SELECT peer_identity, count(*) AS n FROM access_log GROUP BY 1 ORDER BY 1", "--json", "--db", db]))
        #expect(view.map { $0["peer_identity"] as? String ?? "NULL" } == ["NULL", Self.enrollment, Self.frontend])
        #expect(view.map { $0["n"] as? Int ?? 0 } == [2, 2, 3])
        // The edge breakdown works with both keys.
        let edges = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["status", "--by", "edge,tls,identity", "--json", "--db", db]))
        #expect(edges.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == 6)
        // The ingest's summary of how calls arrived follows the same rule, so the report counts one plaintext call.
        let summary = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["sql", "SELECT class, sum(requests) AS n FROM summary_tls GROUP BY 1 ORDER BY 1", "--json", "--db", db]))
        #expect(summary.map { $0["n"] as? Int ?? 0 } == [5, 1] && summary.map { $0["class"] as? Int ?? 0 } == [1, 2])
        let report = try JSONSerialization.jsonObject(with: Data(try MeshPromiseTests.cli(["report", "--json", "--db", db]).utf8)) as? [String: Any] ?? [:]
        let plaintext = report["plaintext_edges"] as? [[String: Any]] ?? []
        #expect(plaintext.reduce(0) { $0 + ($1["plaintext"] as? Int ?? 0) + ($1["unverified"] as? Int ?? 0) } == 1)
    }

    @Test func jsonKeysOfThePeerURISANAreTheSameColumn() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-identity-json")
        let file = try dir.write("user-5d8f7c6b9-q2w4e.log", Self.jsonLines.joined(separator: "\n") + "\n")
        let db = dir.path("mesh.db")
        _ = try MeshPromiseTests.cli(["ingest", file, "--db", db, "--quiet"])
        #expect(try Self.groups("identity", db: db) == [Self.frontend: 1, Self.enrollment: 2, CallerIdentity.none: 1])
        #expect(try Self.groups("tls", db: db) == ["mTLS": 3, "plaintext": 1])
        let summary = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["sql", "SELECT class, sum(requests) AS n FROM summary_tls GROUP BY 1 ORDER BY 1", "--json", "--db", db]))
        #expect(summary.map { $0["n"] as? Int ?? 0 } == [3, 1])
        let extra = try MeshPromiseTests.rows(try MeshPromiseTests.cli(["sql", "SELECT extra FROM access_log WHERE peer_identity IS NOT NULL ORDER BY line", "--json", "--db", db]))
        #expect(extra.allSatisfy { ($0["extra"] as? String)?.contains("\"\(PeerIdentity.extraKey)\":") == true })
    }

    @Test func aJSONFormatDefinitionNamesTheIdentityKeyWhateverItIsCalled() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-identity-json-format")
        let format = try dir.write("format.json", PeerIdentityLines.jsonFormat)
        let file = try dir.write("user-5d8f7c6b9-q2w4e.log", PeerIdentityLines.jsonFormatLines.joined(separator: "\n") + "\n")
        let db = dir.path("mesh.db")
        _ = try MeshPromiseTests.cli(["ingest", file, "--format", "@" + format, "--db", db, "--quiet"])
        #expect(try Self.groups("identity", db: db) == [Self.frontend: 1, CallerIdentity.none: 1])
        let rows = try MeshPromiseTests.rows(try MeshPromiseTests.cli([
            "sql", "SELECT status, duration_ms, direction, peer_identity FROM access_log ORDER BY line", "--json", "--db", db,
        ]))
        #expect(rows.map { $0["status"] as? Int } == [200, 503])
        #expect(rows.map { $0["duration_ms"] as? Int } == [12, 3])
        #expect(rows.map { $0["direction"] as? String } == ["inbound", "inbound"])
        #expect(rows.first?["peer_identity"] as? String == Self.frontend)
    }

    @Test func meaningsInPlainWords() {
        #expect(CallerIdentity.meaning(Self.frontend) == "mTLS with a verified client certificate: service account frontend of namespace lms (trust domain cluster.local)")
        #expect(CallerIdentity.meaning("spiffe://example.org/payments,spiffe://cluster.local/ns/a/sa/b")?.contains("SPIFFE identity spiffe://example.org/payments; service account b") == true)
        #expect(TLSClass.meaning(TLSClass.mesh.rawValue)?.contains("spiffe://") == true)
    }
}
