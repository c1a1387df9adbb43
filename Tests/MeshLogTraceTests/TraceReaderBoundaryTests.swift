import Foundation
import MeshLogAnalysis
import MeshLogStore
import Testing

/// The trace commands give the same answers on SQLite and on a second reader (``InMemoryTraceReader``).
@Suite("trace readers: SQLite and in memory agree")
struct TraceReaderBoundaryTests {
    /// A generated store with spans, its SQLite reader, and an in-memory reader of the same records.
    static func readers() throws -> (sqlite: SQLiteTraceReader, memory: InMemoryTraceReader, requests: [String]) {
        let (db, _) = try TraceFixture.generated(lines: 3000, seed: 11, errorScale: 4, spans: true)
        let sqlite = SQLiteTraceReader(db: db)
        let requests = try db.rows("SELECT DISTINCT request_id FROM access_log WHERE request_id IS NOT NULL ORDER BY 1")
            .compactMap { $0[0].string }
        let traces = try db.rows("SELECT DISTINCT trace_id FROM span ORDER BY 1").compactMap { $0[0].string }
        let lines = try requests.flatMap { try sqlite.logLines(request: $0) }
        let spans = try traces.flatMap { try sqlite.spans(trace: $0) }
        #expect(lines.count > 2000 && spans.count > 2000)
        return (sqlite, InMemoryTraceReader(lines: lines, spans: spans), requests)
    }

    @Test func everyRequestLoadsAndRendersTheSame() throws {
        let (sqlite, memory, requests) = try Self.readers()
        let renderer = TraceRenderer(full: true)
        for id in requests.prefix(200) {
            let a = try #require(try TraceLoader(reader: sqlite).load(id))
            let b = try #require(try TraceLoader(reader: memory).load(id))
            #expect(renderer.json(a) == renderer.json(b), "request \(id)")
        }
        // Diff runs on trees, whichever reader loaded them.
        let a = try #require(try TraceLoader(reader: memory).load(requests[0]))
        let b = try #require(try TraceLoader(reader: memory).load(requests[1]))
        #expect(TraceDiffRenderer.json(TraceDiff(a, b)).contains("presence"))
    }

    @Test func searchesFindTheSameRequests() throws {
        let (sqlite, memory, _) = try Self.readers()
        let newest = try sqlite.newestStart()
        #expect(newest == memory.newestStart())
        var filters: [TraceFilter] = []
        for (status, flag, services, minimum) in [("5xx", nil, [], nil), ("503", "URX", [], nil), (nil, nil, ["user"], Int64(20_000)),
                                                  (nil, "UF", [], nil), ("5xx", nil, ["course", "grading"], nil)] as [(String?, String?, [String], Int64?)] {
            var f = TraceFilter()
            f.status = status
            f.flag = flag
            f.services = services
            f.minDurationUs = minimum
            f.limit = 100_000
            filters.append(f)
            f.sinceUs = newest - 20 * 60_000_000
            f.untilUs = newest - 5 * 60_000_000
            filters.append(f)
        }
        for filter in filters {
            let expected = try sqlite.searchRequests(filter).sorted { ($0.startUs, $0.id) < ($1.startUs, $1.id) }
            let found = try memory.searchRequests(filter)
            #expect(found == expected, "\(filter)")
            #expect(!expected.isEmpty || filter.flag == "UF" || filter.sinceUs != nil, "\(filter) found nothing: a weak comparison")
        }
    }
}
