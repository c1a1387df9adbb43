import MeshLogGenerate
import Foundation
import Testing
@testable import MeshLogCore
@testable import MeshLogIngest
import MeshLogStore

@Suite("Access-log ingest")
struct IngestTests {
    @Test func storesEveryPresetSampleWithDetectedFormats() throws {
        let dir = try TemporaryDirectory()
        var paths: [String] = []
        for preset in FormatCatalog.presets {
            paths.append(try dir.write("\(preset.name).log", preset.samples.joined(separator: "\n") + "\n"))
        }
        let db = dir.path("t.db")
        let summary = try ingest(paths, db: db)
        let expected = FormatCatalog.presets.reduce(0) { $0 + $1.samples.count }
        #expect(summary.recordsStored == expected)
        #expect(summary.linesRejected == 0)
        #expect(summary.reports.map(\.format) == FormatCatalog.presets.map(\.name))
        #expect(try scalar(db, "SELECT count(*) FROM access_log").int64 == Int64(expected))
    }

    @Test func httpAndTcpLinesOfOneProxyAreBothStored() throws {
        let dir = try TemporaryDirectory()
        var paths: [String] = []
        for (http, tcp) in [("kuma", "kuma-tcp"), ("istio-1.0-tcp", "istio-1.0")] {
            let a = try #require(FormatCatalog.preset(named: http)), b = try #require(FormatCatalog.preset(named: tcp))
            #expect(a.companion == tcp && b.companion == http)
            // Mostly the first preset's lines, so detection picks it; the companion takes the others.
            let lines = a.samples + a.samples + [b.samples[0]] + a.samples + [b.samples[1]]
            paths.append(try dir.write("\(http).log", lines.joined(separator: "\n") + "\n"))
        }
        let db = dir.path("t.db")
        let summary = try ingest(paths, db: db)
        #expect(summary.reports.map(\.format) == ["kuma", "istio-1.0-tcp"])
        #expect(summary.linesRejected == 0)
        #expect(summary.recordsStored == 16)
        #expect(try scalar(db, "SELECT count(*) FROM access_log WHERE upstream_host = '10.244.0.31:5432' AND duration_ms = 1").int64 == 1)
        #expect(try scalar(db, "SELECT count(*) FROM access_log WHERE protocol = 'HTTP/1.1' AND path = '/productpage'").int64 == 1)
    }

    @Test func viewRoundTripsIdsAddressesAndDerivedColumns() throws {
        let dir = try TemporaryDirectory()
        let preset = try #require(FormatCatalog.preset(named: "istio"))
        let path = try dir.write("course-v2-7c9d8f6b5-x2kqp.log", preset.samples.joined(separator: "\n"))
        let db = dir.path("t.db")
        try ingest([path], db: db)
        let reader = try SQLiteStore.openForReading(path: db)
        let rows = try reader.rows("""
            SELECT reporter, direction, service, namespace, subset, route, request_id, upstream_local, downstream_remote,
                   start_time, start_us, flags, status, upstream_ms, source, line, protocol, details
            FROM access_log ORDER BY line
            """)
        #expect(rows.count == 5)
        let out = rows[0], inb = rows[1], uf = rows[2], ipv6 = rows[3], tcp = rows[4]
        #expect(out[0] == "course-v2-7c9d8f6b5-x2kqp")
        #expect(out[1] == "outbound")
        #expect(out[2] == "course")
        #expect(out[3] == "lms")
        #expect(out[4] == "v2")
        #expect(out[5] == "/courses/{id}/lessons/{id}")
        #expect(out[6] == "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08")
        #expect(out[7] == "10.244.1.9:51234")
        #expect(out[9] == "2026-11-25T09:14:03.517Z")
        #expect(out[10] == .integer(1_795_598_043_517_000))
        #expect(out[14] == .text(path))
        #expect(out[15] == 1)
        #expect(inb[1] == "inbound")
        #expect(inb[2] == "course")
        #expect(inb[4] == "v2")
        // The hop's join key survives the compact storage.
        #expect(inb[8] == out[7])
        #expect(uf[11] == "UF,URX")
        #expect(uf[12] == 503)
        #expect(uf[13] == .null)
        #expect(uf[7] == .null)
        #expect(ipv6[8] == "[fd00:10:244::9]:55102")
        #expect(ipv6[12] == 0)
        #expect(tcp[16] == .null)
        #expect(tcp[12] == 0)
        let flagRows = try reader.rows("SELECT flag, long_name FROM access_log_flag ORDER BY flag")
        #expect(flagRows == [["DC", "DownstreamConnectionTermination"], ["UF", "UpstreamConnectionFailure"], ["URX", "UpstreamRetryLimitExceeded"]])
    }

    @Test func pathsWithIdsAreKeptInlineAndReadTheSameThroughTheViews() throws {
        let dir = try TemporaryDirectory()
        let static1 = IstioLines.outbound(1).replacingOccurrences(of: "GET /courses/1/lessons/1 ", with: "GET /healthz ")
        let static2 = IstioLines.outbound(2).replacingOccurrences(of: "GET /courses/2/lessons/2 ", with: "GET /healthz ")
        let db = dir.path("t.db")
        try ingest([try dir.write("a.log", [IstioLines.outbound(7), static1, IstioLines.outbound(8), static2].joined(separator: "\n") + "\n")], db: db)
        let reader = try SQLiteStore.openForReading(path: db)
        // A path with ids in it is stored as text; a path without, once in `dict`, by id.
        #expect(try reader.rows("SELECT typeof(path) FROM log_row ORDER BY id") == [["text"], ["integer"], ["text"], ["integer"]])
        #expect(try reader.scalar("SELECT count(*) FROM dict WHERE value LIKE '/courses/%/lessons/%' AND value NOT LIKE '%{id}%'").int64 == 0)
        #expect(try reader.rows("SELECT path, route FROM access_log ORDER BY id") == [
            ["/courses/7/lessons/7", "/courses/{id}/lessons/{id}"], ["/healthz", "/healthz"],
            ["/courses/8/lessons/8", "/courses/{id}/lessons/{id}"], ["/healthz", "/healthz"],
        ])
        // `slow` reads each request's lines through its own SQL (not the view).
        let slow = try SQLiteAnswerReader(db: reader).slowRequests(limit: 4, filter: AnswerFilter())
        #expect(Set(slow.flatMap { $0.lines }.compactMap { $0.path }) == ["/courses/7/lessons/7", "/courses/8/lessons/8", "/healthz"])
    }

    @Test func sameContentTwiceStoresNothingTwice() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("a.log", IstioLines.file(500))
        let db = dir.path("t.db")
        let first = try ingest([path], db: db)
        #expect(first.recordsStored == 500)
        let second = try ingest([path], db: db)
        #expect(second.recordsStored == 0)
        #expect(second.filesSkipped == 1)
        #expect(second.reports.first?.state == .alreadyIngested)
        // The same content gzipped, under another name, is recognised by its content.
        let gz = try gzip(path)
        let third = try ingest([gz], db: db)
        #expect(third.reports.first?.state == .duplicate)
        #expect(try scalar(db, "SELECT count(*) FROM access_log").int64 == 500)
        #expect(try scalar(db, "SELECT count(DISTINCT request_id) FROM access_log").int64 == 500)
    }

    @Test func truncatedGzipKeepsWhatDecodedAndSaysWhereItBroke() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("big.log", IstioLines.file(20_000))
        let gz = try gzip(path)
        let data = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = dir.path("cut.log.gz")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let db = dir.path("t.db")
        let summary = try ingest([cut], db: db)
        let report = try #require(summary.reports.first)
        #expect(report.error?.contains("cut.log.gz") == true)
        #expect(report.records > 5_000)
        #expect(report.records < 20_000)
        // Every stored row is a complete, correct line from the start of the file.
        #expect(try scalar(db, "SELECT max(line) FROM access_log").int64 == Int64(report.records))
        #expect(try scalar(db, "SELECT count(*) FROM access_log WHERE status = 200 AND duration_ms BETWEEN 5 AND 44").int64 == Int64(report.records))
    }

    @Test func garbageFileIsReportedAndLosesNoGoodData() throws {
        let dir = try TemporaryDirectory()
        let good = try dir.write("good.log", IstioLines.file(100))
        var bytes = [UInt8](repeating: 0, count: 5000)
        for i in bytes.indices { bytes[i] = UInt8((i * 7919) % 251) | 1 }
        let garbage = dir.path("garbage.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: garbage))
        let db = dir.path("t.db")
        let summary = try ingest([garbage, good], db: db)
        #expect(summary.recordsStored == 100)
        let bad = try #require(summary.reports.first { $0.path == garbage })
        #expect(bad.state == .noAccessLogs)
        #expect(bad.error?.contains("istio") == true)
        #expect(bad.rejected == bad.lines)
        #expect(try scalar(db, "SELECT count(*) FROM rejected").int64 == Int64(bad.rejected))
    }

    @Test func badLinesAreRejectedWithReasonAndOwnLogsSkipped() throws {
        let dir = try TemporaryDirectory()
        var lines = (0..<50).map { IstioLines.outbound($0) }
        lines.insert("2026-11-25T10:00:00.000000Z\tinfo\tEnvoy proxy is ready", at: 3)
        lines.insert("[2026-11-25 10:00:01.000][15][warning][config] gRPC config stream closed", at: 10)
        lines.insert("this is not an access log", at: 20)
        lines.insert(#"[2026-11-25T10:00:00.000Z] "GET / HTTP/1.1" twohundred -"#, at: 30)
        let path = try dir.write("mixed.log", lines.joined(separator: "\r\n"))  // CRLF and no final newline
        let db = dir.path("t.db")
        let summary = try ingest([path], db: db)
        #expect(summary.recordsStored == 50)
        #expect(summary.linesSkipped == 2)
        #expect(summary.linesRejected == 2)
        let reader = try SQLiteStore.openForReading(path: db)
        let rejected = try reader.rows("SELECT line, reason, text FROM rejected ORDER BY line")
        #expect(rejected.map(\.[0]) == [21, 31])
        #expect(rejected[0][1].string?.contains("istio") == true)
        #expect(rejected[0][2] == "this is not an access log")
        // The last line (no newline at the end) is stored.
        #expect(try reader.scalar("SELECT max(line) FROM access_log").int64 == 54)
    }

    @Test func explicitFormatStringAndStdinReporter() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("custom.log", "1764057600.250 GET /a 200 12\n1764057601.500 POST /b 503 7\n")
        let db = dir.path("t.db")
        let options = IngestOptions(format: try .parse("%START_TIME(%s.%3f)% %REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %DURATION%"), reporter: "edge-1")
        let summary = try ingest([path], db: db, options: options)
        #expect(summary.recordsStored == 2)
        let rows = try SQLiteStore.openForReading(path: db).rows("SELECT reporter, start_us, method, status, duration_ms FROM access_log ORDER BY line")
        #expect(rows == [["edge-1", 1_764_057_600_250_000, "GET", 200, 12], ["edge-1", 1_764_057_601_500_000, "POST", 503, 7]])
        #expect(throws: IngestError.self) { _ = try IngestOptions.FormatChoice.parse("nosuchpreset") }
    }
}

@Suite("Ingest of a generated mesh dump")
struct GeneratedDumpTests {
    @Test func everyPodFileOfAGeneratedDumpIngestsWithDestinations() throws {
        let dir = try TemporaryDirectory()
        let options = GeneratorOptions(lines: 4000, seed: 11, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 3600, errorRateScale: 1, format: .istio, diurnal: false)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        let writer = try GeneratedLogSplitWriter(directory: dir.path("dump"), gzip: false)
        var outbound = 0, inbound = 0, total = 0
        try generator.forEachLineInCompletionOrder { line in
            try writer.write(line)
            total += 1
            if line.text.contains(" outbound|") { outbound += 1 }
            if line.text.contains(" inbound|") { inbound += 1 }
        }
        try writer.finish()
        let db = dir.path("t.db")
        let summary = try ingest([dir.path("dump")], db: db)
        #expect(summary.files == writer.filePaths.count)
        #expect(summary.files > 5)
        #expect(summary.recordsStored == total)
        #expect(summary.linesRejected == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'outbound'").int64 == Int64(outbound))
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'inbound'").int64 == Int64(inbound))
        // Every in-mesh hop has a destination service, and canary traffic keeps its subset on both sides.
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE direction IS NOT NULL AND service IS NULL AND flags IS NOT 'NR'").int64 == 0)
        let v2Out = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'outbound' AND service = 'course' AND subset = 'v2'").int64 ?? 0
        let v2In = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'inbound' AND service = 'course' AND subset = 'v2'").int64 ?? 0
        #expect(v2Out > 0)
        #expect(v2In > 0)
        // Pods are named by workload, and each side of a hop names the other side's workload,
        // learned from the addresses pods serve on.
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE workload IS NULL").int64 == 0)
        #expect(try reader.scalar("SELECT count(DISTINCT workload) FROM access_log WHERE workload = 'course-v2'").int64 == 1)
        let outboundToPods = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'outbound' AND upstream_host IS NOT NULL AND service <> 'frontend'").int64 ?? 0
        let named = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'outbound' AND upstream_host IS NOT NULL AND service <> 'frontend' AND destination_workload LIKE service || '-v%'").int64 ?? 0
        #expect(outboundToPods > 0)
        #expect(named == outboundToPods)
        let inboundFromMesh = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'inbound' AND service <> 'frontend'").int64 ?? 0
        let sourced = try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'inbound' AND service <> 'frontend' AND source_workload IS NOT NULL").int64 ?? 0
        #expect(sourced == inboundFromMesh)
        // One request keeps one id across every pod's file.
        #expect(try reader.scalar("SELECT count(*) FROM request").int64 == Int64(generator.requestsGenerated))
    }
}
