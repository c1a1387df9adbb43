/// ``TraceReader`` over a ClickHouse store: the lines and spans of the requests and traces asked
/// for (a request's lines sit on one shard, found through each hour's index on the request id)
/// are copied into a ``ClickHouseSnapshot`` and read by ``SQLiteTraceReader``; searches pick their
/// candidates on ClickHouse with the same conditions, then rank them on the copy.
public final class ClickHouseTraceReader: TraceReader {
    public let snapshot: ClickHouseSnapshot
    private let inner: SQLiteTraceReader

    /// A reader of `store`, or of an existing copy's store (the critical path shares one).
    public init(snapshot: ClickHouseSnapshot) {
        self.snapshot = snapshot
        inner = SQLiteTraceReader(db: snapshot.db)
    }

    /// A reader of `store`; fails when the store does not exist or is outdated.
    public convenience init(store: ClickHouseStore) throws {
        try store.checkSchema()
        self.init(snapshot: try ClickHouseSnapshot(store: store))
    }

    private var lines: String { snapshot.store.table("log_line") }
    private var spansTable: String { snapshot.store.table("span") }

    public func newestStart() throws -> Int64 {
        try snapshot.loadBasics()
        let condition = snapshot.sourceCondition
        let row = try snapshot.rows("""
            SELECT greatest(
              (SELECT ifNull(max(start_us), 0) FROM \(lines) WHERE isNotNull(start_us)\(condition)),
              (SELECT ifNull(max(start_us), 0) FROM \(spansTable) WHERE isNotNull(start_us)\(condition)))
            """).first
        return ClickHouseSnapshot.int(row?[0] ?? nil) ?? 0
    }

    public func services() throws -> [String] {
        try snapshot.loadBasics()
        let condition = snapshot.sourceCondition
        return try snapshot.rows("""
            SELECT DISTINCT s FROM (
              SELECT DISTINCT service AS s FROM \(lines) WHERE isNotNull(service)\(condition)
              UNION ALL SELECT DISTINCT service AS s FROM \(spansTable) WHERE isNotNull(service)\(condition))
            ORDER BY s
            """).compactMap { $0[0] }
    }

    public func operations(service: String, limit: Int) throws -> [String] {
        try snapshot.loadBasics()
        let condition = snapshot.sourceCondition, literal = ClickHouseStore.literal(service)
        return try snapshot.rows("""
            SELECT DISTINCT op FROM (
              SELECT DISTINCT concat(method, ' ', ifNull(route, ifNull(path, ''))) AS op FROM \(lines)
              WHERE service = \(literal) AND isNotNull(method)\(condition)
              UNION ALL SELECT DISTINCT name AS op FROM \(spansTable) WHERE service = \(literal)\(condition))
            WHERE op != '' ORDER BY op LIMIT \(max(0, limit))
            """).compactMap { $0[0] }
    }

    public func spans(trace: String) throws -> [TraceSpan] {
        try snapshot.loadSpans(where: ClickHouseSnapshot.traceCondition(trace, column: "trace", kind: "trace_kind"))
        return try inner.spans(trace: trace)
    }

    public func traces(request: String) throws -> [String] {
        try snapshot.loadSpans(where: ClickHouseSnapshot.requestCondition(request))
        return try inner.traces(request: request)
    }

    public func logLines(request: String) throws -> [TraceLogLine] {
        // A request's lines sit on one shard: read that shard alone, through the request-id index.
        try snapshot.loadLines(where: ClickHouseSnapshot.requestCondition(request), prewhere: ClickHouseSnapshot.requestPrewhere(request),
                               shard: try snapshot.shard(ofRequest: request))
        return try inner.logLines(request: request)
    }

    public func logLines(trace: String) throws -> [TraceLogLine] {
        try snapshot.loadLines(where: ClickHouseSnapshot.traceCondition(trace, column: "tid", kind: "tid_kind"))
        return try inner.logLines(trace: trace)
    }

    public func records(requests: [String], traces: [String]) throws -> TraceRecordBatch {
        try snapshot.loadBasics()
        // Copy what the one-at-a-time methods would, 500 requests or traces to a query, then read the copy at once.
        let requests = Array(Set(requests)).sorted(), traces = Array(Set(traces)).sorted()
        try snapshot.loadRequests(requests.compactMap(Self.stored))
        try forEachChunk(requests) { part in
            try snapshot.loadSpans(where: part.map { "(\(ClickHouseSnapshot.requestCondition($0)))" }.joined(separator: " OR "))
        }
        try forEachChunk(traces) { part in
            try snapshot.loadSpans(where: part.map { "(\(ClickHouseSnapshot.traceCondition($0, column: "trace", kind: "trace_kind")))" }
                .joined(separator: " OR "))
            try snapshot.loadLines(where: part.map { "(\(ClickHouseSnapshot.traceCondition($0, column: "tid", kind: "tid_kind")))" }
                .joined(separator: " OR "))
        }
        return try inner.records(requests: requests, traces: traces)
    }

    /// A request id as `log_line` keeps it: the hex of its bytes and its kind (3: a UUID's 16 bytes, 2: text).
    static func stored(_ request: String) -> (hex: String, kind: String)? {
        switch SpanKeys.request(request) {
        case .blob(let bytes): (SpanKeys.hex(bytes), "3")
        case .text(let text): (SpanKeys.hex(Array(text.utf8)), "2")
        default: nil
        }
    }

    /// The conditions of `filter` on one request's lines, as HAVING terms (``SQLiteTraceReader/searchRequests(_:)``).
    static func having(_ filter: TraceFilter) throws -> [String] {
        var having: [String] = []
        for service in filter.services { having.append("max(ifNull(service = \(ClickHouseStore.literal(service)), 0))") }
        if let status = filter.status {
            guard let range = TraceFilter.statusRange(status) else { throw TraceReaderError.badStatus(status) }
            having.append("max(ifNull(status >= \(range.lowerBound) AND status <= \(range.upperBound), 0))")
        }
        if let flag = filter.flag {
            having.append("max(has(splitByChar(',', ifNull(flags, '')), \(ClickHouseStore.literal(flag.uppercased()))))")
        }
        if let d = filter.minDurationUs {
            having.append("max(start_us + duration_ms * 1000) - min(start_us) >= \(d)")
        }
        return having
    }

    public func failingRequests(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        try snapshot.loadBasics()
        var wheres = ["req_kind <> 0", "(status >= 500 OR status = 0)"]
        if let s = sinceUs { wheres.append("start_us >= \(s)") }
        if let u = untilUs { wheres.append("start_us < \(u)") }
        let rows = try snapshot.rows("""
            SELECT DISTINCT hex(req), req_kind FROM \(lines)
            WHERE \(wheres.joined(separator: " AND "))\(snapshot.sourceCondition)
            LIMIT \(limit)
            """)
        try snapshot.loadRequests(rows.compactMap { r in r[0].flatMap { hex in r[1].map { (hex, $0) } } })
        return try inner.failingRequests(sinceUs: sinceUs, untilUs: untilUs, limit: limit)
    }

    public func searchRequests(_ filter: TraceFilter) throws -> [TraceSummary] {
        guard filter.limit > 0 else { return [] }
        try snapshot.loadBasics()
        var wheres = ["req_kind <> 0"]
        if let s = filter.sinceUs { wheres.append("start_us >= \(s)") }
        if let u = filter.untilUs { wheres.append("start_us < \(u)") }
        let having = try Self.having(filter)
        // A few more than asked, so ties at the last start are ranked on the copy as SQLite ranks them.
        let rows = try snapshot.rows("""
            SELECT hex(req), req_kind, min(start_us) AS s FROM \(lines)
            WHERE \(wheres.joined(separator: " AND "))\(snapshot.sourceCondition)
            GROUP BY req, req_kind\(having.isEmpty ? "" : " HAVING " + having.joined(separator: " AND "))
            ORDER BY s, req LIMIT \(filter.limit + 16)
            """)
        try snapshot.loadRequests(rows.compactMap { r in r[0].flatMap { hex in r[1].map { (hex, $0) } } })
        return try inner.searchRequests(filter)
    }

    public func searchSpanTraces(_ filter: TraceFilter) throws -> [TraceSummary] {
        guard filter.limit > 0, filter.flag == nil else { return [] }
        try snapshot.loadBasics()
        var having: [String] = []
        for service in filter.services { having.append("max(ifNull(service = \(ClickHouseStore.literal(service)), 0))") }
        if let status = filter.status {
            guard let range = TraceFilter.statusRange(status) else { throw TraceReaderError.badStatus(status) }
            having.append("max(ifNull(http_status >= \(range.lowerBound) AND http_status <= \(range.upperBound), 0))")
        }
        if let d = filter.minDurationUs { having.append("max(start_us + duration_us) - min(start_us) >= \(d)") }
        if let v = filter.sinceUs { having.append("min(start_us) >= \(v)") }
        if let v = filter.untilUs { having.append("min(start_us) < \(v)") }
        // Traces whose request ids have access-log lines are left out on the copy, so ask for more
        // until enough remain or none are left.
        var wanted = filter.limit + 16
        while true {
            let rows = try snapshot.rows("""
                SELECT hex(trace), trace_kind, min(start_us) AS st, groupUniqArray(tuple(hex(req), req_kind)) FROM \(spansTable)
                WHERE 1\(snapshot.sourceCondition)
                GROUP BY trace, trace_kind\(having.isEmpty ? "" : " HAVING " + having.joined(separator: " AND "))
                ORDER BY st, trace LIMIT \(wanted)
                """)
            var traces: [(hex: String, kind: String)] = []
            var requests: [(hex: String, kind: String)] = []
            for r in rows {
                guard let hex = r[0], let kind = r[1] else { continue }
                traces.append((hex, kind))
                for match in (r[3] ?? "").matches(of: /\('([0-9A-F]*)',(\d)\)/) where match.2 != "0" {
                    requests.append((String(match.1), String(match.2)))
                }
            }
            try snapshot.loadTraces(traces)
            try snapshot.loadRequests(requests)
            let found = try inner.searchSpanTraces(filter)
            if found.count >= filter.limit || rows.count < wanted { return found }
            wanted *= 4
        }
    }
}
