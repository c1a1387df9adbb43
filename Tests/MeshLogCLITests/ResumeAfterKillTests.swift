import Foundation
import MeshLogTestSupport
import Testing
import MeshLogStore

@Suite("Resume after a kill", .enabled(if: MeshLogBinary.url != nil))
struct ResumeAfterKillTests {
    @Test func killedIngestResumesWithoutDuplicatesOrGaps() throws {
        let dir = try TemporaryDirectory()
        let total = 60_000
        let path = try dir.write("course-v1.log", IstioLines.file(total))
        let db = dir.path("t.db")
        let first = try MeshLogBinary.start(["ingest", path, "--db", db, "--quiet", "--batch-size", "1000"])
        // Wait until at least one batch has committed, then kill without warning.
        var committed = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, first.isRunning {
            if FileManager.default.fileExists(atPath: db),
               let reader = try? Database(path: db, readOnly: true),
               let n = try? reader.scalar("SELECT coalesce(sum(lines_read), 0) FROM source").int64, n > 0 {
                committed = Int(n)
                break
            }
            usleep(2_000)
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(committed > 0)
        #expect(committed < total, "the kill came after the whole file was stored; make the file bigger")

        // Rows and progress committed together: what is stored is exactly lines 1...lines_read.
        let afterKill = try SQLiteStore.openForReading(path: db)
        let progress = try afterKill.scalar("SELECT lines_read FROM source").int64 ?? -1
        #expect(try afterKill.scalar("SELECT count(*) FROM log_entry").int64 == progress)
        #expect(try afterKill.scalar("SELECT coalesce(max(line), 0) FROM log_entry").int64 == progress)

        let second = try MeshLogBinary.start(["ingest", path, "--db", db, "--quiet"])
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM log_entry").int64 == Int64(total))
        #expect(try reader.scalar("SELECT count(DISTINCT line) FROM log_entry").int64 == Int64(total))
        #expect(try reader.scalar("SELECT min(line) || '-' || max(line) FROM log_entry") == .text("1-\(total)"))
        #expect(try reader.scalar("SELECT count(DISTINCT request_id) FROM access_log").int64 == Int64(total))
        #expect(try reader.scalar("SELECT group_concat(state) FROM source") == "done")
        // Every secondary index is in place.
        #expect(try reader.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'log_row_%'").int64 == 3)
        // The summaries count every stored line once, whatever the kill left half-written.
        for table in ["summary_minute", "summary_hour", "summary_hour_latency"] {
            #expect(try reader.scalar("SELECT sum(requests) FROM \(table)").int64 == Int64(total), "\(table)")
        }
        #expect(try reader.scalar("SELECT hist_count(hist_merge(duration)) FROM summary_minute").int64 == Int64(total))
    }
}
