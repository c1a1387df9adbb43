import MeshLogTerminal

/// Number formatting for trace output.
public enum TraceFormat {
    /// `850µs`, `12.3ms`, `1.25s`.
    public static func duration(_ us: Int64) -> String {
        let a = abs(us)
        if a < 1000 { return "\(us)µs" }
        if a < 10_000 { return fixed(Double(us) / 1000, 2) + "ms" }
        if a < 1_000_000 { return fixed(Double(us) / 1000, 1) + "ms" }
        return fixed(Double(us) / 1_000_000, 2) + "s"
    }

    static func fixed(_ v: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let r = (v * scale).rounded() / scale
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < places { s += String(repeating: "0", count: places - decimals) }
        } else if places > 0 {
            s += "." + String(repeating: "0", count: places)
        }
        return s
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = s.count
        guard n < width else { return s }
        let fill = String(repeating: " ", count: width - n)
        return right ? fill + s : s + fill
    }
}

/// Renders a ``TraceTree`` as an indented terminal tree or as JSON.
///
/// Runs of more than ``collapseThreshold`` siblings with the same service and operation collapse into one row
/// (`x 312 calls to user GET /users/{id}, p50 2ms, max 40ms`) unless `full` is set.
public struct TraceRenderer {
    public var full: Bool
    public var collapseThreshold: Int
    public var barWidth = 24

    public init(full: Bool = false, collapseThreshold: Int = 8) {
        self.full = full
        self.collapseThreshold = collapseThreshold
    }

    /// One printed row: a node or a collapsed group.
    enum Item {
        case node(Int)
        case group([Int])
    }

    /// Groups siblings for display (collapsing repeated ones unless `full`).
    func items(_ children: [Int], _ tree: TraceTree) -> [Item] {
        guard !full, children.count > collapseThreshold else { return children.map { .node($0) } }
        struct Key: Hashable { var service: String; var operation: String; var kind: String; var spanKind: String? }
        var groups: [Key: [Int]] = [:]
        for c in children {
            let n = tree.nodes[c]
            groups[Key(service: n.service, operation: n.operation, kind: n.kind.rawValue, spanKind: n.spanKind), default: []].append(c)
        }
        var out: [Item] = []
        var emitted = Set<Key>()
        for c in children {
            let n = tree.nodes[c]
            let key = Key(service: n.service, operation: n.operation, kind: n.kind.rawValue, spanKind: n.spanKind)
            let members = groups[key]!
            if members.count > collapseThreshold {
                if emitted.insert(key).inserted { out.append(.group(members)) }
            } else {
                out.append(.node(c))
            }
        }
        return out
    }

    /// The terminal rendering; control characters in the values are shown escaped (``TerminalText``).
    public func text(_ tree: TraceTree) -> String {
        guard !tree.nodes.isEmpty else { return "no spans or access-log lines found\n" }
        let t0 = tree.startUs
        let total = max(1, tree.endUs - t0)
        var rows: [(label: String, start: String, dur: String, bar: String, status: String, flags: String, detail: String)] = []
        rows.reserveCapacity(min(tree.nodes.count, 100_000))

        func bar(_ start: Int64, _ dur: Int64) -> String {
            let a = Int((Double(start - t0) / Double(total) * Double(barWidth)).rounded(.down))
            let w = max(1, Int((Double(dur) / Double(total) * Double(barWidth)).rounded()))
            let from = min(max(0, a), barWidth - 1)
            let to = min(barWidth, from + w)
            return String(repeating: " ", count: from) + String(repeating: "█", count: to - from)
                + String(repeating: " ", count: barWidth - to)
        }

        func label(_ n: TraceNode) -> String {
            var s = n.critical ? "* " : "  "
            switch n.kind {
            case .hop: s += "\(n.caller ?? "?") → \(n.service) \(n.operation)"
            case .attempt: s += "\(n.operation) at \(n.caller ?? n.service)"
            case .inbound: s += "\(n.service) \(n.operation) (inbound)"
            case .span:
                s += n.service
                if let k = n.spanKind, k != "unspecified" { s += " [\(k)\(n.shared ? ",shared" : "")]" }
                if let c = n.caller { s += " \(c)" }
                s += " \(n.operation)"
            }
            return s
        }

        func detail(_ n: TraceNode) -> String {
            var parts: [String] = []
            if n.kind == .hop || (n.kind == .span && n.spanKind == "client") {
                if let c = n.clientUs { parts.append("client \(TraceFormat.duration(c))") }
                if let s = n.serverUs { parts.append("server \(TraceFormat.duration(s))") }
                if let o = n.overheadUs { parts.append("Δ \(TraceFormat.duration(o))") }
            }
            if let u = n.upstreamUs { parts.append("upstream \(TraceFormat.duration(u))") }
            if n.kind == .hop, n.inboundLines == 0 { parts.append("no inbound line") }
            if n.kind == .hop, n.inboundLines > 1 { parts.append("\(n.inboundLines) attempts") }
            if !n.logLines.isEmpty, n.kind == .span { parts.append("+log") }
            parts.append(contentsOf: n.notes)
            return parts.joined(separator: "  ")
        }

        func walk(_ list: [Int], prefix: String, top: Bool) {
            let its = items(list, tree)
            for (k, item) in its.enumerated() {
                let last = k == its.count - 1
                let branch = top ? "" : (last ? "└─ " : "├─ ")
                let childPrefix = prefix + (top ? "" : (last ? "   " : "│  "))
                switch item {
                case .node(let i):
                    let n = tree.nodes[i]
                    rows.append((prefix + branch + TerminalText.escaped(label(n)), "+" + TraceFormat.duration(n.startUs - t0),
                                 TraceFormat.duration(n.durationUs), bar(n.startUs, n.durationUs), TerminalText.escaped(n.status),
                                 n.flags.isEmpty ? "-" : TerminalText.escaped(n.flags), TerminalText.escaped(detail(n))))
                    walk(n.children, prefix: childPrefix, top: false)
                case .group(let members):
                    let first = tree.nodes[members[0]]
                    let durations = members.map { tree.nodes[$0].durationUs }.sorted()
                    let p50 = durations[durations.count / 2]
                    let errors = members.filter { tree.nodes[$0].isError }.count
                    let start = members.map { tree.nodes[$0].startUs }.min()!
                    let end = members.map { tree.nodes[$0].endUs }.max()!
                    let critical = members.contains { tree.nodes[$0].critical }
                    var text = (critical ? "* " : "  ") + "x \(members.count) calls to \(first.service) \(first.operation), p50 \(TraceFormat.duration(p50)), max \(TraceFormat.duration(durations.last!))"
                    if errors > 0 { text += ", \(errors) errors" }
                    let statuses = Set(members.map { tree.nodes[$0].status }).sorted().joined(separator: ",")
                    let flags = Set(members.map { tree.nodes[$0].flags }.filter { !$0.isEmpty }).sorted().joined(separator: ",")
                    let descendants = members.reduce(0) { $0 + tree.nodes[$1].children.count }
                    rows.append((prefix + branch + TerminalText.escaped(text), "+" + TraceFormat.duration(start - t0),
                                 TraceFormat.duration(end - start), bar(start, end - start), TerminalText.escaped(statuses),
                                 flags.isEmpty ? "-" : TerminalText.escaped(flags),
                                 descendants > 0 ? "\(descendants) sub-calls hidden (--full)" : "--full to expand"))
                }
            }
        }
        walk(tree.roots, prefix: "", top: true)

        var header = ""
        if !tree.requestIDs.isEmpty { header += "request \(TerminalText.escaped(tree.requestIDs.joined(separator: ", ")))" }
        if !tree.traceIDs.isEmpty { header += (header.isEmpty ? "" : "  ") + "trace \(TerminalText.escaped(tree.traceIDs.joined(separator: ", ")))" }
        header += "\n\(TerminalText.escaped(tree.basis)): \(tree.nodes.count) rows, \(TraceFormat.duration(tree.endUs - t0)) total, started "
            + AnswerFormat.timestamp(t0) + "; * marks the critical path\n"
        for a in tree.adjustments { header += "adjusted: \(TerminalText.escaped(a))\n" }

        let labelWidth = min(90, rows.map { $0.label.count }.max() ?? 0)
        let startWidth = max(5, rows.map { $0.start.count }.max() ?? 0)
        let durWidth = max(8, rows.map { $0.dur.count }.max() ?? 0)
        let statusWidth = max(6, rows.map { $0.status.count }.max() ?? 0)
        let flagWidth = max(5, min(12, rows.map { $0.flags.count }.max() ?? 0))
        var out = header + "\n"
        out += TraceFormat.pad("CALL", labelWidth) + "  " + TraceFormat.pad("START", startWidth, right: true) + "  "
            + TraceFormat.pad("DURATION", durWidth, right: true) + "  " + TraceFormat.pad("", barWidth) + "  "
            + TraceFormat.pad("STATUS", statusWidth) + "  " + TraceFormat.pad("FLAGS", flagWidth) + "  DETAIL\n"
        for r in rows {
            out += TraceFormat.pad(r.label, labelWidth) + "  " + TraceFormat.pad(r.start, startWidth, right: true) + "  "
            out += TraceFormat.pad(r.dur, durWidth, right: true) + "  " + r.bar + "  " + TraceFormat.pad(r.status, statusWidth)
            out += "  " + TraceFormat.pad(r.flags, flagWidth) + "  " + r.detail + "\n"
        }
        return out
    }

    /// The tree as JSON: `{"request_ids", "trace_ids", "basis", "adjustments", "roots": [node…]}`, each node with
    /// its `children`.
    public func json(_ tree: TraceTree) -> String {
        var out = "{\"request_ids\":" + strings(tree.requestIDs) + ",\"trace_ids\":" + strings(tree.traceIDs)
        out += ",\"basis\":" + ResultTable.jsonString(tree.basis) + ",\"adjustments\":" + strings(tree.adjustments)
        out += ",\"start_us\":\(tree.startUs),\"duration_us\":\(tree.endUs - tree.startUs),\"roots\":["
        let t0 = tree.startUs
        // Appended piece by piece, never through a temporary string: a trace can have 80,000 rows.
        out.reserveCapacity(out.utf8.count + tree.nodes.count * 320)
        func string(_ key: String, _ value: String) {
            out += key
            ResultTable.appendJSONString(value, to: &out)
        }
        func int(_ key: String, _ value: Int64) {
            out += key
            out += String(value)
        }
        func node(_ i: Int) {
            tree.nodes.withUnsafeBufferPointer { nodes in
                let n = UnsafePointer(nodes.baseAddress! + i)
                string("{\"kind\":", n.pointee.kind.rawValue)
                string(",\"service\":", n.pointee.service)
                if let c = n.pointee.caller { string(",\"caller\":", c) }
                string(",\"operation\":", n.pointee.operation)
                int(",\"start_us\":", n.pointee.startUs)
                int(",\"offset_us\":", n.pointee.startUs - t0)
                int(",\"duration_us\":", n.pointee.durationUs)
                string(",\"status\":", n.pointee.status)
                out += n.pointee.isError ? ",\"error\":true" : ",\"error\":false"
                string(",\"flags\":", n.pointee.flags)
                if let v = n.pointee.clientUs { int(",\"client_us\":", v) }
                if let v = n.pointee.serverUs { int(",\"server_us\":", v) }
                if let v = n.pointee.overheadUs { int(",\"overhead_us\":", v) }
                if let v = n.pointee.upstreamUs { int(",\"upstream_us\":", v) }
                if n.pointee.kind == .hop { int(",\"inbound_lines\":", Int64(n.pointee.inboundLines)) }
                if let a = n.pointee.attempt { int(",\"attempt\":", Int64(a)) }
                if let s = n.pointee.spanID { string(",\"span_id\":", s) }
                if let s = n.pointee.parentSpanID { string(",\"parent_id\":", s) }
                if let s = n.pointee.spanKind { string(",\"span_kind\":", s) }
                if n.pointee.shared { out += ",\"shared\":true" }
                if let r = n.pointee.requestID { string(",\"request_id\":", r) }
                if !n.pointee.logLines.isEmpty { out += ",\"access_log_ids\":[" + n.pointee.logLines.map(String.init).joined(separator: ",") + "]" }
                if n.pointee.skewUs != 0 { int(",\"skew_shift_us\":", n.pointee.skewUs) }
                out += n.pointee.critical ? ",\"critical\":true" : ",\"critical\":false"
                if !n.pointee.notes.isEmpty { out += ",\"notes\":" + strings(n.pointee.notes) }
                out += ",\"children\":["
            }
            for (k, c) in tree.nodes[i].children.enumerated() {
                if k > 0 { out += "," }
                node(c)
            }
            out += "]}"
        }
        for (k, r) in tree.roots.enumerated() {
            if k > 0 { out += "," }
            node(r)
        }
        out += "]}\n"
        return out
    }

    private func strings(_ a: [String]) -> String { "[" + a.map(ResultTable.jsonString).joined(separator: ",") + "]" }
}
