import MeshLogStore

/// Turns a loaded request or trace into ``ExportSpan``s: `meshlog export` and the Jaeger query API.
///
/// - Spans from span files keep their ids, kinds, times and attributes; the access-log line merged into a span adds
///   its attributes (``logAttributes(_:client:)``) where the span lacks them.
/// - A hop rebuilt from access logs becomes a CLIENT span (the caller's outbound line) and a SERVER span under it
///   (the callee's inbound line); a retried hop gets one SERVER span per attempt, so retries stay visible. An
///   inbound line whose caller did not log is a SERVER span of its own.
/// - Ids of log-built spans are stable: the trace id is the lines' own trace id when they carry one, otherwise a
///   hash of the x-request-id; span ids hash the request id and the line's identity (reporter, direction, start,
///   duration, method, path, status, addresses), so exporting twice gives the same bytes.
/// - Times of log-built spans are the lines' own (millisecond) start and duration, not the adjusted tree's.
public struct TraceExporter {
    /// The instrumentation scope name written to OTLP.
    public static let scopeName = "meshlog"

    public init() {}

    /// The spans of `trace`, parents before children.
    public func spans(_ trace: LoadedTrace) -> [ExportSpan] {
        let tree = trace.tree
        var linesByID: [Int64: TraceLogLine] = [:]
        for line in trace.lines { linesByID[line.id] = line }
        var spansByKey: [String: [TraceSpan]] = [:]
        for span in trace.spans { spansByKey[Self.key(span.spanID, span.kind, span.shared), default: []].append(span) }

        let logTraceID = Self.logTraceID(trace)
        var anchor: [[UInt8]?] = Array(repeating: nil, count: tree.nodes.count)
        var usedIDs = Set<[UInt8]>()
        var out: [ExportSpan] = []
        out.reserveCapacity(tree.nodes.count * 2)

        func derivedID(_ line: TraceLogLine, _ role: String) -> [UInt8] {
            let identity = "\(line.requestID ?? "")|\(role)|\(line.reporter)|\(line.inbound ? "in" : "out")|\(line.startUs)|"
                + "\(line.durationMs)|\(line.method)|\(line.path)|\(line.status)|\(line.upstreamLocal ?? "")|"
                + "\(line.downstreamRemote ?? "")"
            var id = StableHash.spanID(identity)
            var n = 1
            while !usedIDs.insert(id).inserted {
                id = StableHash.spanID(identity + "#\(n)")
                n += 1
            }
            return id
        }
        func logSpan(_ line: TraceLogLine, client: Bool, service: String, id: [UInt8], parent: [UInt8]?) -> ExportSpan {
            ExportSpan(traceID: logTraceID, spanID: id, parentID: parent, service: service, name: line.operation,
                       kind: client ? .client : .server, startUs: line.startUs, durationUs: line.durationMs * 1000,
                       status: line.isError ? .error : .unset, remoteService: client ? line.service : nil,
                       attributes: Self.logAttributes(line, client: client))
        }
        /// The service a node's own work runs in (what its child calls are made from).
        func callerService(_ parent: Int?, _ line: TraceLogLine) -> String {
            guard let parent else { return LogTreeBuilder.workload(line.reporter) }
            return tree.nodes[parent].service
        }

        var visited = Array(repeating: false, count: tree.nodes.count)
        func emit(_ i: Int) {
            visited[i] = true
            let node = tree.nodes[i]
            let parentAnchor = node.parent.flatMap { anchor[$0] }
            switch node.kind {
            case .span:
                guard let id = node.spanID, var queue = spansByKey[Self.key(id, node.spanKind ?? "", node.shared)],
                      !queue.isEmpty else { return }
                let span = queue.removeFirst()
                spansByKey[Self.key(id, node.spanKind ?? "", node.shared)] = queue
                let merged = node.logLines.compactMap { linesByID[$0] }.first
                let exported = Self.fileSpan(span, line: merged)
                usedIDs.insert(exported.spanID)
                anchor[i] = exported.spanID
                out.append(exported)
            case .hop:
                guard let outbound = node.logLines.first.flatMap({ linesByID[$0] }) else { return }
                let clientID = derivedID(outbound, "client")
                out.append(logSpan(outbound, client: true, service: callerService(node.parent, outbound), id: clientID,
                                   parent: parentAnchor))
                anchor[i] = clientID
                let hasAttemptRows = node.children.contains { tree.nodes[$0].kind == .attempt }
                if !hasAttemptRows, node.logLines.count > 1, let inbound = linesByID[node.logLines[1]] {
                    let serverID = derivedID(inbound, "server")
                    out.append(logSpan(inbound, client: false, service: inbound.service ?? node.service, id: serverID,
                                       parent: clientID))
                    anchor[i] = serverID
                }
            case .attempt, .inbound:
                guard let inbound = node.logLines.first.flatMap({ linesByID[$0] }) else { return }
                let serverID = derivedID(inbound, "server")
                var span = logSpan(inbound, client: false, service: inbound.service ?? node.service, id: serverID,
                                   parent: parentAnchor)
                if let attempt = node.attempt { span.attributes.append(ExportAttribute("meshlog.attempt", .int(Int64(attempt)))) }
                out.append(span)
                anchor[i] = serverID
            }
        }
        tree.forEachPreOrder { i, _ in emit(i) }
        // Rows no root reaches (spans whose parent links form a cycle, as some test fixtures' do) are exported too.
        for i in tree.nodes.indices where !visited[i] { emit(i) }
        return out
    }

    /// Exports every request and trace the search `filter` finds (``TraceSearch``), each trace once (requests of
    /// one trace are loaded together), calling `body` with each trace's spans in search order.
    ///
    /// - Returns: how many traces were passed to `body`.
    @discardableResult
    public func export(from reader: any TraceReader, filter: TraceFilter, _ body: ([ExportSpan]) throws -> Void) throws -> Int {
        try export(from: reader, filter: filter) { try body($0); return true }
    }

    /// How many found requests ``export(from:filter:while:)`` loads together (their records in a few statements).
    static let batchSize = 250

    /// As ``export(from:filter:_:)``, until `body` returns false.
    @discardableResult
    func export(from reader: any TraceReader, filter: TraceFilter, while body: ([ExportSpan]) throws -> Bool) throws -> Int {
        let loader = TraceLoader(reader: reader)
        var seenTraces = Set<[UInt8]>()
        var seenRequests = Set<String>()
        var count = 0
        let rows = try TraceSearch(reader: reader).run(filter)
        var start = 0
        while start < rows.count {
            // A batch of the found requests not yet exported with an earlier trace, loaded together; one that an
            // earlier request of the same batch turns out to belong to is skipped as before.
            let batch = rows[start..<min(start + Self.batchSize, rows.count)].filter { !seenRequests.contains($0.id) }
            start += Self.batchSize
            for (row, loaded) in zip(batch, try loader.loadRecords(batch.map(\.id))) where !seenRequests.contains(row.id) {
                guard let loaded else { continue }
                seenRequests.formUnion(loaded.tree.requestIDs)
                let spans = spans(loaded)
                guard let first = spans.first, seenTraces.insert(first.traceID).inserted else { continue }
                count += 1
                guard try body(spans) else { return count }
            }
        }
        return count
    }

    private static func key(_ id: String, _ kind: String, _ shared: Bool) -> String { "\(id)|\(kind)|\(shared)" }

    /// The trace id of the log-built spans: the lines' trace id, else the spans', else the request id's 16 bytes
    /// when it is a UUID (Envoy's x-request-id is a UUID v4, so the trace id leads back to the request), else a
    /// hash of the request id.
    static func logTraceID(_ trace: LoadedTrace) -> [UInt8] {
        for line in trace.lines {
            if let t = line.traceID, let bytes = HexID.bytes(t, width: 16) { return bytes }
        }
        if let t = trace.tree.traceIDs.first, let bytes = HexID.bytes(t, width: 16) { return bytes }
        let request = trace.tree.requestIDs.first ?? trace.lines.compactMap(\.requestID).min() ?? ""
        return uuidBytes(request) ?? StableHash.traceID("x-request-id:" + request)
    }

    /// The 16 bytes of a UUID written 8-4-4-4-12 (any case), nil for anything else.
    static func uuidBytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        return HexID.bytes(parts.joined(), width: 16)
    }

    /// The UUID text (8-4-4-4-12, lowercase) of 32 hex digits, nil for anything else: the request id behind a
    /// trace id that ``logTraceID(_:)`` took from a UUID.
    public static func requestID(fromTraceID hex: String) -> String? {
        let h = Array(hex.lowercased())
        guard h.count == 32, h.allSatisfy(\.isHexDigit) else { return nil }
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// OpenTelemetry semantic-convention and Envoy attributes of an access-log line.
    ///
    /// - Parameter client: the line is the caller's outbound line (peer: the upstream host), else the callee's
    ///   inbound line (peer: the downstream address).
    public static func logAttributes(_ line: TraceLogLine, client: Bool) -> [ExportAttribute] {
        var a: [ExportAttribute] = [
            ExportAttribute("http.request.method", .string(line.method)),
            ExportAttribute("url.path", .string(line.path)),
        ]
        if let route = line.route { a.append(ExportAttribute("http.route", .string(route))) }
        a.append(ExportAttribute("http.response.status_code", .int(line.status)))
        if let service = line.service { a.append(ExportAttribute("server.address", .string(service))) }
        if let peer = TraceLogLine.ip(client ? line.upstreamHost : line.downstreamRemote) {
            a.append(ExportAttribute("network.peer.address", .string(peer)))
        }
        if let cluster = line.upstreamCluster { a.append(ExportAttribute("upstream_cluster", .string(cluster))) }
        a.append(ExportAttribute("response_flags", .string(line.flags.isEmpty ? "-" : line.flags)))
        if let request = line.requestID { a.append(ExportAttribute("guid:x-request-id", .string(request))) }
        a.append(ExportAttribute("meshlog.reporter", .string(line.reporter)))
        return a
    }

    /// Stored attributes that the span's own fields carry on export (the decoders add them at ingest).
    static let fieldAttributes: Set<String> = [
        "otel.scope.name", "otel.scope.version", "otel.status_code", "error", "span.kind",
        "localEndpoint.serviceName", "remoteEndpoint.serviceName", "peer.service",
    ]

    /// A span from a span file as it was, with its merged line's attributes where the span lacks them.
    static func fileSpan(_ span: TraceSpan, line: TraceLogLine?) -> ExportSpan {
        let traceID = HexID.bytes(span.traceID, width: 16) ?? StableHash.traceID("trace-id:" + span.traceID)
        let spanID = HexID.bytes(span.spanID, width: 8) ?? StableHash.spanID("span-id:" + span.spanID)
        let parentID = span.parentID.map { HexID.bytes($0, width: 8) ?? StableHash.spanID("span-id:" + $0) }
        let status: ExportSpan.Status = span.status == "error" ? .error : span.status == "ok" ? .ok : .unset
        var attributes: [ExportAttribute] = []
        var remote: String?
        var keys = Set<String>()
        for (key, value) in FlatJSONObject.pairs(span.attributes ?? "") {
            if key == "peer.service" || key == "remoteEndpoint.serviceName" { remote = remote ?? value }
            guard !fieldAttributes.contains(key), keys.insert(key).inserted else { continue }
            if key == "http.status_code" || key == "http.response.status_code", let code = Int64(value) {
                attributes.append(ExportAttribute(key, .int(code)))
            } else {
                attributes.append(ExportAttribute(key, .string(value)))
            }
        }
        if let line {
            for a in logAttributes(line, client: span.kind == "client") where keys.insert(a.key).inserted {
                attributes.append(a)
            }
            if span.kind == "client" { remote = remote ?? line.service }
        }
        return ExportSpan(traceID: traceID, spanID: spanID, parentID: parentID, service: span.service, name: span.name,
                          kind: ExportSpan.Kind(stored: span.kind), startUs: span.startUs, durationUs: span.durationUs,
                          status: status, remoteService: remote, attributes: attributes)
    }
}
