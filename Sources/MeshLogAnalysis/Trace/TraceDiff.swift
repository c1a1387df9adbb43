import MeshLogTerminal

/// `meshlog diff A B`: two request or trace trees aligned into one, with each row's duration on both sides.
///
/// Rows are matched level by level under matched parents: the k-th child of A with a given key (kind, caller,
/// service, operation; attempts by their service and number) is matched with the k-th child of B with the same
/// key. Counting occurrences rather than aligning sequences keeps parallel calls matched when they start in a
/// different order on the two sides. Unmatched rows (and everything below them) are one-sided: `-` only in A,
/// `+` only in B.
public struct TraceDiff: Sendable {
    /// Which side(s) a row exists on.
    public enum Presence: String, Sendable {
        case both
        /// Only in A (`-`).
        case onlyA = "a"
        /// Only in B (`+`).
        case onlyB = "b"

        /// `-`, `+` or a space.
        public var mark: String {
            switch self {
            case .both: " "
            case .onlyA: "-"
            case .onlyB: "+"
            }
        }
    }

    /// One aligned row.
    public struct Row: Sendable {
        public var presence: Presence
        public var depth: Int
        /// Node index in tree A / B.
        public var a: Int?
        public var b: Int?
        /// `caller → service GET /route`, as `meshlog trace` labels rows.
        public var label: String
        /// Aligned children (indexes into ``TraceDiff/rows``).
        public var children: [Int] = []
    }

    public let a: TraceTree
    public let b: TraceTree
    public private(set) var rows: [Row] = []
    /// Top-level rows (indexes into ``rows``).
    public private(set) var roots: [Int] = []
    /// Each tree's first start, kept: a tree computes it by a pass over its nodes, and every level aligns with it.
    private let a0: Int64, b0: Int64

    /// Aligns `a` and `b`.
    public init(_ a: TraceTree, _ b: TraceTree) {
        self.a = a
        self.b = b
        a0 = a.startUs
        b0 = b.startUs
        roots = align(a.roots, b.roots, depth: 0)
    }

    /// The matching key of a node: what it calls, not when.
    static func key(_ n: TraceNode) -> String {
        switch n.kind {
        case .attempt: "attempt|\(n.service)|\(n.attempt ?? 0)"
        default: "\(n.kind.rawValue)|\(n.spanKind ?? "")|\(n.caller ?? "")|\(n.service)|\(n.operation)"
        }
    }

    /// How `meshlog trace` labels a row.
    static func label(_ n: TraceNode) -> String {
        switch n.kind {
        case .hop: "\(n.caller ?? "?") → \(n.service) \(n.operation)"
        case .attempt: "\(n.operation) at \(n.caller ?? n.service)"
        case .inbound: "\(n.service) \(n.operation) (inbound)"
        case .span:
            n.service + ((n.spanKind.map { $0 == "unspecified" ? "" : " [\($0)]" }) ?? "")
                + (n.caller.map { " \($0)" } ?? "") + " \(n.operation)"
        }
    }

    private mutating func align(_ left: [Int], _ right: [Int], depth: Int) -> [Int] {
        var byKey: [String: [Int]] = [:]
        for j in right { byKey[Self.key(b.nodes[j]), default: []].append(j) }
        var used: [String: Int] = [:]
        var pairs: [(a: Int?, b: Int?, offset: Int64)] = []
        var matchedB = Set<Int>()
        for i in left {
            let k = Self.key(a.nodes[i])
            let n = used[k, default: 0]
            if let list = byKey[k], n < list.count {
                used[k] = n + 1
                pairs.append((i, list[n], a.nodes[i].startUs - a0))
                matchedB.insert(list[n])
            } else {
                pairs.append((i, nil, a.nodes[i].startUs - a0))
            }
        }
        for j in right where !matchedB.contains(j) { pairs.append((nil, j, b.nodes[j].startUs - b0)) }
        // Rows in start order (offsets from each tree's start); matched rows by A's offset.
        let ordered = pairs.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
        var out: [Int] = []
        for p in ordered {
            let index = rows.count
            let node = p.a.map { a.nodes[$0] } ?? b.nodes[p.b!]
            let presence: Presence = p.a == nil ? .onlyB : (p.b == nil ? .onlyA : .both)
            rows.append(Row(presence: presence, depth: depth, a: p.a, b: p.b, label: Self.label(node)))
            out.append(index)
            let kids = align(p.a.map { a.nodes[$0].children } ?? [], p.b.map { b.nodes[$0].children } ?? [], depth: depth + 1)
            rows[index].children = kids
        }
        return out
    }

    /// Rows in display (pre-)order.
    public var preOrder: [Int] {
        var out: [Int] = []
        var stack = roots.reversed() as [Int]
        while let r = stack.popLast() {
            out.append(r)
            stack.append(contentsOf: rows[r].children.reversed())
        }
        return out
    }

    /// Duration of row `r` on side A / B (µs).
    public func durationA(_ r: Int) -> Int64? { rows[r].a.map { a.nodes[$0].durationUs } }
    public func durationB(_ r: Int) -> Int64? { rows[r].b.map { b.nodes[$0].durationUs } }
    /// B minus A (µs), for rows on both sides.
    public func delta(_ r: Int) -> Int64? {
        guard let x = durationA(r), let y = durationB(r) else { return nil }
        return y - x
    }
    /// The change in percent of A's duration (nil when A's is 0 or the row is one-sided).
    public func deltaPct(_ r: Int) -> Double? {
        guard let x = durationA(r), let d = delta(r), x > 0 else { return nil }
        return AnswerFormat.round(Double(d) / Double(x) * 100, 1)
    }
    /// The status on each side.
    public func statusA(_ r: Int) -> String? { rows[r].a.map { a.nodes[$0].status } }
    public func statusB(_ r: Int) -> String? { rows[r].b.map { b.nodes[$0].status } }
    /// Whether a matched row's status or flags changed.
    public func statusChanged(_ r: Int) -> Bool {
        guard let i = rows[r].a, let j = rows[r].b else { return false }
        return a.nodes[i].status != b.nodes[j].status || a.nodes[i].flags != b.nodes[j].flags
    }

    /// Counts for the header: matched rows, rows only in A, only in B, status changes.
    public var counts: (matched: Int, onlyA: Int, onlyB: Int, statusChanged: Int) {
        var c = (0, 0, 0, 0)
        for r in rows.indices {
            switch rows[r].presence {
            case .both: c.0 += 1
            case .onlyA: c.1 += 1
            case .onlyB: c.2 += 1
            }
            if statusChanged(r) { c.3 += 1 }
        }
        return c
    }

    /// End-to-end duration of each side (first start to last end).
    public var totalA: Int64 { a.endUs - a.startUs }
    public var totalB: Int64 { b.endUs - b.startUs }
}

/// Renders a ``TraceDiff`` as an aligned table or as JSON.
public enum TraceDiffRenderer {
    static func name(_ t: TraceTree) -> String {
        var s = t.requestIDs.isEmpty ? "" : "request \(t.requestIDs.joined(separator: ", "))"
        if !t.traceIDs.isEmpty { s += (s.isEmpty ? "" : "  ") + "trace \(t.traceIDs.joined(separator: ", "))" }
        return TerminalText.escaped(s)
    }

    static func statusText(_ n: TraceNode) -> String { n.status + (n.flags.isEmpty ? "" : " " + n.flags) }

    static func signed(_ us: Int64) -> String { (us > 0 ? "+" : us == 0 ? "±" : "") + TraceFormat.duration(us) }

    /// The terminal table: mark, call, A, B, change, %, status (`A → B` when it changed); control characters in
    /// the values are shown escaped (``TerminalText``).
    public static func text(_ diff: TraceDiff) -> String {
        let c = diff.counts
        var out = "A: \(name(diff.a))  (\(TerminalText.escaped(diff.a.basis)), \(TraceFormat.duration(diff.totalA)), started \(AnswerFormat.timestamp(diff.a.startUs)))\n"
        out += "B: \(name(diff.b))  (\(TerminalText.escaped(diff.b.basis)), \(TraceFormat.duration(diff.totalB)), started \(AnswerFormat.timestamp(diff.b.startUs)))\n"
        out += "end to end: \(TraceFormat.duration(diff.totalA)) → \(TraceFormat.duration(diff.totalB)) ("
            + signed(diff.totalB - diff.totalA)
            + (diff.totalA > 0 ? ", \(pct(AnswerFormat.round(Double(diff.totalB - diff.totalA) / Double(diff.totalA) * 100, 1)))" : "")
            + "); \(c.matched) rows matched, \(c.onlyA) only in A (-), \(c.onlyB) only in B (+), \(c.statusChanged) status changes (!)\n\n"
        var rows: [[String]] = [["", "CALL", "A", "B", "CHANGE", "%", "STATUS"]]
        func walk(_ list: [Int], prefix: String, top: Bool) {
            for (k, r) in list.enumerated() {
                let row = diff.rows[r]
                let last = k == list.count - 1
                let branch = top ? "" : (last ? "└─ " : "├─ ")
                var status = ""
                switch (row.a.map { diff.a.nodes[$0] }, row.b.map { diff.b.nodes[$0] }) {
                case let (x?, y?): status = diff.statusChanged(r) ? "\(statusText(x)) → \(statusText(y))" : statusText(x)
                case let (x?, nil): status = statusText(x)
                case let (nil, y?): status = statusText(y)
                default: break
                }
                rows.append([diff.statusChanged(r) ? "!" : row.presence.mark, prefix + branch + TerminalText.escaped(row.label),
                             diff.durationA(r).map(TraceFormat.duration) ?? "",
                             diff.durationB(r).map(TraceFormat.duration) ?? "",
                             diff.delta(r).map(signed) ?? "",
                             diff.deltaPct(r).map(pct) ?? "",
                             TerminalText.escaped(status)])
                walk(row.children, prefix: prefix + (top ? "" : (last ? "   " : "│  ")), top: false)
            }
        }
        walk(diff.roots, prefix: "", top: true)
        var widths = [Int](repeating: 0, count: 7)
        for row in rows { for (k, cell) in row.enumerated() { widths[k] = max(widths[k], cell.count) } }
        widths[1] = min(widths[1], 90)
        for row in rows {
            var line = ""
            for (k, cell) in row.enumerated() {
                let right = (2...5).contains(k)
                line += (k == 0 ? "" : "  ") + (k == 6 ? cell : TraceFormat.pad(cell, widths[k], right: right))
            }
            out += line + "\n"
        }
        return out
    }

    static func pct(_ v: Double) -> String { (v > 0 ? "+" : "") + TraceFormat.fixed(v, 1) + "%" }

    /// `{"a": {…}, "b": {…}, "rows": [row…]}`, each row nested with its `children`.
    public static func json(_ diff: TraceDiff) -> String {
        func side(_ t: TraceTree, _ total: Int64) -> String {
            "{\"request_ids\":[" + t.requestIDs.map(ResultTable.jsonString).joined(separator: ",") + "],\"trace_ids\":["
                + t.traceIDs.map(ResultTable.jsonString).joined(separator: ",") + "],\"basis\":" + ResultTable.jsonString(t.basis)
                + ",\"start_us\":\(t.startUs),\"duration_us\":\(total)}"
        }
        func node(_ n: TraceNode) -> String {
            "{\"duration_us\":\(n.durationUs),\"status\":" + ResultTable.jsonString(n.status) + ",\"flags\":"
                + ResultTable.jsonString(n.flags) + ",\"error\":\(n.isError),\"critical\":\(n.critical)}"
        }
        var out = "{\"a\":" + side(diff.a, diff.totalA) + ",\"b\":" + side(diff.b, diff.totalB)
        out += ",\"delta_us\":\(diff.totalB - diff.totalA),\"rows\":["
        func row(_ r: Int) {
            let x = diff.rows[r]
            let n = x.a.map { diff.a.nodes[$0] } ?? diff.b.nodes[x.b!]
            out += "{\"presence\":\"\(x.presence.rawValue)\",\"kind\":\"\(n.kind.rawValue)\",\"service\":" + ResultTable.jsonString(n.service)
            if let c = n.caller { out += ",\"caller\":" + ResultTable.jsonString(c) }
            out += ",\"operation\":" + ResultTable.jsonString(n.operation) + ",\"label\":" + ResultTable.jsonString(x.label)
            if let i = x.a { out += ",\"a\":" + node(diff.a.nodes[i]) }
            if let j = x.b { out += ",\"b\":" + node(diff.b.nodes[j]) }
            if let d = diff.delta(r) { out += ",\"delta_us\":\(d)" }
            if let p = diff.deltaPct(r) { out += ",\"delta_pct\":" + ResultTable.jsonValue(.real(p)) }
            out += ",\"status_changed\":\(diff.statusChanged(r)),\"children\":["
            for (k, c) in x.children.enumerated() {
                if k > 0 { out += "," }
                row(c)
            }
            out += "]}"
        }
        for (k, r) in diff.roots.enumerated() {
            if k > 0 { out += "," }
            row(r)
        }
        return out + "]}\n"
    }
}
