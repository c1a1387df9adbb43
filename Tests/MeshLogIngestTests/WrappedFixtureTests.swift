import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import Testing

/// Wrapped logs from `Tests/Fixtures/logs` ingest end to end: the corpus suite's shapes, on any clone.
@Suite("Wrapped fixture logs")
struct WrappedFixtureTests {
    /// A waypoint's log behind `kubectl logs --timestamps` is detected as kubectl+istio and stored row by row.
    @Test func kubectlTimestampedWaypointLog() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("t.db")
        let summary = try ingest([Fixtures.path("logs/kubectl-waypoint.log")], db: db)
        #expect(summary.reports.first?.format == "kubectl+istio")
        #expect(summary.recordsStored == 4)
        #expect(summary.linesRejected == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        let rows = try reader.rows("""
            SELECT logged_at, start_time, method, status, flags, duration_ms, request_id, upstream_cluster, service, upstream_host
            FROM access_log ORDER BY line
            """)
        #expect(rows.count == 4)
        #expect(rows[0] == [
            "2026-03-02T16:20:05.913Z", "2026-03-02T16:20:05.511Z", "GET", 200, .null, 3, "2d3c4b5a-6978-4a1b-9c2d-3e4f5a6b7c8d",
            "inbound-vip|8080|http|pricing.shop.svc.cluster.local", "pricing", "envoy://connect_originate/10.60.0.21:8080",
        ])
        // The last line has no newline after it and is stored all the same.
        #expect(rows[3][3] == 503)
        #expect(rows[3][4] == "UF")
        #expect(rows[3][5] == 12)
        #expect(rows.map { $0[8] } == ["pricing", "pricing", "stock", "catalog"])
        #expect(rows[1][1] == "2026-03-02T16:19:58.042Z")
        #expect(try reader.scalar("SELECT count(DISTINCT request_id) FROM access_log").int64 == 3)
    }

    /// A custom format given with `--format @file` parses lines behind `docker compose logs -t`, one per flag.
    @Test func composeWrappedCustomFormat() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("t.db")
        let options = IngestOptions(format: try .parse("@" + Fixtures.path("logs/custom-format.txt")))
        let summary = try ingest([Fixtures.path("logs/compose-custom.log")], db: db, options: options)
        #expect(summary.recordsStored == 10)
        #expect(summary.linesRejected == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        let flags = try reader.rows("SELECT coalesce(flags, '-') FROM access_log ORDER BY line").map { $0[0].string ?? "" }
        #expect(flags == ["UT", "UH", "UF", "UPE", "UO", "-", "NC", "URX", "DC", "SI"])
        let first = try reader.rows("""
            SELECT logged_at, start_time, method, path, status, details, duration_ms, upstream_ms, request_id, upstream_cluster
            FROM access_log WHERE line = 1
            """)
        #expect(first == [[
            "2026-03-02T15:00:15.204Z", "2026-03-02T15:00:00.200Z", "GET", "/reports/daily", 504, "response_timeout", 15001, .null,
            "0a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01", "reports",
        ]])
        #expect(try reader.scalar("SELECT details FROM access_log WHERE line = 3")
            == "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
        #expect(try reader.scalar("SELECT upstream_ms FROM access_log WHERE line = 6") == 3107)
        #expect(try reader.scalar("SELECT upstream_cluster FROM access_log WHERE line = 7") == .null)
    }

    /// Ambient ztunnel writes L4 key=value records, not Envoy format: nothing is stored as an access log.
    @Test func ztunnelLinesAreNotMistakenForEnvoyLogs() throws {
        let dir = try TemporaryDirectory()
        let summary = try ingest([Fixtures.path("logs/ztunnel.log")], db: dir.path("t.db"))
        #expect(summary.recordsStored == 0)
        #expect(summary.reports.first?.state == .noAccessLogs)
        // The error says what they are instead of only that no format matched.
        #expect(summary.reports.first?.error?.hasPrefix("these are ztunnel's connection records (Istio ambient mode's L4 proxy") == true,
                "\(summary.reports.first?.error ?? "")")
    }
}
