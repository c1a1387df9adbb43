import MeshLogAnalysis

/// The waterfall's data: the tree of `meshlog trace --json`, flat and interned, about a quarter of its size (an
/// 80,001-span trace: 23.7 MB of JSON as `trace --json` writes it), which the page builds, sends and parses faster.
///
/// `{"request_ids", "trace_ids", "basis", "adjustments", "start_us", "duration_us", "strings": [...], "nodes": [...]}`,
/// the nodes in pre-order, each `[parent, kind, service, caller, operation, offset_us, duration_us, status, error,
/// flags, critical, extra]`: `parent` the index of its parent row (−1 for a root); `kind`, `service`, `caller`
/// (−1: none), `operation`, `status` and `flags` indexes into `strings`; `error` and `critical` 0 or 1; `extra`
/// 0 or an object of the other fields `trace --json` prints, by the same names, with `"pp":1` for a `parent_id`
/// equal to the parent row's `span_id`. ``WaterfallScript`` expands the rows back into those objects.
enum WaterfallData {
    static func json(_ tree: TraceTree) -> String {
        var strings: [String] = []
        var index: [String: Int] = [:]
        func intern(_ s: String) -> Int {
            if let i = index[s] { return i }
            index[s] = strings.count
            strings.append(s)
            return strings.count - 1
        }
        func list(_ a: [String]) -> String { "[" + a.map(ResultTable.jsonString).joined(separator: ",") + "]" }
        var nodes = ""
        nodes.reserveCapacity(tree.nodes.count * 60)
        var row = 0
        var rowOf = [Int](repeating: -1, count: tree.nodes.count)
        let t0 = tree.startUs
        var stack: [(node: Int, parent: Int)] = tree.roots.reversed().map { ($0, -1) }
        while let (i, parent) = stack.popLast() {
            let n = tree.nodes[i]
            rowOf[i] = row
            row += 1
            if !nodes.isEmpty { nodes += "," }
            nodes += "[\(parent),\(intern(n.kind.rawValue)),\(intern(n.service)),\(n.caller.map(intern) ?? -1),\(intern(n.operation)),"
            nodes += "\(n.startUs - t0),\(n.durationUs),\(intern(n.status)),\(n.isError ? 1 : 0),\(intern(n.flags)),\(n.critical ? 1 : 0),"
            var extra: [String] = []
            if let v = n.clientUs { extra.append("\"client_us\":\(v)") }
            if let v = n.serverUs { extra.append("\"server_us\":\(v)") }
            if let v = n.overheadUs { extra.append("\"overhead_us\":\(v)") }
            if let v = n.upstreamUs { extra.append("\"upstream_us\":\(v)") }
            if n.kind == .hop { extra.append("\"inbound_lines\":\(n.inboundLines)") }
            if let v = n.attempt { extra.append("\"attempt\":\(v)") }
            if let v = n.spanID { extra.append("\"span_id\":" + ResultTable.jsonString(v)) }
            if let v = n.parentSpanID {
                let parentSpan = n.parent.flatMap { tree.nodes[$0].spanID }
                extra.append(v == parentSpan ? "\"pp\":1" : "\"parent_id\":" + ResultTable.jsonString(v))
            }
            if let v = n.spanKind { extra.append("\"span_kind\":" + ResultTable.jsonString(v)) }
            if n.shared { extra.append("\"shared\":true") }
            if let v = n.requestID { extra.append("\"request_id\":" + ResultTable.jsonString(v)) }
            if !n.logLines.isEmpty { extra.append("\"access_log_ids\":[" + n.logLines.map(String.init).joined(separator: ",") + "]") }
            if n.skewUs != 0 { extra.append("\"skew_shift_us\":\(n.skewUs)") }
            if !n.notes.isEmpty { extra.append("\"notes\":" + list(n.notes)) }
            nodes += extra.isEmpty ? "0]" : "{" + extra.joined(separator: ",") + "}]"
            for c in n.children.reversed() { stack.append((c, rowOf[i])) }
        }
        return "{\"request_ids\":" + list(tree.requestIDs) + ",\"trace_ids\":" + list(tree.traceIDs)
            + ",\"basis\":" + ResultTable.jsonString(tree.basis) + ",\"adjustments\":" + list(tree.adjustments)
            + ",\"start_us\":\(t0),\"duration_us\":\(tree.endUs - t0),\"strings\":" + list(strings) + ",\"nodes\":[" + nodes + "]}\n"
    }
}
