import MeshLogStore

/// Finds a request or trace in the store and builds its tree, using the indexes only
/// (`request(rid)` → `log_entry(req)`, `log_entry(tid)`, `span_entry(trace_id)`, `span_entry(req)`).
public struct TraceLoader {
    public let db: Database

    public init(db: Database) { self.db = db }

    /// What an ID given on the command line can be.
    public enum Identifier: Equatable, Sendable {
        case trace(String)
        case request(String)
    }

    /// A trace id is 16 or 32 hex digits (any case); anything else is an x-request-id.
    public static func classify(_ raw: String) -> Identifier {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if (s.count == 16 || s.count == 32 || s.count == 31), s.allSatisfy(\.isHexDigit) {
            return .trace(String(repeating: "0", count: 32 - s.count) + s.lowercased())
        }
        return .request(s)
    }

    /// Loads everything the store holds about `id` and builds the adjusted tree; nil when nothing matches.
    public func load(_ raw: String) throws -> TraceTree? {
        var traceIDs: [String] = []
        var requestIDs: [String] = []
        switch Self.classify(raw) {
        case .trace(let t):
            traceIDs = [t]
            if try spans(trace: t).isEmpty, try logLines(trace: t).isEmpty {
                traceIDs = []
                requestIDs = [raw]  // a request id that happens to look like hex
            }
        case .request(let r):
            requestIDs = [r]
            // Non-hex trace ids (jaeger-ui fixtures use `trace-123`) are stored as lowercase text.
            if try logLines(request: r).isEmpty, try traces(request: r).isEmpty, !(try spans(trace: r.lowercased()).isEmpty) {
                requestIDs = []
                traceIDs = [r.lowercased()]
            }
        }
        // Close over the join: spans name request ids, request ids name traces.
        var spans: [TraceSpan] = []
        var lines: [TraceLogLine] = []
        var seenTraces = Set<String>()
        var seenRequests = Set<String>()
        var lineIDs = Set<Int64>()
        var rounds = 0
        while rounds < 3, traceIDs.contains(where: { !seenTraces.contains($0) }) || requestIDs.contains(where: { !seenRequests.contains($0) }) {
            rounds += 1
            for t in traceIDs where seenTraces.insert(t).inserted {
                let found = try self.spans(trace: t)
                spans += found
                for s in found { if let r = s.requestID, !requestIDs.contains(r) { requestIDs.append(r) } }
                for l in try logLines(trace: t) where lineIDs.insert(l.id).inserted {
                    lines.append(l)
                    if let r = l.requestID, !requestIDs.contains(r) { requestIDs.append(r) }
                }
            }
            for r in requestIDs where seenRequests.insert(r).inserted {
                for l in try logLines(request: r) where lineIDs.insert(l.id).inserted { lines.append(l) }
                for t in try traces(request: r) where !traceIDs.contains(t) { traceIDs.append(t) }
            }
        }
        guard !spans.isEmpty || !lines.isEmpty else { return nil }
        var tree = TraceTree()
        tree.traceIDs = traceIDs.filter { t in spans.contains { $0.traceID == t } || lines.contains { $0.traceID == t } }
        tree.requestIDs = requestIDs.filter { r in lines.contains { $0.requestID == r } || spans.contains { $0.requestID == r } }
        if spans.isEmpty {
            tree.basis = "rebuilt from access logs"
            LogTreeBuilder().build(lines, into: &tree)
        } else {
            tree.basis = lines.isEmpty ? "spans" : "spans + access logs"
            SpanTreeBuilder().build(spans: spans, lines: lines, into: &tree)
        }
        tree.applyStandardAdjusters()
        return tree
    }

    static let spanColumns = """
        s.trace_id, s.span_id, s.parent_id, s.service, s.name, s.kind, s.shared, s.start_us, s.duration_us, s.status,
        s.http_status, s.req, s.attributes
        """

    func spans(trace: String) throws -> [TraceSpan] {
        try spanRows("SELECT \(Self.spanColumns) FROM span_entry s WHERE s.trace_id = ?", [SpanKeys.trace(trace)])
    }

    func traces(request: String) throws -> [String] {
        try db.rows("SELECT DISTINCT trace_id FROM span_entry WHERE req = ?", [SpanKeys.request(request)])
            .compactMap { SpanKeys.traceText($0[0]) }
    }

    func spanRows(_ sql: String, _ args: [SQLValue]) throws -> [TraceSpan] {
        // Step the statement directly and resolve names through a small cache: a trace can hold
        // tens of thousands of spans that share a handful of services, names and one trace id.
        let statuses = ["unset", "ok", "error"]
        let stmt = try db.prepare(sql)
        try stmt.bind(args)
        let nameLookup = try db.prepare("SELECT value FROM span_dict WHERE id = ?")
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
        var spans: [TraceSpan] = []
        while try stmt.step() {
            let traceValue = stmt.value(0)
            if traceValue != lastTraceValue {
                lastTraceValue = traceValue
                lastTraceText = SpanKeys.traceText(traceValue) ?? ""
            }
            spans.append(TraceSpan(
                traceID: lastTraceText, spanID: SpanKeys.spanText(stmt.value(1)) ?? "",
                parentID: SpanKeys.spanText(stmt.value(2)),
                service: stmt.isNull(3) ? "?" : (try name(stmt.int64(3)) ?? "?"),
                name: stmt.isNull(4) ? "" : (try name(stmt.int64(4)) ?? ""),
                kind: SpanWriter.kind(code: stmt.int64(5)).rawValue, shared: stmt.int64(6) == 1,
                startUs: stmt.int64(7), durationUs: stmt.int64(8),
                status: statuses[Int(max(0, min(2, stmt.int64(9))))], httpStatus: stmt.isNull(10) ? nil : stmt.int64(10),
                requestID: stmt.isNull(11) ? nil : SpanKeys.requestText(stmt.value(11)),
                attributes: stmt.isNull(12) ? nil : stmt.text(12)))
        }
        return spans
    }

    static let lineColumns = """
        id, start_us, duration_ms, upstream_ms, reporter, direction, method, path, route, status, flags, service,
        upstream_local, downstream_local, downstream_remote, request_id, trace_id
        """

    func logLines(request: String) throws -> [TraceLogLine] {
        try lineRows("""
            SELECT \(Self.lineColumns) FROM access_log WHERE id IN
              (SELECT e.id FROM request r JOIN log_entry e ON e.req = r.id WHERE r.rid = ?)
            """, [SpanKeys.request(request)])
    }

    func logLines(trace: String) throws -> [TraceLogLine] {
        try lineRows("SELECT \(Self.lineColumns) FROM access_log WHERE id IN (SELECT id FROM log_entry WHERE tid = ?)",
                     [SpanKeys.trace(trace)])
    }

    func lineRows(_ sql: String, _ args: [SQLValue]) throws -> [TraceLogLine] {
        try db.rows(sql, args).map { r in
            TraceLogLine(id: r[0].int64 ?? 0, startUs: r[1].int64 ?? 0, durationMs: r[2].int64 ?? 0,
                         upstreamMs: r[3].int64, reporter: r[4].string ?? "", inbound: r[5].string == "inbound",
                         method: r[6].string ?? "", path: r[7].string ?? "", route: r[8].string,
                         status: r[9].int64 ?? 0, flags: r[10].string ?? "", service: r[11].string,
                         upstreamLocal: r[12].string, downstreamLocal: r[13].string, downstreamRemote: r[14].string,
                         requestID: r[15].string, traceID: r[16].string)
        }
    }
}
