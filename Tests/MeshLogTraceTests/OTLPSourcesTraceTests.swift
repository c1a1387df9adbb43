import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import MeshLogTestSupport
import Testing

/// The same trace from every source meshlog reads OTLP from (protobuf single and framed, gzipped, zstd, the file
/// exporter's JSON Lines, Jaeger v2's and Tempo v2's wrappers) is stored and rendered by `meshlog trace` exactly
/// as the same trace ingested as OTLP JSON. Files are routed by content through the ingest, as `meshlog ingest`
/// does.
@Suite struct OTLPSourcesTraceTests {
    static let traceIDs = ["6e0c63257de34c926f9efcd03927272e", "00000000000000005af7183fb1d4cf5f"]

    /// Ingests `path` into a new store; returns the store, the summary and the `span` rows (without their source).
    static func ingest(_ path: String) throws -> (Database, IngestSummary, [[SQLValue]]) {
        let (db, _) = try TraceFixture.tempDB()
        let summary = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([path]))
        let rows = try db.rows("""
            SELECT trace_id, span_id, parent_id, service, name, kind, start_us, duration_us, status, http_status,
                   request_id, attributes FROM span ORDER BY trace_id, start_us, span_id
            """)
        return (db, summary, rows)
    }

    /// `meshlog trace ID` as text and as JSON, for each trace.
    static func rendered(_ db: Database) throws -> [String] {
        try traceIDs.flatMap { id -> [String] in
            let tree = try #require(try TraceLoader(db: db).load(id), "trace \(id)")
            return [TraceRenderer().text(tree), TraceRenderer().json(tree)]
        }
    }

    static func sources(in dir: TemporaryDirectory) throws -> [String] {
        var paths = ["trace.binpb", "trace.binpb.gz", "file-exporter.pb", "file-exporter.jsonl", "jaeger-v2.json",
                     "jaeger-v2-stream.json", "tempo-v2.json"].map { Fixtures.path("otlp-proto/" + $0) }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") && Zstd.isAvailable {
            let copy = try dir.write("file-exporter.pb", try Data(contentsOf: URL(fileURLWithPath: paths[2])))
            try runTool("/usr/bin/zstd", ["-q", "-f", copy, "-o", copy + ".zst"])
            paths.append(copy + ".zst")
        } else {
            print("zstd case skipped: the zstd tool or libzstd.so.1 is missing")
        }
        return paths
    }

    @Test func everySourceStoresAndRendersTheJSONTrace() throws {
        let (reference, referenceSummary, referenceRows) = try Self.ingest(Fixtures.path("otlp-proto/trace.json"))
        #expect(referenceSummary.spansStored == 5)
        #expect(referenceRows.count == 5)
        let expected = try Self.rendered(reference)
        #expect(expected[0].contains("checkout"))
        let dir = try TemporaryDirectory()
        for path in try Self.sources(in: dir) {
            let (db, summary, rows) = try Self.ingest(path)
            #expect(summary.spansStored == 5, "\(path)")
            #expect(summary.reports.map(\.state) == [.ingested], "\(path): \(summary.reports.map(\.error))")
            #expect(rows == referenceRows, "\(path)")
            #expect(try Self.rendered(db) == expected, "\(path)")
            // The span without a span id is in `rejected`, with its reason.
            #expect(try db.scalar("SELECT count(*) FROM rejected WHERE reason LIKE 'span has no span%'").int64 == 1, "\(path)")
        }
    }

    /// A truncated protobuf file keeps the spans before the cut and fails with the byte offset.
    @Test func truncatedProtobufFileKeepsEarlierSpans() throws {
        let dir = try TemporaryDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("otlp-proto/trace.binpb")))
        let path = try dir.write("cut.binpb", whole.prefix(1000))
        let (_, summary, rows) = try Self.ingest(path)
        // The first resource's 2 spans (bytes 0–811) and the first span of the second resource, which the cut at
        // byte 1000 leaves whole: the cut ResourceSpans is read up to the span the file ends in.
        #expect(rows.count == 3)
        let report = try #require(summary.reports.first)
        #expect(report.format == "otlp-protobuf")
        #expect(report.state == .failed)
        #expect(report.error?.contains("byte offset") == true, "\(report.error ?? "")")
        #expect(report.error?.contains("truncated") == true, "\(report.error ?? "")")
    }
}
