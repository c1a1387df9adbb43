import Foundation
import MeshLogCore
import MeshLogTestSupport
import Testing

/// `meshlog ingest` and `meshlog trace` on OTLP protobuf and zstd, through the built binary.
@Suite("meshlog on OTLP protobuf and zstd", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct SpanSourceCommandTests {
    static let trace = "6e0c63257de34c926f9efcd03927272e"

    /// A binary ExportTraceServiceRequest and the same trace in OTLP JSON print the same `meshlog trace`.
    @Test func traceFromProtobufPrintsAsFromJSON() throws {
        let dir = try TemporaryDirectory()
        var printed: [String] = []
        for file in ["trace.json", "trace.binpb"] {
            let db = dir.path(file + ".db")
            let ingest = try MeshLogBinary.run(["ingest", Fixtures.path("otlp-proto/" + file), "--db", db])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let trace = try MeshLogBinary.run(["trace", Self.trace, "--db", db, "--json"])
            #expect(trace.status == 0, "\(trace.stderr)")
            printed.append(trace.stdout)
        }
        #expect(printed[0].contains("checkout"))
        #expect(printed[0] == printed[1])
    }

    /// A JSON document the span readers know but do not read (a Tempo search result) is said to be
    /// that, not merely "no access-log line".
    @Test func aTempoSearchResultIsToldForWhatItIs() throws {
        let dir = try TemporaryDirectory()
        let search = try dir.write("search.json", """
            {
              "traces": [
                {
                  "traceID": "2f3e0cee77ae5dc9c17ade3689eb2e54",
                  "rootServiceName": "frontend",
                  "rootTraceName": "GET /api/courses",
                  "startTimeUnixNano": "1795568000000000000",
                  "durationMs": 12,
                  "spanSet": {"spans": [{"spanID": "563d623c76514f8e", "startTimeUnixNano": "1795568000000000000", "durationNanos": "12000000"}], "matched": 1}
                }
              ],
              "metrics": {"inspectedTraces": 1}
            }
            """)
        let run = try MeshLogBinary.run(["ingest", search, "--db", dir.path("s.db")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no access log and no spans: this is a Grafana Tempo search result"), "\(run.stderr)")
        #expect(run.stderr.contains("/api/traces/<traceID>"))
    }

    /// Where libzstd is missing (`MESHLOG_ZSTD=off` behaves so), a zstd file is refused saying what to do.
    @Test func zstdWithoutTheLibraryIsRefusedWithAdvice() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else {
            print("skipped: the zstd command line tool is not installed")
            return
        }
        let dir = try TemporaryDirectory()
        let copy = try dir.write("trace.binpb", try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("otlp-proto/trace.binpb"))))
        try runTool("/usr/bin/zstd", ["-q", "-f", copy, "-o", copy + ".zst"])
        let refused = try MeshLogBinary.run(["ingest", copy + ".zst", "--db", dir.path("off.db")], environment: ["MESHLOG_ZSTD": "off"])
        #expect(refused.stderr.contains("zstd-compressed; libzstd.so.1 not found: install libzstd1"), "\(refused.stderr)")
        #expect(refused.stderr.contains("zstd -d \(copy).zst"), "\(refused.stderr)")
        guard Zstd.isAvailable else {
            print("skipped the decompressing half: libzstd.so.1 is not installed")
            return
        }
        let db = dir.path("on.db")
        let ingest = try MeshLogBinary.run(["ingest", copy + ".zst", "--db", db])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let traces = try MeshLogBinary.run(["sql", "SELECT count(*) AS n FROM span", "--db", db, "--csv"])
        #expect(traces.stdout.contains("\n5"), "\(traces.stdout)")
    }
}
