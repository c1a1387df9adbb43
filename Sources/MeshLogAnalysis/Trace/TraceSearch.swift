import MeshLogStore

/// Searches requests (access logs grouped by x-request-id) and span-only traces: `meshlog traces`.
public struct TraceSearch {
    /// The filters (see ``TraceFilter``).
    public typealias Filter = TraceFilter
    /// One request or trace found.
    public typealias Row = TraceSummary

    /// Where the requests come from.
    public let reader: any TraceReader

    /// A search over any store.
    public init(reader: any TraceReader) { self.reader = reader }

    /// A search over the SQLite store `db` is open on.
    public init(db: Database) { self.init(reader: SQLiteTraceReader(db: db)) }

    /// Requests then span-only traces, each ordered by start, at most `limit` in all.
    public func run(_ filter: Filter) throws -> [Row] {
        var rows = try reader.searchRequests(filter)
        if rows.count < filter.limit {
            var f = filter
            f.limit -= rows.count
            rows += try reader.searchSpanTraces(f)
        }
        return rows
    }

    /// The rows as a table (`id, start, root_service, root_route, duration_ms, hops, first_error`).
    public static func table(_ rows: [Row]) -> ResultTable {
        ResultTable(columns: ["id", "start", "root_service", "root_route", "duration_ms", "hops", "first_error"],
                    rows: rows.map { r in
                        [.text(r.id), .text(AnswerFormat.timestamp(r.startUs)), .text(r.rootService), .text(r.rootRoute),
                         .real(Double(r.durationUs) / 1000), .integer(Int64(r.hops)), .text(r.firstError)]
                    })
    }
}
