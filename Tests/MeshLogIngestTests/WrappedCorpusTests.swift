import Foundation
import Testing
import MeshLogCore
import MeshLogIngest
import MeshLogStore

/// The shared corpus of real files beside the package, or nil.
let corpusRoot: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus").path
    return FileManager.default.fileExists(atPath: root) ? root : nil
}()

@Suite("Wrapped real logs", .enabled(if: corpusRoot != nil))
struct WrappedCorpusTests {
    @Test func kubectlTimestampedWaypointLog() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("t.db")
        let summary = try ingest([corpusRoot! + "/kiali-istio/logs/waypoint.log"], db: db)
        #expect(summary.reports.first?.format == "kubectl+istio")
        #expect(summary.recordsStored == 16)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT logged_at FROM access_log WHERE line = 1") == "2025-01-30T12:10:13.682Z")
        #expect(try reader.scalar("SELECT start_time FROM access_log WHERE line = 1") == "2025-01-30T12:10:13.279Z")
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE service = 'details'").int64 ?? 0 > 0)
    }

    @Test func composeWrappedCustomFormat() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("t.db")
        let options = IngestOptions(format: try .parse("@" + corpusRoot! + "/envoy-renuka-fernando-examples/FORMAT.txt"))
        let summary = try ingest([corpusRoot! + "/envoy-renuka-fernando-examples/README.md.envoy-lines.log"], db: db, options: options)
        #expect(summary.recordsStored == 10)
        #expect(summary.linesRejected == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        let flags = try reader.rows("SELECT coalesce(flags, '-') FROM access_log ORDER BY line").map { $0[0].string ?? "" }
        #expect(flags == ["UT", "UH", "UF", "UPE", "UO", "-", "NC", "URX", "DC", "SI"])
        #expect(try reader.scalar("SELECT logged_at FROM access_log WHERE line = 1") == "2024-07-20T07:05:58.671Z")
    }

    @Test func ztunnelLinesAreNotMistakenForEnvoyLogs() throws {
        let dir = try TemporaryDirectory()
        let summary = try ingest([corpusRoot! + "/kiali-istio/logs/ztunnel.log"], db: dir.path("t.db"))
        // Ambient ztunnel writes L4 key=value records, not Envoy format: nothing is stored as an access log.
        #expect(summary.recordsStored == 0)
        #expect(summary.reports.first?.state == .noAccessLogs)
    }
}
