import MeshLogStore

/// Finds a request or trace in the store and builds its tree, using the indexes only
/// (`request(rid)` → `log_entry(req)`, `log_entry(tid)`, `span_entry(trace_id)`, `span_entry(req)`).
public struct TraceLoader {
    /// Where the spans and lines come from.
    public let reader: any TraceReader

    /// A loader over any store.
    public init(reader: any TraceReader) { self.reader = reader }

    /// A loader over the SQLite store `db` is open on.
    public init(db: Database) { self.init(reader: SQLiteTraceReader(db: db)) }

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
    public func load(_ raw: String) throws -> TraceTree? { try loadRecords(raw)?.tree }

    /// Loads each of `ids` as ``loadRecords(_:)`` does (the same trees, through the same code), its records read
    /// for all of them at once: a few statements per round of the join's closure (lines name traces, spans name
    /// requests) instead of several per id; whatever the rounds did not read is read one at a time.
    public func loadRecords(_ ids: [String]) throws -> [LoadedTrace?] {
        var requests: [String] = [], traces: [String] = []
        for raw in ids {
            switch Self.classify(raw) {
            case .trace(let t): traces.append(t)
            case .request(let r): requests.append(r)
            }
        }
        var batch = TraceRecordBatch()
        for _ in 0..<3 where !requests.isEmpty || !traces.isEmpty {
            batch.merge(try reader.records(requests: requests, traces: traces))
            (requests, traces) = batch.named()
        }
        let batched = TraceLoader(reader: BatchedTraceReader(batch: batch, fallback: reader))
        return try ids.map { try batched.loadRecords($0) }
    }

    /// Loads everything the store holds about `id`: the adjusted tree with the spans and lines it was built from
    /// (what an export needs); nil when nothing matches.
    public func loadRecords(_ raw: String) throws -> LoadedTrace? {
        var traceIDs: [String] = []
        var requestIDs: [String] = []
        var read: [String: [TraceSpan]] = [:]
        switch Self.classify(raw) {
        case .trace(let t):
            traceIDs = [t]
            // Kept for the first round below (a trace can hold 80,000 spans: read them once).
            read[t] = try reader.spans(trace: t)
            if read[t]!.isEmpty, try reader.logLines(trace: t).isEmpty {
                traceIDs = []
                requestIDs = [raw]  // a request id that happens to look like hex
            }
        case .request(let r):
            requestIDs = [r]
            // Non-hex trace ids (jaeger-ui fixtures use `trace-123`) are stored as lowercase text.
            if try reader.logLines(request: r).isEmpty, try reader.traces(request: r).isEmpty, !(try reader.spans(trace: r.lowercased()).isEmpty) {
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
                let found = try read.removeValue(forKey: t) ?? reader.spans(trace: t)
                spans += found
                for s in found { if let r = s.requestID, !requestIDs.contains(r) { requestIDs.append(r) } }
                for l in try reader.logLines(trace: t) where lineIDs.insert(l.id).inserted {
                    lines.append(l)
                    if let r = l.requestID, !requestIDs.contains(r) { requestIDs.append(r) }
                }
            }
            for r in requestIDs where seenRequests.insert(r).inserted {
                for l in try reader.logLines(request: r) where lineIDs.insert(l.id).inserted { lines.append(l) }
                for t in try reader.traces(request: r) where !traceIDs.contains(t) { traceIDs.append(t) }
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
        return LoadedTrace(tree: tree, spans: spans, lines: lines)
    }
}

/// A request or trace as ``TraceLoader`` found it: the adjusted tree and the records it was built from.
public struct LoadedTrace: Sendable {
    /// The adjusted tree (`logLines` name ids of `lines`).
    public var tree: TraceTree
    /// The spans of its traces.
    public var spans: [TraceSpan]
    /// The access-log lines of its requests and traces.
    public var lines: [TraceLogLine]

    /// The records and the tree built from them.
    public init(tree: TraceTree, spans: [TraceSpan], lines: [TraceLogLine]) {
        self.tree = tree
        self.spans = spans
        self.lines = lines
    }
}
