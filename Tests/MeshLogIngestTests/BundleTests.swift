import Foundation
import Testing
import MeshLogCore
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
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-czf", tarball, "-C", dir.path("dump"), "var"]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)

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
