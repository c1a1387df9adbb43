import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import Testing

/// Lines that are almost right are stored on a second try, counted, and keep their values.
///
/// Almost right: trailing blanks, another wrapper or format than the file's first lines, a shipper's prefix.
@Suite("Almost-right lines")
struct AlmostRightLineTests {
    /// The columns checked on every stored row.
    static let columns = "logged_at, start_time, method, path, status, flags, duration_ms, request_id, upstream_cluster, route_name"

    /// The row `IstioLines.outbound(i)` must become, with the `logged_at` given.
    static func expected(_ i: Int, loggedAt: SQLValue = .null) -> [SQLValue] {
        let time = String(format: "2026-11-25T10:%02d:%02d.%03dZ", (i / 60) % 60, i % 60, i % 1000)
        return [loggedAt, .text(time), "GET", .text("/courses/\(i % 97)/lessons/\(i)"), 200, .null, .integer(Int64(5 + i % 40)),
                .text(String(format: "%08x-0000-4000-8000-%012x", i, i)), "outbound|8080|v1|course.lms.svc.cluster.local", "default"]
    }

    /// Writes `lines` joined by newlines to a file and ingests it.
    static func ingestLines(_ lines: [String], in dir: TemporaryDirectory, name: String = "proxy.log") throws -> (IngestSummary, Database) {
        let path = dir.path(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let db = dir.path("t.db")
        let summary = try ingest([path], db: db)
        return (summary, try SQLiteStore.openForReading(path: db))
    }

    /// Trailing spaces and tabs, and CRLF line ends, do not cost a line.
    @Test func trailingBlanksAndCRLF() throws {
        let dir = try TemporaryDirectory()
        let ends = ["", " ", "\t", "\r", "  \t\r", " \r"]
        let lines = (0..<12).map { IstioLines.outbound($0) + ends[$0 % ends.count] }
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.reports.first?.format == "istio")
        #expect(summary.recordsStored == 12)
        #expect(summary.linesRejected == 0)
        // The format reads a line without its trailing blanks: no second try, and no tab in a value.
        #expect(summary.reports.first?.recovered == nil)
        let rows = try reader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line")
        #expect(rows == (0..<12).map { Self.expected($0) })

        // A file whose every line ends in blanks is detected all the same.
        let allDir = try TemporaryDirectory()
        let (all, allReader) = try Self.ingestLines((0..<5).map { IstioLines.outbound($0) + " \t\r" }, in: allDir)
        #expect(all.reports.first?.format == "istio")
        #expect(all.recordsStored == 5)
        #expect(try allReader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line") == (0..<5).map { Self.expected($0) })
    }

    /// A plain file with `ACCESS `-prefixed, CRI and kubectl lines among its plain ones; a CRI file with an `ACCESS ` line.
    @Test func mixedWrappers() throws {
        let dir = try TemporaryDirectory()
        var lines = (0..<10).map { IstioLines.outbound($0) }
        lines[6] = "ACCESS " + lines[6]
        lines[7] = "2026-11-25T10:00:07.500000000Z stdout F " + lines[7]
        lines[8] = "2026-11-25T10:00:08.250Z " + lines[8]
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.reports.first?.format == "istio")
        #expect(summary.recordsStored == 10)
        #expect(summary.linesRejected == 0)
        #expect(summary.reports.first?.recovered == {
            var r = LineRecovery()
            r.otherWrapper = 3
            return r
        }())
        let rows = try reader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line")
        var expected = (0..<10).map { Self.expected($0) }
        expected[7][0] = "2026-11-25T10:00:07.500Z"
        expected[8][0] = "2026-11-25T10:00:08.250Z"
        #expect(rows == expected)

        let criDir = try TemporaryDirectory()
        var cri = (0..<8).map { "2026-11-25T10:01:00.\(100 + $0)000000Z stdout F " + IstioLines.outbound($0) }
        cri[3] = "ACCESS " + IstioLines.outbound(3)
        let (criSummary, criReader) = try Self.ingestLines(cri, in: criDir)
        #expect(criSummary.reports.first?.format == "cri+istio")
        #expect(criSummary.recordsStored == 8)
        #expect(criSummary.reports.first?.recovered?.otherWrapper == 1)
        #expect(try criReader.rows("SELECT \(Self.columns) FROM access_log WHERE line = 4") == [Self.expected(3)])
        #expect(try criReader.scalar("SELECT logged_at FROM access_log WHERE line = 5") == "2026-11-25T10:01:00.104Z")
    }

    /// JSON-encoded records in an Istio text file are read with the JSON presets; a JSON status line is still skipped.
    @Test func jsonRecordsInTextFile() throws {
        let dir = try TemporaryDirectory()
        var lines = (0..<10).map { IstioLines.outbound($0) }
        lines[4] = #"{"start_time":"2026-11-25T10:00:04.004Z","method":"POST","path":"/enrollments","protocol":"HTTP/1.1","response_code":503,"response_flags":"UF,URX","duration":3004,"request_id":"6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b","upstream_cluster":"outbound|8080||enrollment.lms.svc.cluster.local","route_name":"default"}"#
        lines[7] = #"{"level":"info","time":"2026-11-25T10:00:07.000Z","msg":"Envoy proxy is ready"}"#
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.recordsStored == 9)
        #expect(summary.linesSkipped == 1)
        #expect(summary.linesRejected == 0)
        #expect(summary.reports.first?.recovered?.otherFormat == 1)
        let rows = try reader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line")
        var expected = (0..<10).filter { $0 != 7 }.map { Self.expected($0) }
        expected[4] = [.null, "2026-11-25T10:00:04.004Z", "POST", "/enrollments", 503, "UF,URX", 3004,
                       "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b", "outbound|8080||enrollment.lms.svc.cluster.local", "default"]
        #expect(rows == expected)
    }

    /// A line of a Cloud Logging text export is read from its `[time]`, with the export's time as `logged_at`.
    ///
    /// The export puts severity, time and labels before the Envoy line.
    @Test func cloudLoggingPrefix() throws {
        let dir = try TemporaryDirectory()
        var lines = (0..<10).map { IstioLines.outbound($0) }
        lines[5] = #"INFO 2024-03-25T08:56:41.897522475Z [resource.labels.containerName: istio-proxy] [2024-03-25T08:56:41.328Z] "- - -" 0 UH - - "-" 0 0 0 - "-" "-" "-" "-" "-" BlackHoleCluster - 10.96.40.2:5432 10.244.1.9:60210 - -"#
        lines[6] = "INFO [resource.labels.containerName: istio-proxy] " + IstioLines.outbound(6)
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.recordsStored == 10)
        #expect(summary.linesRejected == 0)
        #expect(summary.reports.first?.recovered?.prefixRemoved == 2)
        let rows = try reader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line")
        var expected = (0..<10).map { Self.expected($0) }
        expected[5] = ["2024-03-25T08:56:41.898Z", "2024-03-25T08:56:41.328Z", .null, .null, 0, "UH", 0, .null, "BlackHoleCluster", .null]
        #expect(rows == expected)
        // The counts are in the JSON summary, under the file's report.
        let json = String(decoding: try JSONEncoder().encode(summary.reports[0]), as: UTF8.self)
        #expect(json.contains(#""recovered":{"#) && json.contains(#""prefix_removed":2"#))
        #expect(summary.reports[0].recovered?.notes == ["2 lines stored after a prefix was taken off"])
    }

    /// A file exported whole from Cloud Logging is detected on what follows the prefix and stored line by line.
    @Test func wholeCloudLoggingExport() throws {
        let dir = try TemporaryDirectory()
        let lines = (0..<8).map { i in
            "INFO 2026-11-25T10:00:\(String(format: "%02d", i)).900000000Z [resource.labels.containerName: istio-proxy] " + IstioLines.outbound(i)
        }
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.reports.first?.format == "istio")
        #expect(summary.recordsStored == 8)
        #expect(summary.reports.first?.recovered?.prefixRemoved == 8)
        let rows = try reader.rows("SELECT \(Self.columns) FROM access_log ORDER BY line")
        #expect(rows == (0..<8).map { Self.expected($0, loggedAt: .text(String(format: "2026-11-25T10:00:%02d.900Z", $0))) })
    }

    /// Garbage before a JSON record's `{` in a JSON file is taken off.
    @Test func garbageBeforeJSONRecord() throws {
        let dir = try TemporaryDirectory()
        let lines = (0..<6).map { i in
            (i == 3 ? "shipper[12]: \u{1}\u{2} " : "")
                + #"{"start_time":"2026-11-25T10:00:0\#(i).00\#(i)Z","method":"GET","path":"/courses/\#(i)/lessons/\#(i)","protocol":"HTTP/1.1","response_code":200,"response_flags":"-","duration":\#(5 + i),"request_id":"\#(String(format: "%08x-0000-4000-8000-%012x", i, i))","upstream_cluster":"outbound|8080|v1|course.lms.svc.cluster.local","route_name":"default"}"#
        }
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.reports.first?.format == "istio-json")
        #expect(summary.recordsStored == 6)
        #expect(summary.reports.first?.recovered?.prefixRemoved == 1)
        #expect(try reader.rows("SELECT \(Self.columns) FROM access_log WHERE line = 4") == [Self.expected(3)])
    }

    /// A broken line is still rejected with its reason, even behind a prefix, and nothing half-read is stored.
    @Test func brokenLinesAreStillRejected() throws {
        let dir = try TemporaryDirectory()
        var lines = (0..<8).map { IstioLines.outbound($0) }
        lines[2] = #"[2026-11-25T10:00:02.002Z] "GET /courses/2/lessons/2 HTTP/1.1" 200 - via_upstream - "-" 0 1"#
        lines[5] = "INFO 2024-03-25T08:56:41.897Z [2024-03-25T08:56:41.328Z] \"GET / HTTP/1.1\" 2x0 - "
        lines[6] = #"ACCESS [2026-11-25T10:00:06.006Z] "GET /courses/6/lessons/6 HTTP/1.1" 200"#
        let (summary, reader) = try Self.ingestLines(lines, in: dir)
        #expect(summary.recordsStored == 5)
        #expect(summary.linesRejected == 3)
        #expect(summary.reports.first?.recovered == nil)
        #expect(try reader.rows("SELECT line, reason FROM rejected ORDER BY line")
            == [[3, "does not match the istio format"], [6, "does not match the istio format"], [7, "does not match the istio format"]])
        let rows = try reader.rows("SELECT line, \(Self.columns) FROM access_log ORDER BY line")
        #expect(rows.map { $0[0] } == [1, 2, 4, 5, 8])
        #expect(rows.map { Array($0.dropFirst()) } == [0, 1, 3, 4, 7].map { Self.expected($0) })
    }
}
