import Foundation
import MeshLogTestSupport
import MeshLogCore
import Testing

@Suite("meshlog command line", .enabled(if: MeshLogBinary.url != nil))
struct CommandLineTests {
    @Test func ingestSamplesPrintsJSONSummaryAndSkipsOnRerun() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("m.db")
        let first = try MeshLogBinary.run(["ingest", Repository.samples, "--json"], environment: ["MESHLOG_DB": db])
        #expect(first.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        for key in ["files", "lines_read", "records_stored", "lines_rejected", "lines_skipped", "seconds"] {
            #expect(summary[key] != nil, "missing \(key)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.samples).count
        #expect(summary["files"] as? Int == files)
        #expect(summary["lines_rejected"] as? Int == 0)
        let stored = try #require(summary["records_stored"] as? Int)
        #expect(stored > 2_000)
        #expect(first.stderr.contains("istio-json"))
        let second = try MeshLogBinary.run(["ingest", Repository.samples, "--json"], environment: ["MESHLOG_DB": db])
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(again["records_stored"] as? Int == 0)
        #expect(again["files_skipped"] as? Int == files)
        let count = try MeshLogBinary.run(["sql", "SELECT count(*) AS n FROM access_log", "--csv", "--db", db])
        #expect(count.stdout == "n\r\n\(stored)\r\n")
        // The samples hold gzip files: the summary names the inflater, and zlib stores the same rows.
        #expect(summary["inflater"] as? String == GzipInflater.preferred.name)
        let zlib = try MeshLogBinary.run(["ingest", Repository.samples, "--json", "--db", dir.path("zlib.db")], environment: ["MESHLOG_INFLATE": "zlib"])
        let zlibSummary = try #require(try JSONSerialization.jsonObject(with: Data(zlib.stdout.utf8)) as? [String: Any])
        #expect(zlibSummary["inflater"] as? String == "zlib")
        #expect(zlibSummary["records_stored"] as? Int == stored)
    }

    @Test func stdinWithReporterAndFormatString() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("m.db")
        let lines = "GET /a 200 5\nPOST /b 503 9\nnot a line\n"
        let result = try MeshLogBinary.run(["ingest", "-", "--reporter", "edge-7", "--format", "%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %DURATION%", "--db", db],
                                    stdin: Data(lines.utf8))
        #expect(result.status == 0)
        let rows = try MeshLogBinary.run(["sql", "SELECT reporter, method, status, duration_ms, source, line FROM access_log ORDER BY line", "--json", "--db", db])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(rows.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed.first?["reporter"] as? String == "edge-7")
        #expect(parsed.last?["status"] as? Int == 503)
        #expect(parsed.first?["source"] as? String == "-")
        let rejected = try MeshLogBinary.run(["sql", "SELECT line, text FROM rejected", "--csv", "--db", db])
        #expect(rejected.stdout == "line,text\r\n3,not a line\r\n")
        let strict = try MeshLogBinary.run(["ingest", "-", "--strict", "--format", "%REQ(:METHOD)% %RESPONSE_CODE%", "--db", dir.path("s.db")],
                                    stdin: Data("GET 200\nbroken\n".utf8))
        #expect(strict.status == 1)
    }

    @Test func badFormatStringSaysWhereAndFileWithoutAccessLogsFails() throws {
        let dir = try TemporaryDirectory()
        let bad = try MeshLogBinary.run(["ingest", Repository.samples, "--format", "%START_TIME% %REQ(USER-AGENT", "--db", dir.path("a.db")])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("position 13"))
        let junk = try dir.write("junk.txt", "hello\nworld\n")
        let none = try MeshLogBinary.run(["ingest", junk, "--db", dir.path("b.db")])
        #expect(none.status == 1)
        #expect(none.stderr.contains("junk.txt"))
        #expect(none.stderr.contains("istio"))
        #expect(!none.stderr.contains("Usage"))
        let missingDB = try MeshLogBinary.run(["sql", "SELECT 1", "--db", dir.path("nope.db")])
        #expect(missingDB.status != 0)
        #expect(missingDB.stderr.contains("meshlog ingest"))
    }

    @Test(.enabled(if: MeshLogBinary.benchURL != nil, "meshlog-bench is not built"))
    func benchBundleBuildsAPodsLayoutDumpAndStoresEveryLine() throws {
        let dir = try TemporaryDirectory()
        let result = try MeshLogBinary.runBench(["--bundle", "--lines", "3000", "--workdir", dir.path("bench"), "--json"])
        #expect(result.status == 0)
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tarball = try #require(figures["input"] as? String)
        // One CRI-wrapped istio-proxy log per pod, as kubelet lays them out.
        let members = try runTool("/usr/bin/tar", ["-tzf", tarball]).stdout
            .split(separator: "\n").filter { $0.hasSuffix("/istio-proxy/0.log") }
        #expect(members.count == figures["files"] as? Int)
        #expect(figures["inflater"] as? String == GzipInflater.preferred.name)
        // var/log/pods/<namespace>_<pod>_<uid>/istio-proxy/0.log
        #expect(members.allSatisfy { $0.hasPrefix("var/log/pods/") && $0.split(separator: "/")[3].split(separator: "_").count == 3 })
        // Every generated line is stored (generation stops after the request that reaches --lines).
        let stored = try #require(figures["records_stored"] as? Int)
        #expect(stored >= 3000 && stored < 3100)
        #expect(figures["parse_lines_per_s"] == nil)
        let both = try MeshLogBinary.runBench(["--bundle", "--parse-only"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("--parse-only"))
    }

    @Test func formatsListsEveryPreset() throws {
        let result = try MeshLogBinary.run(["formats", "--json"])
        let presets = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(presets.compactMap { $0["name"] as? String } == FormatCatalog.presets.map(\.name))
        #expect(presets.compactMap { $0["name"] as? String }.starts(with: ["istio", "istio-1.3", "istio-1.2", "istio-1.8", "istio-1.1"]))
        for preset in presets {
            #expect((preset["source"] as? String)?.isEmpty == false, "\(preset["name"] ?? "?") says not where it comes from")
        }
        let text = try MeshLogBinary.run(["formats"]).stdout
        #expect(text.contains("  from: istio/istio pilot/pkg/networking/core/v1alpha3/listener.go EnvoyTextLogFormat (1.1.0-1.1.17)"))
    }

    @Test func formatsListsEverySpanFormat() throws {
        let result = try MeshLogBinary.run(["formats", "--spans", "--json"])
        let formats = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(formats.compactMap { $0["name"] as? String } == SpanFormat.allCases.map(\.rawValue))
        for format in formats {
            #expect((format["source"] as? String)?.isEmpty == false, "\(format["name"] ?? "?") says not where it comes from")
            #expect((format["writers"] as? String)?.isEmpty == false)
        }
        let text = try MeshLogBinary.run(["formats", "--spans"]).stdout
        #expect(text.contains("otlp-protobuf\n  binary OTLP ExportTraceServiceRequest"))
        #expect(text.contains("Jaeger v2 query API /api/v3/traces"))
    }
}

@Suite("meshlog ingest of logs and spans together", .enabled(if: MeshLogBinary.url != nil))
struct MixedIngestTests {
    @Test(arguments: ["zipkin", "otlp"])
    func directoryOfLogsAndSpansIngestsBothAndTracesMerge(spanFormat: String) throws {
        let dir = try TemporaryDirectory()
        let generated = try MeshLogBinary.run(["generate", "--lines", "600", "--seed", "3", "--split-by-pod", dir.path("dump/logs"),
                                        "--spans", dir.path("dump/spans.json"), "--span-format", spanFormat])
        #expect(generated.status == 0)
        let db = dir.path("m.db")
        let result = try MeshLogBinary.run(["ingest", dir.path("dump"), "--json", "--db", db])
        #expect(result.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let spans = try #require(summary["spans_stored"] as? Int)
        #expect(spans > 100)
        #expect((summary["records_stored"] as? Int ?? 0) > 500)
        let counted = try MeshLogBinary.run(["sql", "SELECT count(*) AS n FROM span", "--csv", "--db", db])
        #expect(counted.stdout == "n\r\n\(spans)\r\n")
        let id = try MeshLogBinary.run(["sql", "SELECT request_id FROM access_log WHERE direction = 'inbound' AND service = 'course' LIMIT 1", "--csv", "--db", db])
        let requestID = try #require(id.stdout.split(separator: "\r\n").dropFirst().first.map(String.init))
        let trace = try MeshLogBinary.run(["trace", requestID, "--db", db])
        #expect(trace.status == 0)
        #expect(trace.stdout.contains("course"))
    }
}
