import Foundation
import Testing
import MeshLogCore
@testable import MeshLogIngest
import MeshLogStore

/// Files no preset fits: the ingest infers their format, or rejects them with the best candidate.
@Suite("Inferred formats in the ingest")
struct InferredFormatIngestTests {
    /// Envoy's default with `%RESPONSE_CODE_DETAILS%` after the flags and a tenant header after the request id.
    static let lines = [
        #"[2026-11-25T08:00:00.125Z] "GET /courses/42?x=1 HTTP/1.1" 200 - via_upstream 0 2291 14 13 "-" "curl/8.5.0" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08" "acme" "lms.example.com" "10.244.0.30:8080""#,
        #"[2026-11-25T08:00:01.900Z] "POST /payments HTTP/2" 503 UF,URX upstream_reset_before_response_started{connection_failure} 412 91 3004 - "203.0.113.7" "enrollment/2.4.1" "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b" "globex" "payment.lms.svc.cluster.local:8080" "10.244.3.5:8080""#,
        #"[2026-11-25T08:00:02.001Z] "GET /healthz HTTP/1.1" 404 NR route_not_found 0 0 1 - "-" "kube-probe/1.29" "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d" "-" "lms.example.com" "-""#,
    ]

    static let expectedFormat = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%UNNAMED_1%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%""#

    /// Collects the formats the ingest reports.
    final class Events: @unchecked Sendable {
        var chosen: [(format: String, matched: Int, sampled: Int, inferred: String?)] = []
    }

    @Test func anInferredFileIsStoredFieldByField() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("custom.log", Self.lines.joined(separator: "\n") + "\n")
        let db = dir.path("t.db")
        let events = Events()
        let ingester = try Ingester(db: try SQLiteStore.openForWriting(path: db), options: IngestOptions())
        let summary = try ingester.run(try InputDiscovery.expand([path])) { event in
            if case .formatChosen(_, let format, let matched, let sampled, let inferred) = event {
                events.chosen.append((format, matched, sampled, inferred))
            }
        }
        #expect(summary.reports.map(\.format) == ["inferred"])
        #expect(summary.recordsStored == 3 && summary.linesRejected == 0)
        let chosen = try #require(events.chosen.first)
        #expect(chosen.format == "inferred" && chosen.matched == 3 && chosen.sampled == 3)
        #expect(chosen.inferred == Self.expectedFormat)

        let rows = try SQLiteStore.openForReading(path: db).rows("""
            SELECT start_time, method, path, protocol, status, flags, details, bytes_received, bytes_sent, duration_ms,
                   upstream_ms, x_forwarded_for, user_agent, request_id, authority, upstream_host, extra
            FROM access_log ORDER BY line
            """)
        #expect(rows.count == 3)
        let ok = rows[0], failed = rows[1], notFound = rows[2]
        let okExpected: [SQLValue] = [
            "2026-11-25T08:00:00.125Z", "GET", "/courses/42?x=1", "HTTP/1.1", 200, .null, "via_upstream", 0, 2291, 14,
            13, .null, "curl/8.5.0", "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08", "lms.example.com", "10.244.0.30:8080",
        ]
        #expect(Array(ok.prefix(16)) == okExpected)
        let failedExpected: [SQLValue] = [
            "2026-11-25T08:00:01.900Z", "POST", "/payments", "HTTP/2", 503, "UF,URX",
            "upstream_reset_before_response_started{connection_failure}", 412, 91, 3004, .null, "203.0.113.7",
            "enrollment/2.4.1", "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b", "payment.lms.svc.cluster.local:8080", "10.244.3.5:8080",
        ]
        #expect(Array(failed.prefix(16)) == failedExpected)
        #expect(notFound[4] == 404 && notFound[5] == "NR" && notFound[6] == "route_not_found" && notFound[15] == .null)
        // The column no operator explains is kept in `extra` under its placeholder's name.
        #expect(ok[16].string?.contains("UNNAMED_1") == true && ok[16].string?.contains("acme") == true)
        #expect(failed[16].string?.contains("globex") == true)
    }

    @Test func aBareLeadingTimeIsTheFormatsOwnNotAKubectlPrefix() throws {
        let dir = try TemporaryDirectory()
        let bare = Self.lines.map { line in line.dropFirst().replacingOccurrences(of: "] \"", with: " \"") }
        let path = try dir.write("bare.log", bare.joined(separator: "\n") + "\n")
        let db = dir.path("t.db")
        let summary = try ingest([path], db: db)
        #expect(summary.reports.map(\.format) == ["inferred"])
        #expect(summary.recordsStored == 3)
        let rows = try SQLiteStore.openForReading(path: db).rows("SELECT start_time, method, status FROM access_log ORDER BY line")
        #expect(rows.first == ["2026-11-25T08:00:00.125Z", "GET", 200])
    }

    @Test func anUnsureInferenceRejectsTheFileWithTheBestCandidate() throws {
        let dir = try TemporaryDirectory()
        // Two columns could be the status and nothing says which.
        let lines = (0..<6).map { "[2026-11-25T08:00:0\($0)Z] host\($0).example.com:80 \(200 + $0) \(300 + $0) 12" }
        let path = try dir.write("odd.log", lines.joined(separator: "\n") + "\n")
        let summary = try ingest([path], db: dir.path("t.db"))
        let report = try #require(summary.reports.first)
        #expect(report.state == .noAccessLogs && report.records == 0 && report.rejected == 6)
        let error = try #require(report.error)
        #expect(error.contains("an inferred format is unsure"))
        #expect(error.contains("status"))
        #expect(error.contains("best candidate: --format '[%START_TIME%] "))
    }

    @Test func garbageIsRejectedWithoutACandidate() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("notes.log", "hello there\nthis is not an access log\n")
        let summary = try ingest([path], db: dir.path("t.db"))
        let report = try #require(summary.reports.first)
        #expect(report.state == .noAccessLogs)
        #expect(report.error?.contains("best candidate") == false)
    }
}
