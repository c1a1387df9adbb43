import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import MeshLogTerminal

/// The ClickHouse side of the benchmark: ingest into a cluster (`--store`) and the answers on one
/// (`--answers clickhouse://…`).
extension MeshLogBench {
    /// Ingests `paths` into the ClickHouse store at `endpoint` (its database dropped and created
    /// afresh on every shard) and returns the figures.
    func benchClickHouseIngest(_ endpoint: ClickHouseEndpoint, paths: [String]) throws -> [(String, String)] {
        let store = ClickHouseStore(endpoint: endpoint)
        try store.dropDatabase()
        try store.migrate()
        let shards = store.shards.count
        let inputs = paths.map { path in
            InputFile(path: path, size: (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value)
        }
        let start = Date()
        let summary = try Ingester(writer: ClickHouseAccessLogWriter(store: store), options: IngestOptions()).run(inputs)
        let seconds = Date().timeIntervalSince(start)
        let bytes = try store.storedBytes()
        let rows = max(1, summary.recordsStored)
        return [
            ("store", endpoint.description), ("shards", String(shards)),
            ("ingest_s", String(format: "%.2f", seconds)),
            ("ingest_lines_per_s", String(Int(Double(summary.linesRead) / max(seconds, 1e-9)))),
            ("rows_stored", String(summary.recordsStored)),
            ("compressed_bytes_per_line", String(format: "%.1f", Double(bytes.lines) / Double(rows))),
            ("summary_bytes_per_line", String(format: "%.1f", Double(bytes.summaries) / Double(rows))),
            ("uncompressed_bytes_per_line", String(format: "%.1f", Double(bytes.uncompressedLines) / Double(rows))),
        ]
    }

    /// Times the answers on the ClickHouse store at `endpoint`, as `benchAnswers` does on SQLite:
    /// the best of three fresh sessions each (a fresh session copies what it reads again).
    func benchClickHouseAnswers(_ endpoint: ClickHouseEndpoint) throws {
        let location = StoreLocation.clickhouse(endpoint)
        let store = ClickHouseStore(endpoint: endpoint)
        let best = Self.bestOfThree
        func session(since: String? = nil, until: String? = nil) throws -> AnswerSession {
            try AnswerSession(location: location, since: since, until: until, services: [])
        }
        let probe = try session()
        guard let span = probe.span else { throw CommandFailure("\(endpoint) holds no timed line") }
        var results: [(String, String)] = [("store", endpoint.description), ("lines", String(try store.lineCount()))]
        let day: Int64 = 86_400_000_000
        let dayStart = span.first / day * day
        let since = AnswerFormat.timestamp(dayStart), until = AnswerFormat.timestamp(dayStart + day)
        results.append(("status_by_service_day_s", String(format: "%.3f", try best {
            _ = try StatusReport(session: session(since: since, until: until), by: [.service], side: .hop)
        })))
        results.append(("hops_day_s", String(format: "%.3f", try best { _ = try HopsReport(session: session(since: since, until: until)) })))
        results.append(("timeline_1m_day_s", String(format: "%.3f", try best {
            _ = try TimelineReport(session: session(since: since, until: until), bucketMicros: 60_000_000, side: .hop)
        })))
        results.append(("timeline_auto_day_s", String(format: "%.3f", try best {
            _ = try TimelineReport(session: session(since: since, until: until), bucketMicros: nil, side: .hop)
        })))
        results.append(("graph_s", String(format: "%.3f", try best { _ = try ServiceGraph(session: session()) })))
        if let rid = try store.sampleRequestID(fraction: 0.5) {
            results.append(("trace_by_request_id_s", String(format: "%.4f", try best {
                _ = try TraceLoader(reader: ClickHouseTraceReader(store: store)).load(rid)
            })))
        }
        print(results)
    }
}
