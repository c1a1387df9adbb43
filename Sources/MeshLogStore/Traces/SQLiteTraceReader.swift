/// ``TraceReader`` over a SQLite store: the statements behind `meshlog trace`, `diff` and `traces`,
/// through the indexes only (`request(rid)` → `log_entry(req)`, `log_entry(tid)`,
/// `span_entry(trace_id)`, `span_entry(req)`).
public final class SQLiteTraceReader: TraceReader {
    private let db: Database

    /// A reader of the store `db` is open on.
    public init(db: Database) { self.db = db }

    public func newestStart() throws -> Int64 {
        try db.scalar(AnswerQueries.newestStart).int64 ?? 0
    }

    public func services() throws -> [String] {
        try db.rows("""
            SELECT value FROM dict WHERE id IN (SELECT DISTINCT service FROM log_entry)
            UNION SELECT value FROM span_dict WHERE id IN (SELECT DISTINCT service FROM span_entry) ORDER BY 1
            """).compactMap { $0[0].string }
    }

    public func operations(service: String, limit: Int) throws -> [String] {
        try db.rows("""
            SELECT op FROM (
              SELECT DISTINCT method || ' ' || coalesce(route, path, '') AS op FROM access_log
              WHERE service = ?1 AND method IS NOT NULL
              UNION SELECT (SELECT value FROM span_dict WHERE id = s.name) FROM span_entry s
              WHERE s.service IN (SELECT id FROM span_dict WHERE value = ?1))
            WHERE op IS NOT NULL AND op != '' ORDER BY op LIMIT ?2
            """, [.text(service), .integer(Int64(limit))]).compactMap { $0[0].string }
    }

    static let spanColumns = """
        s.trace_id, s.span_id, s.parent_id, s.service, s.name, s.kind, s.shared, s.start_us, s.duration_us, s.status,
        s.http_status, s.req, s.attributes
        """

    public func spans(trace: String) throws -> [TraceSpan] {
        try spanRows("SELECT \(Self.spanColumns) FROM span_entry s WHERE s.trace_id = ? ORDER BY s.id", [SpanKeys.trace(trace)])
    }

    public func traces(request: String) throws -> [String] {
        try db.cachedRows("SELECT trace_id FROM span_entry WHERE req = ? GROUP BY trace_id ORDER BY min(id)", [SpanKeys.request(request)])
            .compactMap { SpanKeys.traceText($0[0]) }
    }

    private func spanRows(_ sql: String, _ args: [SQLValue]) throws -> [TraceSpan] {
        var spans: [TraceSpan] = []
        try eachSpan(sql, args) { span, _ in spans.append(span) }
        return spans
    }

    /// Steps a statement whose first columns are ``spanColumns`` and calls `body` with each span and the statement
    /// (for the columns after them).
    private func eachSpan(_ sql: String, _ args: [SQLValue], _ body: (TraceSpan, Statement) throws -> Void) throws {
        // Step the statement directly and resolve names through a small cache: a trace can hold
        // tens of thousands of spans that share a handful of services, names and one trace id.
        let statuses = ["unset", "ok", "error"]
        let stmt = try db.cachedStatement(sql)
        defer { stmt.reset() }
        try stmt.bind(args)
        let nameLookup = try db.cachedStatement("SELECT value FROM span_dict WHERE id = ?")
        defer { nameLookup.reset() }
        var names: [Int64: String] = [:]
        func name(_ id: Int64) throws -> String? {
            if let n = names[id] { return n }
            nameLookup.reset()
            nameLookup.bind(id, at: 1)
            let n = try nameLookup.step() ? nameLookup.text(0) : nil
            names[id] = n
            return n
        }
        var lastTraceValue: SQLValue = .null
        var lastTraceText = ""
        while try stmt.step() {
            let traceValue = stmt.value(0)
            if traceValue != lastTraceValue {
                lastTraceValue = traceValue
                lastTraceText = SpanKeys.traceText(traceValue) ?? ""
            }
            try body(TraceSpan(
                traceID: lastTraceText, spanID: SpanKeys.spanText(stmt.value(1)) ?? "",
                parentID: SpanKeys.spanText(stmt.value(2)),
                service: stmt.isNull(3) ? "?" : (try name(stmt.int64(3)) ?? "?"),
                name: stmt.isNull(4) ? "" : (try name(stmt.int64(4)) ?? ""),
                kind: SpanWriter.kind(code: stmt.int64(5)).rawValue, shared: stmt.int64(6) == 1,
                startUs: stmt.int64(7), durationUs: stmt.int64(8),
                status: statuses[Int(max(0, min(2, stmt.int64(9))))], httpStatus: stmt.isNull(10) ? nil : stmt.int64(10),
                requestID: stmt.isNull(11) ? nil : SpanKeys.requestText(stmt.value(11)),
                attributes: stmt.isNull(12) ? nil : stmt.text(12)), stmt)
        }
    }

    static let lineColumns = """
        id, start_us, duration_ms, upstream_ms, reporter, direction, method, path, route, status, flags, service,
        upstream_local, downstream_local, downstream_remote, request_id, trace_id, upstream_host, upstream_cluster, details, subset
        """

    public func logLines(request: String) throws -> [TraceLogLine] {
        try lineRows("""
            SELECT \(Self.lineColumns) FROM access_log WHERE id IN
              (SELECT e.id FROM request r JOIN log_entry e ON e.req = r.id WHERE r.rid = ?) ORDER BY id
            """, [SpanKeys.request(request)])
    }

    public func logLines(trace: String) throws -> [TraceLogLine] {
        try lineRows("SELECT \(Self.lineColumns) FROM access_log WHERE id IN (SELECT id FROM log_entry WHERE tid = ?) ORDER BY id",
                     [SpanKeys.trace(trace)])
    }

    private func lineRows(_ sql: String, _ args: [SQLValue]) throws -> [TraceLogLine] {
        try db.cachedRows(sql, args).map { r in
            TraceLogLine(id: r[0].int64 ?? 0, startUs: r[1].int64 ?? 0, durationMs: r[2].int64 ?? 0,
                         upstreamMs: r[3].int64, reporter: r[4].string ?? "", inbound: r[5].string == "inbound",
                         method: r[6].string ?? "", path: r[7].string ?? "", route: r[8].string,
                         status: r[9].int64 ?? 0, flags: r[10].string ?? "", service: r[11].string,
                         upstreamLocal: r[12].string, downstreamLocal: r[13].string, downstreamRemote: r[14].string,
                         requestID: r[15].string, traceID: r[16].string, upstreamHost: r[17].string,
                         upstreamCluster: r[18].string, details: r[19].string, subset: r[20].string)
        }
    }

    // MARK: Many at once

    public func records(requests: [String], traces: [String]) throws -> TraceRecordBatch {
        var batch = TraceRecordBatch()
        let decoder = LineDecoder(db: db)
        var lines: [Int64: TraceLogLine] = [:]
        /// The asked ids by the value the store keeps (`ABC…` and `abc…` name one trace).
        func keys(_ ids: [String], _ stored: (String) -> SQLValue) -> [SQLValue: [String]] {
            var out: [SQLValue: [String]] = [:]
            for id in Set(ids) { out[stored(id), default: []].append(id) }
            return out
        }
        /// `?, ?, …` for `n` values.
        func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

        // Requests: their row ids, their lines through the request index, the traces their spans name.
        let requestKeys = keys(requests, SpanKeys.request)
        for list in requestKeys.values { for r in list { batch.linesByRequest[r] = []; batch.tracesByRequest[r] = [] } }
        var keysByRow: [Int64: [String]] = [:]
        var tracesFound: [String: [(first: Int64, trace: String)]] = [:]
        try forEachChunk(Array(requestKeys.keys)) { part in
            for r in try db.cachedRows("SELECT id, rid FROM request WHERE rid IN (\(marks(part.count)))", Array(part)) {
                if let id = r[0].int64, let list = requestKeys[r[1]] { keysByRow[id, default: []] += list }
            }
            for r in try db.cachedRows("""
                SELECT req, trace_id, min(id) FROM span_entry WHERE req IN (\(marks(part.count))) GROUP BY req, trace_id
                """, Array(part)) {
                guard let trace = SpanKeys.traceText(r[1]), let first = r[2].int64 else { continue }
                for k in requestKeys[r[0]] ?? [] { tracesFound[k, default: []].append((first, trace)) }
            }
        }
        for (k, found) in tracesFound { batch.tracesByRequest[k] = found.sorted { $0.first < $1.first }.map(\.trace) }
        // (Lines by id only when traces are asked too: their lines are then read once.)
        let keepLines = !traces.isEmpty
        try forEachChunk(keysByRow.keys.sorted()) { part in
            try decoder.lines("e.req IN (\(marks(part.count)))", part.map { .integer($0) }) { line, req in
                if keepLines { lines[line.id] = line }
                for k in keysByRow[req] ?? [] { batch.linesByRequest[k]?.append(line) }
            }
        }

        // Traces: their spans through the trace index, then their lines' ids, then the lines not read yet.
        let traceKeys = keys(traces, SpanKeys.trace)
        for list in traceKeys.values { for t in list { batch.spansByTrace[t] = []; batch.linesByTrace[t] = [] } }
        var lineIDsByTrace: [String: [Int64]] = [:]
        try forEachChunk(Array(traceKeys.keys)) { part in
            try eachSpan("SELECT \(Self.spanColumns), s.id FROM span_entry s WHERE s.trace_id IN (\(marks(part.count))) ORDER BY s.id",
                         Array(part)) { span, stmt in
                for k in traceKeys[stmt.value(0)] ?? [] { batch.spansByTrace[k]?.append(span) }
            }
            for r in try db.cachedRows("SELECT id, tid FROM log_row WHERE tid IN (\(marks(part.count)))", Array(part)) {
                guard let id = r[0].int64 else { continue }
                for k in traceKeys[r[1]] ?? [] { lineIDsByTrace[k, default: []].append(id) }
            }
        }
        let missing = Set(lineIDsByTrace.values.joined()).filter { lines[$0] == nil }.sorted()
        try forEachChunk(missing) { part in
            try decoder.lines("e.id IN (\(marks(part.count)))", part.map { .integer($0) }) { line, _ in lines[line.id] = line }
        }
        for (k, ids) in lineIDsByTrace { batch.linesByTrace[k] = ids.sorted().compactMap { lines[$0] } }
        // Each list in the order of the one-at-a-time statements: by line id.
        for (k, list) in batch.linesByRequest { batch.linesByRequest[k] = list.sorted { $0.id < $1.id } }
        return batch
    }

    public func failingRequests(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        var wheres = ["e.req IS NOT NULL", "(e.status >= 500 OR e.status = 0)"]
        var args: [SQLValue] = []
        if let s = sinceUs { wheres.append("e.start_us >= ?"); args.append(.integer(s)) }
        if let u = untilUs { wheres.append("e.start_us < ?"); args.append(.integer(u)) }
        let scan = try scanBeatsIndex(sinceUs: sinceUs, untilUs: untilUs) ? " NOT INDEXED" : ""
        return try db.rows("""
            SELECT r.rid FROM request r WHERE r.id IN (SELECT DISTINCT e.req FROM log_row e\(scan) WHERE \(wheres.joined(separator: " AND ")))
            LIMIT \(limit)
            """, args).compactMap { SpanKeys.requestText($0[0]) }
    }

    /// Whether `[sinceUs, untilUs)` covers so much of the lines' span (a fifth or more) that reading every line in
    /// the table's order beats seeking through the time index, whose rows are random reads (a whole day of the
    /// 10M-line store: 0.7 s against 4 s).
    private func scanBeatsIndex(sinceUs: Int64?, untilUs: Int64?) throws -> Bool {
        guard sinceUs != nil || untilUs != nil else { return false }
        guard let bounds = try db.cachedRows(StoreSchema.startBounds).first, let first = bounds[0].int64, let last = bounds[1].int64
        else { return false }
        let from = max(first, sinceUs ?? first), to = min(last + 1, untilUs ?? last + 1)
        return to - from >= (last + 1 - first) / 5
    }

    public func failingTraces(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        var wheres = ["(http_status >= 500 OR http_status = 0 OR (http_status IS NULL AND status = 2))"]
        var args: [SQLValue] = []
        if let s = sinceUs { wheres.append("start_us >= ?"); args.append(.integer(s)) }
        if let u = untilUs { wheres.append("start_us < ?"); args.append(.integer(u)) }
        return try db.rows("""
            SELECT DISTINCT trace_id FROM span_entry WHERE \(wheres.joined(separator: " AND ")) LIMIT \(limit)
            """, args).compactMap { SpanKeys.traceText($0[0]) }
    }

    public func searchRequests(_ filter: TraceFilter) throws -> [TraceSummary] {
        var having: [String] = []
        var args: [SQLValue] = []
        var wheres = ["e.req IS NOT NULL"]
        if let s = filter.sinceUs { wheres.append("e.start_us >= ?"); args.append(.integer(s)) }
        if let u = filter.untilUs { wheres.append("e.start_us < ?"); args.append(.integer(u)) }
        var havingArgs: [SQLValue] = []
        for service in filter.services {
            having.append("max(e.service IN (SELECT id FROM dict WHERE value = ?))")
            havingArgs.append(.text(service))
        }
        if let status = filter.status {
            guard let range = TraceFilter.statusRange(status) else { throw TraceReaderError.badStatus(status) }
            having.append("max(e.status BETWEEN ? AND ?)")
            havingArgs += [.integer(range.lowerBound), .integer(range.upperBound)]
        }
        if let flag = filter.flag {
            having.append("max(e.flags IN (SELECT flags FROM flag_set WHERE flag = ?))")
            havingArgs.append(.text(flag.uppercased()))
        }
        if let d = filter.minDurationUs {
            having.append("max(e.start_us + e.duration_ms * 1000) - min(e.start_us) >= ?")
            havingArgs.append(.integer(d))
        }
        let sql = """
            SELECT e.req, min(e.start_us) AS s, max(e.start_us + e.duration_ms * 1000) - min(e.start_us),
                   sum(e.direction = 2)
            FROM log_entry e WHERE \(wheres.joined(separator: " AND "))
            GROUP BY e.req \(having.isEmpty ? "" : "HAVING " + having.joined(separator: " AND "))
            ORDER BY s LIMIT \(filter.limit)
            """
        var out: [TraceSummary] = []
        let rootStmt = try db.prepare("""
            SELECT service, coalesce(route, path), method FROM access_log WHERE id =
              (SELECT id FROM log_entry WHERE req = ? ORDER BY start_us, duration_ms DESC, direction DESC LIMIT 1)
            """)
        let errorStmt = try db.prepare("""
            SELECT service, status, flags, reporter, direction FROM access_log WHERE id =
              (SELECT id FROM log_entry WHERE req = ? AND (status >= 500 OR status = 0)
               ORDER BY start_us + duration_ms * 1000, direction LIMIT 1)
            """)
        let ridStmt = try db.prepare("SELECT rid FROM request WHERE id = ?")
        for r in try db.rows(sql, args + havingArgs) {
            let req = r[0]
            ridStmt.reset()
            try ridStmt.bind([req])
            var id = "?"
            if try ridStmt.step() { id = SpanKeys.requestText(ridStmt.value(0)) ?? "?" }
            ridStmt.reset()
            rootStmt.reset()
            try rootStmt.bind([req])
            var service = "", route = ""
            if try rootStmt.step() {
                service = rootStmt.text(0) ?? "?"
                route = (rootStmt.text(2).map { $0 + " " } ?? "") + (rootStmt.text(1) ?? "")
            }
            rootStmt.reset()
            errorStmt.reset()
            try errorStmt.bind([req])
            var firstError = ""
            if try errorStmt.step() {
                let flags = errorStmt.text(2) ?? ""
                firstError = "\(errorStmt.text(0) ?? "?") \(errorStmt.int64(1))" + (flags.isEmpty || flags == "-" ? "" : " \(flags)")
            }
            errorStmt.reset()
            out.append(TraceSummary(id: id, startUs: r[1].int64 ?? 0, rootService: service, rootRoute: route,
                           durationUs: r[2].int64 ?? 0, hops: Int(r[3].int64 ?? 0), firstError: firstError))
        }
        return out
    }

    /// Traces known only from spans (no access-log line shares their request ids).
    public func searchSpanTraces(_ filter: TraceFilter) throws -> [TraceSummary] {
        guard filter.limit > 0, filter.flag == nil else { return [] }
        // Aggregates are named in an inner query and tested outside it: SQLite refuses an
        // aggregate inside a correlated subquery of HAVING ("misuse of aggregate function").
        var columns = ["max(s.req) AS req"]
        var conditions = ["(t.req IS NULL OR NOT EXISTS (SELECT 1 FROM request r WHERE r.rid = t.req))"]
        var args: [SQLValue] = []
        for (i, service) in filter.services.enumerated() {
            columns.append("max(s.service IN (SELECT id FROM span_dict WHERE value = ?)) AS service\(i)")
            conditions.append("t.service\(i)")
            args.append(.text(service))
        }
        if let status = filter.status {
            guard let range = TraceFilter.statusRange(status) else { throw TraceReaderError.badStatus(status) }
            columns.append("max(s.http_status BETWEEN ? AND ?) AS failed")
            conditions.append("t.failed")
            args += [.integer(range.lowerBound), .integer(range.upperBound)]
        }
        var outerArgs: [SQLValue] = []
        if let d = filter.minDurationUs { conditions.append("t.duration >= ?"); outerArgs.append(.integer(d)) }
        if let v = filter.sinceUs { conditions.append("t.st >= ?"); outerArgs.append(.integer(v)) }
        if let v = filter.untilUs { conditions.append("t.st < ?"); outerArgs.append(.integer(v)) }
        let sql = """
            SELECT t.trace_id, t.st, t.duration, t.servers FROM (
              SELECT s.trace_id, min(s.start_us) AS st, max(s.start_us + s.duration_us) - min(s.start_us) AS duration,
                     sum(s.kind = 3) AS servers, \(columns.joined(separator: ", "))
              FROM span_entry s GROUP BY s.trace_id) t
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY t.st LIMIT \(filter.limit)
            """
        args += outerArgs
        let root = try db.prepare("""
            SELECT (SELECT value FROM span_dict WHERE id = service), (SELECT value FROM span_dict WHERE id = name)
            FROM span_entry WHERE trace_id = ? ORDER BY parent_id IS NOT NULL, start_us, duration_us DESC LIMIT 1
            """)
        let err = try db.prepare("""
            SELECT (SELECT value FROM span_dict WHERE id = service), http_status,
                   (SELECT value FROM span_dict WHERE id = name)
            FROM span_entry WHERE trace_id = ? AND status = 2 ORDER BY start_us + duration_us LIMIT 1
            """)
        var out: [TraceSummary] = []
        for r in try db.rows(sql, args) {
            var service = "", name = "", firstError = ""
            root.reset()
            try root.bind([r[0]])
            if try root.step() { service = root.text(0) ?? "?"; name = root.text(1) ?? "" }
            root.reset()
            err.reset()
            try err.bind([r[0]])
            if try err.step() {
                firstError = "\(err.text(0) ?? "?") " + (err.isNull(1) ? "error \(err.text(2) ?? "")" : String(err.int64(1)))
            }
            err.reset()
            out.append(TraceSummary(id: SpanKeys.traceText(r[0]) ?? "?", startUs: r[1].int64 ?? 0, rootService: service,
                           rootRoute: name, durationUs: r[2].int64 ?? 0, hops: Int(r[3].int64 ?? 0), firstError: firstError))
        }
        return out
    }
}

/// Reads `log_entry` rows as ``TraceLogLine``s without the `access_log` view's per-row subqueries: names through a
/// cache of `dict`, addresses, request and trace ids rendered as the view renders them.
private final class LineDecoder {
    private let db: Database
    private var names: [Int64: String?] = [:]
    /// The last request id rendered, by `req` (a request's lines come together).
    private var lastRequest: (req: Int64, text: String?)?

    init(db: Database) { self.db = db }

    /// The columns ``lines(_:_:_:)`` reads, `e` being `log_entry` and `r` its `request` row.
    static let columns = """
        e.id, e.start_us, e.duration_ms, e.upstream_ms, e.reporter, e.direction, e.method, e.path, e.route, e.status, e.flags,
        e.service, e.upstream_local, e.downstream_local, e.downstream_remote, r.rid, e.tid, e.upstream_host, e.cluster, e.details,
        e.subset, e.req
        """

    /// Calls `body` with each line matching `condition` (SQL on `log_entry e`) and its `req`.
    func lines(_ condition: String, _ args: [SQLValue], _ body: (TraceLogLine, Int64) throws -> Void) throws {
        let stmt = try db.cachedStatement("SELECT \(Self.columns) FROM log_entry e LEFT JOIN request r ON r.id = e.req WHERE \(condition)")
        defer { stmt.reset() }
        try stmt.bind(args)
        while try stmt.step() {
            func int(_ i: Int32) -> Int64? { stmt.isNull(i) ? nil : stmt.int64(i) }
            try body(TraceLogLine(
                id: stmt.int64(0), startUs: stmt.int64(1), durationMs: stmt.int64(2), upstreamMs: int(3),
                reporter: try name(int(4)) ?? "", inbound: int(5) == 1, method: try name(int(6)) ?? "",
                path: try nameOrText(stmt.value(7)) ?? "", route: try name(int(8)), status: stmt.int64(9),
                flags: try name(int(10)) ?? "", service: try name(int(11)), upstreamLocal: Self.address(stmt.value(12)),
                downstreamLocal: try name(int(13)), downstreamRemote: Self.address(stmt.value(14)),
                requestID: requestID(stmt), traceID: SpanKeys.traceText(stmt.value(16)), upstreamHost: try name(int(17)),
                upstreamCluster: try name(int(18)), details: try name(int(19)), subset: try name(int(20))), stmt.int64(21))
        }
    }

    /// The request id of the current row (column 15, its `req` in 21), rendered once per request.
    private func requestID(_ stmt: Statement) -> String? {
        if stmt.isNull(21) { return SpanKeys.requestText(stmt.value(15)) }
        let req = stmt.int64(21)
        if let last = lastRequest, last.req == req { return last.text }
        let text = SpanKeys.requestText(stmt.value(15))
        lastRequest = (req, text)
        return text
    }

    /// `dict` value `id` (nil for none), as `(SELECT value FROM dict WHERE id = …)`.
    private func name(_ id: Int64?) throws -> String? {
        guard let id else { return nil }
        if let known = names[id] { return known }
        let lookup = try db.cachedStatement("SELECT value FROM dict WHERE id = ?")
        defer { lookup.reset() }
        lookup.bind(id, at: 1)
        let value = try lookup.step() ? lookup.value(0).string : nil
        names[id] = value
        return value
    }

    /// A `dict` id or the text itself (``StoreSchema/dictOrText(_:table:)``).
    private func nameOrText(_ v: SQLValue) throws -> String? {
        if case .integer(let id) = v { return try name(id) }
        return v.string
    }

    /// An address stored as `ip << 16 | port` rendered `a.b.c.d:port`, or the text stored (``StoreSchema/address(_:)``).
    static func address(_ v: SQLValue) -> String? {
        guard case .integer(let x) = v else { return v.string }
        return "\((x >> 40) & 255).\((x >> 32) & 255).\((x >> 24) & 255).\((x >> 16) & 255):\(x & 65535)"
    }
}

/// A trace search that cannot run.
public enum TraceReaderError: Error, CustomStringConvertible {
    /// `--status` is neither a class (`5xx`) nor a code.
    case badStatus(String)

    public var description: String {
        switch self {
        case .badStatus(let s): "cannot read --status '\(s)'; use 5xx, 4xx or a code such as 503"
        }
    }
}
