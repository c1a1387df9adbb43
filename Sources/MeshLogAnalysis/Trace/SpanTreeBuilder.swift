import MeshLogStore

/// Builds a trace tree from spans and merges the access-log lines of the same requests into it.
///
/// Parents are found by `parent_id`. Zipkin's shared server half (same span id as its client) hangs under that
/// client half, and children naming the shared id hang under the server half. Spans whose parent is absent are
/// extra roots marked `orphan`. A CLIENT span is merged with the outbound line of its request and a SERVER span
/// with the inbound line, whichever starts and ends closest; lines no span claims are rebuilt with
/// ``LogTreeBuilder`` and shown as additional roots.
public struct SpanTreeBuilder {
    public init() {}

    public func build(spans: [TraceSpan], lines: [TraceLogLine], into tree: inout TraceTree) {
        // Indexes sorted rather than the spans themselves (each span is a large value).
        let order = spans.indices.sorted { a, b in
            spans[a].startUs != spans[b].startUs ? spans[a].startUs < spans[b].startUs : (spans[a].spanID, spans[a].kind) < (spans[b].spanID, spans[b].kind)
        }
        var linesByRequest: [String: [Int]] = [:]
        for (k, line) in lines.enumerated() { if let r = line.requestID { linesByRequest[r, default: []].append(k) } }
        var used = Set<Int>()
        let base = tree.nodes.count

        for k in order {
            let span = spans[k]
            let isError = span.status == "error"
            var node = TraceNode(kind: .span, service: span.service, operation: span.name, startUs: span.startUs,
                                 durationUs: span.durationUs,
                                 status: span.httpStatus.map { String($0) } ?? span.status, isError: isError)
            node.spanID = span.spanID
            node.parentSpanID = span.parentID
            node.spanKind = span.kind
            node.shared = span.shared
            node.requestID = span.requestID
            if let f = span.attribute("response_flags"), f != "-" { node.flags = f }
            if span.kind == "client" { node.clientUs = span.durationUs }
            if span.kind == "server" { node.serverUs = span.durationUs }
            if let r = span.requestID, span.kind == "client" || span.kind == "server",
               let candidates = linesByRequest[r] {
                let wantInbound = span.kind == "server"
                // The line of the same call: same direction, and the same callee when both say (a server span's
                // service; a client span's cluster), so concurrent calls of one request do not swap their lines.
                let callee = wantInbound ? span.service : Self.destination(span.attribute("upstream_cluster"))
                let best = candidates.filter {
                    !used.contains($0) && lines[$0].inbound == wantInbound && Self.sameService(lines[$0].service, callee)
                }.min {
                    cost(span, lines[$0]) < cost(span, lines[$1])
                }
                if let best, abs(lines[best].startUs - span.startUs) <= 1_000_000 {
                    used.insert(best)
                    let line = lines[best]
                    node.logLines = [line.id]
                    node.flags = line.flags
                    node.status = String(line.status)
                    node.isError = node.isError || line.isError
                    node.upstreamUs = line.upstreamMs.map { $0 * 1000 }
                    node.operation = line.operation
                    if !wantInbound, let s = line.service { node.caller = "→ \(s)" }
                }
            }
            tree.nodes.append(node)
        }

        // Parent links.
        var clientByID: [String: Int] = [:]
        var serverByID: [String: Int] = [:]
        var anyByID: [String: Int] = [:]
        anyByID.reserveCapacity(spans.count)
        serverByID.reserveCapacity(spans.count)
        for i in base..<tree.nodes.count {
            guard let id = tree.nodes[i].spanID else { continue }
            if tree.nodes[i].spanKind == "server" || tree.nodes[i].shared { serverByID[id] = serverByID[id] ?? i }
            if tree.nodes[i].spanKind == "client" { clientByID[id] = clientByID[id] ?? i }
            if anyByID[id] == nil { anyByID[id] = i }
        }
        for i in base..<tree.nodes.count {
            // Read the three fields needed rather than copying the whole node.
            let shared = tree.nodes[i].shared, spanID = tree.nodes[i].spanID, parentSpanID = tree.nodes[i].parentSpanID
            var parent: Int?
            if shared, let id = spanID, let c = clientByID[id], c != i {
                parent = c
            } else if let p = parentSpanID {
                parent = serverByID[p] ?? anyByID[p]
                if parent == nil || parent == i {
                    parent = nil
                    tree.nodes[i].notes.append("orphan: parent \(p) not found")
                }
            }
            if let parent {
                tree.nodes[i].parent = parent
                tree.nodes[parent].children.append(i)
            } else {
                tree.roots.append(i)
            }
        }
        // A client's server-side duration is its server child's (the other sidecar of the hop).
        for i in base..<tree.nodes.count where tree.nodes[i].spanKind == "client" {
            if let s = tree.nodes[i].children.first(where: { tree.nodes[$0].spanKind == "server" }) {
                tree.nodes[i].serverUs = tree.nodes[s].durationUs
            }
        }
        // Lines no span claimed.
        let rest = lines.indices.filter { !used.contains($0) }.map { lines[$0] }
        if !rest.isEmpty {
            let before = tree.roots.count
            LogTreeBuilder().build(rest, into: &tree)
            for r in tree.roots[before...] { tree.nodes[r].notes.append("access logs only (no matching span)") }
        }
    }

    /// Whether a line's service and a span's name for the callee can be the same service: either unknown, equal,
    /// or the span's `service.namespace` form of the line's (`frontend.lms`, as Istio names a proxy's spans).
    static func sameService(_ line: String?, _ span: String?) -> Bool {
        guard let line, let span, !line.isEmpty, !span.isEmpty, span != "?" else { return true }
        return line == span || span.hasPrefix(line + ".")
    }

    /// The service an Envoy cluster name points at (`outbound|8080|v1|user.lms.svc.cluster.local` → `user`).
    static func destination(_ cluster: String?) -> String? {
        guard let parts = cluster?.split(separator: "|", omittingEmptySubsequences: false), parts.count == 4, parts[0] == "outbound"
        else { return nil }
        return parts[3].split(separator: ".").first.map(String.init)
    }

    private func cost(_ span: TraceSpan, _ line: TraceLogLine) -> Int64 {
        abs(line.startUs - span.startUs) + abs(line.endUs - (span.startUs + span.durationUs))
    }
}
