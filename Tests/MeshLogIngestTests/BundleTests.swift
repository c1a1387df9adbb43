import Foundation
import Testing
import MeshLogCore
import MeshLogGenerate
import MeshLogStore

@Suite("Cluster dump bundles")
struct BundleTests {
    @Test func tarGzLaidOutLikeVarLogPodsWithCRIWrappedLines() throws {
        let dir = try TemporaryDirectory()
        let options = GeneratorOptions(lines: 3000, seed: 5, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 600, errorRateScale: 1, format: .istio, diurnal: false)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var perPod: [String: [String]] = [:]
        generator.forEachLineInCompletionOrder { line in
            perPod[line.pod, default: []].append(line.text)
        }
        var total = 0
        for (pod, lines) in perPod {
            var text = ""
            for (i, line) in lines.enumerated() {
                // CRI wrapping, with one long line split into a P and an F fragment.
                let time = "2026-11-25T00:10:\(String(format: "%02d", i % 60)).\(100_000 + i)Z"
                if i == 3 {
                    let half = line.count / 2
                    text += "\(time) stdout P \(line.prefix(half))\n\(time) stdout F \(line.dropFirst(half))\n"
                } else {
                    text += "\(time) stdout F \(line)\n"
                }
                if i == 5 { text += "\(time) stderr F 2026-11-25T00:10:00.000000Z\tinfo\tEnvoy proxy is ready\n" }
            }
            try dir.write("dump/var/log/pods/lms_\(pod)_6f1c2d3e-0000-4000-8000-000000000001/istio-proxy/0.log", text)
            total += lines.count
        }
        let tarball = dir.path("bundle.tar.gz")
        #expect(try runTool("/usr/bin/tar", ["-czf", tarball, "-C", dir.path("dump"), "var"]).status == 0)

        let db = dir.path("t.db")
        let summary = try ingest([tarball], db: db)
        #expect(summary.recordsStored == total)
        #expect(summary.linesRejected == 0)
        #expect(summary.linesSkipped == perPod.count)
        #expect(Set(summary.reports.compactMap(\.format)) == ["cri+istio"])
        let reader = try SQLiteStore.openForReading(path: db)
        let reporters = Set(try reader.rows("SELECT DISTINCT reporter FROM access_log").compactMap { $0[0].string })
        #expect(reporters == Set(perPod.keys))
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE source LIKE '%bundle.tar.gz:var/log/pods/lms_%/istio-proxy/0.log'").int64 == Int64(total))
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE logged_at IS NULL").int64 == 0)
        // Re-ingesting the bundle stores nothing twice.
        let again = try ingest([tarball], db: db)
        #expect(try reader.scalar("SELECT count(*) FROM log_entry").int64 == Int64(total))
        #expect(again.recordsStored == 0)
    }
}

@Suite("Rotated files")
struct RotatedFileTests {
    @Test func rotatedGenerationsIngestAsOneStreamInTimeOrderUnderOnePod() throws {
        let dir = try TemporaryDirectory()
        let pod = "var/log/pods/lms_course-v1-7c9d8f6b5-x2kqp_1234/istio-proxy"
        try dir.write("\(pod)/0.log", IstioLines.file(100, from: 200))
        try dir.write("\(pod)/0.log.20261125-101500", IstioLines.file(100, from: 100))
        let oldest = try dir.write("\(pod)/0.log.20261125-091500", IstioLines.file(100, from: 0))
        _ = try gzip(oldest)
        try FileManager.default.removeItem(atPath: oldest)
        let db = dir.path("t.db")
        let summary = try ingest([dir.path("var")], db: db)
        #expect(summary.reports.map { String($0.path.split(separator: "/").last!) } == ["0.log.20261125-091500.gz", "0.log.20261125-101500", "0.log"])
        #expect(summary.recordsStored == 300)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(DISTINCT reporter) || ' ' || min(reporter) FROM access_log") == "1 course-v1-7c9d8f6b5-x2kqp")
        // Row order follows the stream: ids increase with the request index written into the files.
        let ids = try reader.rows("SELECT request_id FROM access_log ORDER BY id").compactMap { $0[0].string }
        #expect(ids.first?.hasPrefix("00000000-") == true)
        #expect(ids.last?.hasPrefix(String(format: "%08x-", 299)) == true)
    }
}

@Suite("One writer pipeline for a whole run")
struct RunPipelineTests {
    /// A tar of `members` (path inside the archive, text), gzipped.
    static func tarball(_ dir: TemporaryDirectory, _ members: [(String, String)]) throws -> String {
        for (path, text) in members { try dir.write("dump/\(path)", text) }
        let tarball = dir.path("bundle.tar.gz")
        #expect(try runTool("/usr/bin/tar", ["-czf", tarball, "-C", dir.path("dump")] + members.map(\.0)).status == 0)
        return tarball
    }

    @Test func filesFinishedBehindTheirRowsAreReportedInOrderAndDuplicatesTakenOut() throws {
        let dir = try TemporaryDirectory()
        // Members are written while the next is parsed: the second is the first again (a
        // duplicate found only when its source is finished), and the third is new.
        let tarball = try Self.tarball(dir, [
            ("a/0.log", IstioLines.file(3000)),
            ("b/0.log", IstioLines.file(3000)),
            ("c/0.log", IstioLines.file(2000, from: 3000)),
        ])
        let db = dir.path("t.db")
        let summary = try ingest([tarball], db: db)
        #expect(summary.reports.map(\.path) == ["\(tarball):a/0.log", "\(tarball):b/0.log", "\(tarball):c/0.log"])
        #expect(summary.reports.map(\.state) == [.ingested, .duplicate, .ingested])
        #expect(summary.reports.map(\.records) == [3000, 0, 2000])
        #expect(summary.recordsStored == 5000)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM log_row").int64 == 5000)
        #expect(try reader.rows("SELECT id, state FROM source ORDER BY id") == [[1, "done"], [2, "duplicate"], [3, "done"]])
        // The summaries lost the duplicate's lines again.
        #expect(try reader.scalar("SELECT sum(requests) FROM summary_minute").int64 == 5000)
    }

    @Test func spanFilesBetweenLogFilesKeepTheirOwnSources() throws {
        let dir = try TemporaryDirectory()
        let zipkin = """
            [{"traceId":"5af7183fb1d4cf5f","id":"6b221d5bc9e6496c","name":"get /api","timestamp":1764028800000000,"duration":2000,
              "localEndpoint":{"serviceName":"frontend"},"kind":"SERVER","tags":{"http.status_code":"200"}}]
            """
        let paths = [try dir.write("1.log", IstioLines.file(800)), try dir.write("2.json", zipkin),
                     try dir.write("3.log", IstioLines.file(700, from: 800))]
        let db = dir.path("t.db")
        let summary = try ingest(paths, db: db)
        #expect(summary.recordsStored == 1500)
        #expect(summary.spansStored == 1)
        #expect(summary.reports.map(\.state) == [.ingested, .ingested, .ingested])
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.rows("SELECT id, path, state FROM source ORDER BY id").map { [$0[1], $0[2]] }
                == paths.map { [SQLValue.text($0), "done"] })
        #expect(try reader.rows("SELECT source_id, count(*) FROM log_row GROUP BY 1 ORDER BY 1") == [[1, 800], [3, 700]])
    }

    @Test func timeRangesAreReadThroughTheDestinationIndexOnceIngestHasSampledIt() throws {
        let dir = try TemporaryDirectory()
        let options = GeneratorOptions(lines: 4000, seed: 9, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 3600, errorRateScale: 1, format: .istio, diurnal: false)
        var text = ""
        TrafficGenerator(topology: .learningPlatform, options: options).forEachLineInCompletionOrder { text += $0.text + "\n" }
        let db = dir.path("t.db")
        _ = try ingest([try dir.write("mesh.log", text)], db: db)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'log_row_dest_start'").int64 == 1)
        let lo = GeneratorOptions.defaultStartMicros + 600_000_000, hi = lo + 900_000_000
        let plan = try reader.rows("EXPLAIN QUERY PLAN SELECT count(*) FROM log_row WHERE start_us >= \(lo) AND start_us < \(hi)")
            .compactMap { $0[3].string }.joined(separator: " ")
        #expect(plan.contains("log_row_dest_start"))
        #expect(plan.contains("ANY(dest)"))
        // The first and last start, without a start_us index.
        let bounds = try reader.rows(StoreSchema.startBounds)[0]
        #expect(bounds == (try reader.rows("SELECT min(start_us), max(start_us) FROM log_row NOT INDEXED")[0]))
    }
}
