/// What `meshlog trace`, `diff` and `traces` read from a store: the spans and access-log lines of
/// one request or trace, and the requests that match a search. Every backend implements it.
public protocol TraceReader: AnyObject {
    /// The spans of trace `trace` (32 lowercase hex digits, or a non-hex id as stored).
    func spans(trace: String) throws -> [TraceSpan]
    /// The trace ids whose spans carry x-request-id `request`.
    func traces(request: String) throws -> [String]
    /// The access-log lines of x-request-id `request`.
    func logLines(request: String) throws -> [TraceLogLine]
    /// The access-log lines that carry trace id `trace`.
    func logLines(trace: String) throws -> [TraceLogLine]
    /// The x-request-ids with a failing access-log line (5xx or no response) that started in the window, at most
    /// `limit`: the candidates `meshlog why` builds trees for (whether the request failed is its entry line's say).
    func failingRequests(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String]
    /// The trace ids with a failing span (HTTP 5xx, or status error without an HTTP status) that started in the
    /// window, at most `limit`.
    func failingTraces(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String]
    /// The lines of many requests, and the spans and lines of many traces, in a few statements: what
    /// ``logLines(request:)``, ``traces(request:)``, ``spans(trace:)`` and ``logLines(trace:)`` answer for each,
    /// in the same order (what `meshlog why` and the report read for thousands of failing requests at once).
    func records(requests: [String], traces: [String]) throws -> TraceRecordBatch
    /// Requests from the access logs that match `filter`, by start, at most `filter.limit`.
    func searchRequests(_ filter: TraceFilter) throws -> [TraceSummary]
    /// Traces known only from spans (no access-log line shares their request ids) that match
    /// `filter`, by start, at most `filter.limit`.
    func searchSpanTraces(_ filter: TraceFilter) throws -> [TraceSummary]
    /// The newest start time of an access-log line or a span, µs (0 when the store is empty).
    func newestStart() throws -> Int64
    /// The services of the store, sorted: the callee services of access-log lines and the services of spans.
    func services() throws -> [String]
    /// The operations of `service`, sorted, at most `limit`: `METHOD route` (the path when no route) of its
    /// access-log lines, and the names of its spans.
    func operations(service: String, limit: Int) throws -> [String]
}

extension TraceReader {
    /// By default, one request or trace at a time.
    public func records(requests: [String], traces: [String]) throws -> TraceRecordBatch {
        var batch = TraceRecordBatch()
        for r in requests where batch.linesByRequest[r] == nil {
            batch.linesByRequest[r] = try logLines(request: r)
            batch.tracesByRequest[r] = try self.traces(request: r)
        }
        for t in traces where batch.spansByTrace[t] == nil {
            batch.spansByTrace[t] = try spans(trace: t)
            batch.linesByTrace[t] = try logLines(trace: t)
        }
        return batch
    }

    /// By default, the span-only traces with a 5xx span (``searchSpanTraces(_:)``).
    public func failingTraces(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        var filter = TraceFilter()
        filter.status = "5xx"
        filter.sinceUs = sinceUs
        filter.untilUs = untilUs
        filter.limit = limit
        return try searchSpanTraces(filter).map(\.id)
    }
}

extension StoreLocation {
    /// A trace reader over the store: the SQLite file read-only, or a ClickHouse store through a copy.
    public func traceReader() throws -> any TraceReader {
        switch self {
        case .sqlite(let path): SQLiteTraceReader(db: try SQLiteStore.openForReading(path: path))
        case .clickhouse(let endpoint): try ClickHouseTraceReader(store: ClickHouseStore(endpoint: endpoint))
        }
    }
}

/// The filters of a trace search; all must hold.
public struct TraceFilter: Sendable {
    /// Every one of these services takes part in the request.
    public var services: [String] = []
    /// `5xx`, `4xx` or an exact code such as `503`: some line of the request has it.
    public var status: String?
    /// Some line of the request has this response flag.
    public var flag: String?
    /// The whole request (first start to last end) lasts at least this long.
    public var minDurationUs: Int64?
    /// The request starts at or after this time (µs).
    public var sinceUs: Int64?
    /// The request starts before this time (µs).
    public var untilUs: Int64?
    /// How many to return.
    public var limit = 20

    public init() {}

    /// The range a `--status` filter names (`5xx`: 500...599, `503`: 503...503), or nil when unreadable.
    public static func statusRange(_ status: String) -> ClosedRange<Int64>? {
        let s = status.lowercased()
        if s.count == 3, s.hasSuffix("xx"), let d = Int64(s.prefix(1)) { return (d * 100)...(d * 100 + 99) }
        if let code = Int64(s) { return code...code }
        return nil
    }
}

/// One request or trace a search found.
public struct TraceSummary: Sendable, Equatable {
    /// The x-request-id, or the trace id of a span-only trace.
    public var id: String
    public var startUs: Int64
    /// The root call's service.
    public var rootService: String
    /// The root call's method and route (or span name).
    public var rootRoute: String
    /// First start to last end, µs.
    public var durationUs: Int64
    /// Hops (outbound lines) or server spans.
    public var hops: Int
    /// The first failure (`course 503 UF`), empty when none.
    public var firstError: String

    public init(id: String, startUs: Int64, rootService: String, rootRoute: String, durationUs: Int64, hops: Int,
                firstError: String) {
        self.id = id
        self.startUs = startUs
        self.rootService = rootService
        self.rootRoute = rootRoute
        self.durationUs = durationUs
        self.hops = hops
        self.firstError = firstError
    }
}
