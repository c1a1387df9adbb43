import MeshLogStore
import MeshLogTerminal

/// One hop of a request, as `meshlog slow` breaks a request down.
public struct RequestHop: Sendable {
    /// Nesting depth: 0 for hops from the edge, 1 for the calls they made, …
    public var depth: Int
    /// The caller's line (outbound); nil for a hop from outside the mesh.
    public var client: StoredLine?
    /// The callee's line (inbound) for the final attempt; nil when the callee never saw it.
    public var server: StoredLine?
    /// Earlier attempts the callee logged (retries), oldest first.
    public var attempts: [StoredLine]

    /// The caller's workload, or `(outside mesh)`.
    public var source: String { client.map { $0.workload ?? $0.reporter ?? "?" } ?? AnswerQueries.outsideMesh }
    public var service: String? { client?.service ?? server?.service }
    public var subset: String? { client?.subset ?? server?.subset }
    public var start: Int64? { client?.startMicros ?? server?.startMicros }
    /// The status the caller got (the callee's, for a hop from outside).
    public var status: Int? { (client ?? server)?.status }
    public var flags: String? { (client ?? server)?.flags }
    /// Client minus server duration.
    public var overheadMs: Int64? {
        guard let c = client?.durationMs, let s = server?.durationMs else { return nil }
        return c - s
    }
}

/// Pairs and nests the lines of one request into hops.
///
/// A caller's outbound line pairs with the callee's inbound line whose peer address is the caller's
/// connection (the latest that started within the caller's span), or, without addresses, with the
/// one for the same service that started within it, as `meshlog hops` pairs them. Inbound lines
/// from the same caller IP that are not the final one are earlier attempts. A hop nests under the
/// hop whose callee pod made the call while serving it.
public enum RequestBreakdown {
    public static func hops(_ lines: [StoredLine]) -> [RequestHop] {
        let outbound = lines.filter { $0.direction != 1 }
        var unused = lines.filter { $0.direction == 1 }
        var hops: [RequestHop] = []
        for o in outbound {
            let server = serverLine(for: o, among: unused)
            if let server { unused.removeAll { $0.id == server.id } }
            hops.append(RequestHop(depth: 0, client: o, server: server, attempts: []))
        }
        // Earlier attempts: same caller IP as a hop's connection, same service.
        for i in unused {
            if let h = hops.firstIndex(where: { hop in
                guard let o = hop.client, o.service == i.service || i.service == nil else { return false }
                return sameHost(o.upstreamLocal, i.downstreamRemote)
            }) {
                hops[h].attempts.append(i)
            } else {
                hops.append(RequestHop(depth: 0, client: nil, server: i, attempts: []))
            }
        }
        // Nest: a hop's parent is the hop whose server line was written by the caller's pod and spans the call.
        var parent = [Int?](repeating: nil, count: hops.count)
        for (k, hop) in hops.enumerated() {
            guard let o = hop.client, let start = o.startMicros else { continue }
            var best: Int?
            for (j, candidate) in hops.enumerated() where j != k {
                guard let s = candidate.server, s.reporter == o.reporter, let ss = s.startMicros, let se = s.endMicros,
                      ss - 1000 <= start, start <= se + 1000 else { continue }
                // The innermost (latest-starting) enclosing server span.
                if let b = best, let bs = hops[b].server?.startMicros, bs >= ss { continue }
                best = j
            }
            parent[k] = best
        }
        // Depth-first by start time.
        var children: [Int?: [Int]] = [:]
        for k in hops.indices { children[parent[k], default: []].append(k) }
        var out: [RequestHop] = []
        var visited = Set<Int>()
        func visit(_ k: Int, _ depth: Int) {
            guard visited.insert(k).inserted else { return }
            var hop = hops[k]
            hop.depth = depth
            out.append(hop)
            for c in sorted(children[k] ?? []) { visit(c, depth + 1) }
        }
        func sorted(_ ks: [Int]) -> [Int] {
            ks.sorted { (hops[$0].start ?? 0, $0) < (hops[$1].start ?? 0, $1) }
        }
        for k in sorted(children[nil] ?? []) { visit(k, 0) }
        for k in hops.indices where !visited.contains(k) { visit(k, 0) }  // cycles: never drop a hop
        return out
    }

    /// The callee's line for outbound line `o` (see the type's description).
    static func serverLine(for o: StoredLine, among inbound: [StoredLine]) -> StoredLine? {
        let start = o.startMicros ?? 0
        let end = start + ((o.durationMs ?? 0) + 1) * 1000
        func within(_ i: StoredLine) -> Bool {
            guard let s = i.startMicros else { return false }
            return s >= start - 1000 && s <= end
        }
        let candidates = inbound.filter { i in
            if !o.upstreamLocal.isNull { return i.downstreamRemote == o.upstreamLocal }
            return o.upstreamMs != nil && i.service == o.service && within(i)
        }
        return candidates.max { a, b in
            let (wa, wb) = (within(a), within(b))
            if wa != wb { return !wa }
            return (a.startMicros ?? 0) < (b.startMicros ?? 0)
        }
    }

    /// Whether two addresses share the host, as `AnswerQueries.host` compares them: the IP of packed
    /// IPv4 addresses (`ip << 16 | port`), the text without `:port` otherwise.
    static func sameHost(_ a: SQLValue, _ b: SQLValue) -> Bool {
        guard let x = host(a), let y = host(b) else { return false }
        return x == y
    }

    static func host(_ address: SQLValue) -> SQLValue? {
        switch address {
        case .integer(let v): return .integer(v >> 16)
        case .text(var t):
            while let last = t.last, last.isASCII, last.isNumber { t.removeLast() }
            while t.hasSuffix(":") { t.removeLast() }
            return .text(t)
        default: return nil
        }
    }
}

/// `meshlog slow`: the slowest requests (timed by their edge-most line) with their hop breakdown.
public struct SlowReport: Sendable {
    public let requests: [SlowRequest]

    public init(session: AnswerSession, limit: Int) throws {
        requests = try session.reader.slowRequests(limit: limit, filter: session.filter)
    }

    /// One row per hop of every request: `rank, request_id, depth, offset_ms, source, service,
    /// subset, callee_pod, status, flags, client_ms, server_ms, overhead_ms, upstream_ms, attempts`.
    public func table() -> ResultTable {
        var rows: [[SQLValue]] = []
        for (rank, request) in requests.enumerated() {
            let origin = request.edge.startMicros ?? 0
            for hop in RequestBreakdown.hops(request.lines) {
                rows.append(row(rank + 1, request.requestID, hop, origin))
            }
        }
        return ResultTable(columns: Self.hopColumns, rows: rows)
    }

    static let hopColumns = ["rank", "request_id", "depth", "offset_ms", "source", "service", "subset", "callee_pod",
                             "status", "flags", "client_ms", "server_ms", "overhead_ms", "upstream_ms", "attempts"]

    private func row(_ rank: Int, _ id: String, _ hop: RequestHop, _ origin: Int64) -> [SQLValue] {
        [.integer(Int64(rank)), .text(id), .integer(Int64(hop.depth)),
         SQLValue(hop.start.map { Double($0 - origin) / 1000 }),
         .text(hop.source), SQLValue(hop.service), SQLValue(hop.subset), SQLValue(hop.server?.reporter),
         SQLValue(hop.status.map(Int64.init)), SQLValue(hop.flags), SQLValue(hop.client?.durationMs),
         SQLValue(hop.server?.durationMs), SQLValue(hop.overheadMs), SQLValue(hop.server?.upstreamMs),
         .integer(Int64(hop.attempts.count + (hop.server == nil ? 0 : 1)))]
    }

    /// JSON: an array of requests, each with its hops.
    public func json() -> String {
        var out = "["
        for (rank, request) in requests.enumerated() {
            let e = request.edge
            let origin = e.startMicros ?? 0
            out += rank == 0 ? "\n" : ",\n"
            out += "  {\"rank\": \(rank + 1), \"request_id\": \(ResultTable.jsonString(request.requestID)), "
            out += "\"start\": \(e.startMicros.map { ResultTable.jsonString(AnswerFormat.timestamp($0)) } ?? "null"), "
            out += "\"duration_ms\": \(ResultTable.jsonValue(SQLValue(e.durationMs))), "
            out += "\"method\": \(ResultTable.jsonValue(SQLValue(e.method))), \"route\": \(ResultTable.jsonValue(SQLValue(e.route))), "
            out += "\"path\": \(ResultTable.jsonValue(SQLValue(e.path))), "
            out += "\"status\": \(ResultTable.jsonValue(SQLValue(e.status.map(Int64.init)))), "
            out += "\"flags\": \(ResultTable.jsonValue(SQLValue(e.flags))), \"hops\": ["
            let hops = RequestBreakdown.hops(request.lines)
            for (k, hop) in hops.enumerated() {
                let values = row(rank + 1, request.requestID, hop, origin)
                out += k == 0 ? "\n    {" : ",\n    {"
                out += zip(Self.hopColumns, values).dropFirst(2).map { "\(ResultTable.jsonString($0)): \(ResultTable.jsonValue($1))" }
                    .joined(separator: ", ")
                out += "}"
            }
            out += hops.isEmpty ? "]}" : "\n  ]}"
        }
        out += requests.isEmpty ? "]\n" : "\n]\n"
        return out
    }

    /// For terminals: each request's headline, then its hops as an indented tree; control characters in the
    /// values are shown escaped (``TerminalText``).
    public func text() -> String {
        guard !requests.isEmpty else { return "no requests match\n" }
        var out = ""
        for (rank, request) in requests.enumerated() {
            let e = request.edge
            let origin = e.startMicros ?? 0
            let what = [e.method, e.route ?? e.path].compactMap { $0 }.joined(separator: " ")
            let status = [e.status.map(String.init), e.flags].compactMap { $0 }.joined(separator: " ")
            out += "\(rank + 1). \(AnswerFormat.ms(e.durationMs.map(Double.init))) ms  \(TerminalText.escaped(what))  \(TerminalText.escaped(status))  "
                + "\(e.startMicros.map { AnswerFormat.timestamp($0) } ?? "")  request \(TerminalText.escaped(request.requestID))\n"
            var rows: [[SQLValue]] = []
            for hop in RequestBreakdown.hops(request.lines) {
                let indent = String(repeating: "  ", count: hop.depth)
                let edge = "\(indent)\(hop.source) → \(hop.service ?? "(unknown)")" + (hop.subset.map { " \($0)" } ?? "")
                let status = [hop.status.map(String.init), hop.flags].compactMap { $0 }.joined(separator: " ")
                var note = hop.server?.reporter ?? (hop.client != nil ? "(callee never saw it)" : "")
                if let server = hop.server, hop.client != nil, server.status != hop.status || server.flags != hop.flags {
                    let answered = [server.status.map(String.init), server.flags].compactMap { $0 }.joined(separator: " ")
                    note += " (callee logged \(answered))"
                }
                if !hop.attempts.isEmpty { note += " after \(hop.attempts.count) failed attempt\(hop.attempts.count == 1 ? "" : "s")" }
                rows.append([.text("+" + AnswerFormat.ms(hop.start.map { Double($0 - origin) / 1000 })), .text(edge), .text(status),
                             .text(AnswerFormat.ms(hop.client?.durationMs.map(Double.init))),
                             .text(AnswerFormat.ms(hop.server?.durationMs.map(Double.init))),
                             .text(AnswerFormat.ms(hop.overheadMs.map(Double.init))),
                             .text(AnswerFormat.ms(hop.server?.upstreamMs.map(Double.init))), .text(note)])
            }
            let table = ResultTable(columns: ["start ms", "hop", "status", "client", "server", "overhead", "upstream", "callee pod"],
                                    rows: rows, alignments: [.right, .left, .left, .right, .right, .right, .right, .left])
            out += table.renderText().split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "   " + $0 }.joined(separator: "\n")
            out += "\n"
        }
        return out
    }
}
