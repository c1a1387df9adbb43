import Foundation
import MeshLogStore
import MeshLogTerminal

/// `meshlog graph`: the service graph, with edges labelled by request rate, error % and p99, and
/// failing edges (error % above the threshold) marked.
///
/// Nodes are services, split by subset where the callers route by subset (`course v1`, `course v2`).
/// A caller's node is the service its workload serves (read from the service names on its inbound
/// lines), and its subset when the workload is named `<service>-<subset>`; a caller that serves
/// nothing (a gateway) is its own node, and requests from outside the mesh come from `(outside mesh)`.
public struct ServiceGraph: Sendable {
    public struct Node: Sendable, Equatable {
        /// A stable identifier for DOT and Mermaid (`n0`, `n1`, …).
        public var id: String
        public var label: String
        public var service: String?
        public var subset: String?
    }

    public struct Edge: Sendable {
        public var from: String
        public var to: String
        public var row: GraphEdgeRow
        /// Requests per second over the window.
        public var rate: Double
        public var errorPercent: Double
        public var failing: Bool
    }

    public let nodes: [Node]
    public let edges: [Edge]
    /// The window the rates are over, seconds.
    public let windowSeconds: Double
    /// Edges whose error % is above this are failing.
    public let failingAbove: Double

    /// Builds the graph from the store.
    public init(session: AnswerSession, failingAbove: Double = 1) throws {
        let rows = try session.reader.graphEdges(filter: session.filter)
        let serves = try session.reader.workloadServices(filter: session.filter)
        let window = session.window.map { Double($0.end - $0.start) / 1e6 } ?? 0
        self.init(rows: rows, workloadServices: serves, windowSeconds: window, failingAbove: failingAbove)
    }

    /// Builds the graph from edge rows.
    public init(rows: [GraphEdgeRow], workloadServices: [String: String], windowSeconds: Double, failingAbove: Double = 1) {
        self.windowSeconds = windowSeconds
        self.failingAbove = failingAbove
        var subsets: [String: Set<String>] = [:]
        for r in rows { if let s = r.service, let sub = r.subset { subsets[s, default: []].insert(sub) } }
        func callerNode(_ workload: String) -> (label: String, service: String?, subset: String?) {
            guard let service = workloadServices[workload] else { return (workload, nil, nil) }
            if let sub = subsets[service]?.first(where: { workload == "\(service)-\($0)" }) {
                return ("\(service) \(sub)", service, sub)
            }
            return (service, service, nil)
        }
        // Two workloads of one node would merge edges whose p99 cannot be merged: keep them apart.
        var byLabel: [String: Set<String>] = [:]
        for r in rows where r.source != AnswerQueries.outsideMesh { byLabel[callerNode(r.source).label, default: []].insert(r.source) }
        var nodes: [Node] = []
        var index: [String: String] = [:]
        func node(_ label: String, _ service: String?, _ subset: String?) -> String {
            if let id = index[label] { return id }
            let id = "n\(nodes.count)"
            nodes.append(Node(id: id, label: label, service: service, subset: subset))
            index[label] = id
            return id
        }
        var edges: [Edge] = []
        for r in rows {
            var from = callerNode(r.source)
            if r.source == AnswerQueries.outsideMesh || (byLabel[from.label]?.count ?? 0) > 1 { from = (r.source, nil, nil) }
            let toLabel = (r.service ?? "(unknown)") + (r.subset.map { " \($0)" } ?? "")
            let fromID = node(from.label, from.service, from.subset)
            let toID = node(toLabel, r.service, r.subset)
            let errorPercent = r.requests > 0 ? 100 * Double(r.errors) / Double(r.requests) : 0
            edges.append(Edge(from: fromID, to: toID, row: r, rate: windowSeconds > 0 ? Double(r.requests) / windowSeconds : 0,
                              errorPercent: errorPercent, failing: errorPercent > failingAbove))
        }
        self.nodes = nodes
        self.edges = edges
    }

    /// The nodes in columns by distance from the callers nothing calls (calls to itself aside); nodes no
    /// such caller reaches go in the last column.
    public func columns() -> [Int: [Node]] {
        var depth: [String: Int] = [:]
        let targets = Set(edges.filter { $0.from != $0.to }.map(\.to))
        var frontier = nodes.map(\.id).filter { !targets.contains($0) }
        if frontier.isEmpty { frontier = nodes.prefix(1).map(\.id) }
        for id in frontier { depth[id] = 0 }
        var round = 0
        while !frontier.isEmpty, round < 32 {
            round += 1
            var next: [String] = []
            for e in edges where frontier.contains(e.from) && depth[e.to] == nil {
                depth[e.to] = round
                next.append(e.to)
            }
            frontier = next
        }
        var columns: [Int: [Node]] = [:]
        for n in nodes { columns[depth[n.id] ?? round, default: []].append(n) }
        return columns
    }

    /// `120 rps`, `12.5 rps`, `0.16 rps`, `0.45 rpm`, `3 req` (rates too small to read).
    public static func rate(_ r: Double, requests: Int) -> String {
        if r >= 100 { return String(format: "%.0f rps", r) }
        if r >= 10 { return String(format: "%.1f rps", r) }
        if r >= 0.01 { return String(format: "%.2f rps", r) }
        if r * 60 >= 0.01 { return String(format: "%.2f rpm", r * 60) }
        return "\(requests) req"
    }

    /// The edge's label: rate, error % and p99.
    public func label(_ e: Edge) -> String {
        let p99 = e.row.p99.map { "p99 \(AnswerFormat.ms(AnswerFormat.round($0, 1))) ms" } ?? "p99 -"
        return "\(Self.rate(e.rate, requests: e.row.requests)), \(AnswerFormat.ms(AnswerFormat.round(e.errorPercent, 2)))% err, \(p99)"
    }

    /// Graphviz DOT; failing edges red and dashed.
    public func dot() -> String {
        var out = "digraph mesh {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        for n in nodes {
            out += "  \(n.id) [label=\(Self.dotString(n.label))\(n.service == nil ? ", style=\"rounded,dashed\"" : "")];\n"
        }
        for e in edges {
            var attributes = "label=\(Self.dotString(label(e)))"
            if e.failing { attributes += ", color=red, fontcolor=red, style=dashed, penwidth=2" }
            out += "  \(e.from) -> \(e.to) [\(attributes)];\n"
        }
        return out + "}\n"
    }

    /// A Mermaid flowchart; failing edges dashed and red.
    public func mermaid() -> String {
        var out = "flowchart LR\n"
        for n in nodes {
            out += "  \(n.id)[\"\(Self.mermaidText(n.label))\"]\n"
        }
        var failing: [Int] = []
        for (k, e) in edges.enumerated() {
            let text = Self.mermaidText(label(e))
            out += e.failing ? "  \(e.from) -. \"\(text)\" .-> \(e.to)\n" : "  \(e.from) -- \"\(text)\" --> \(e.to)\n"
            if e.failing { failing.append(k) }
        }
        if !failing.isEmpty {
            out += "  linkStyle \(failing.map(String.init).joined(separator: ",")) stroke:#d00,stroke-width:2px,color:#d00\n"
        }
        return out
    }

    /// JSON: `{"window_seconds", "failing_above_pct", "nodes": […], "edges": […]}`.
    public func json() -> String {
        var out = "{\n  \"window_seconds\": \(AnswerFormat.round(windowSeconds, 3)),\n  \"failing_above_pct\": \(failingAbove),\n  \"nodes\": ["
        for (k, n) in nodes.enumerated() {
            out += k == 0 ? "\n" : ",\n"
            out += "    {\"id\": \(ResultTable.jsonString(n.id)), \"label\": \(ResultTable.jsonString(n.label)), "
                + "\"service\": \(ResultTable.jsonValue(SQLValue(n.service))), \"subset\": \(ResultTable.jsonValue(SQLValue(n.subset)))}"
        }
        out += nodes.isEmpty ? "],\n  \"edges\": [" : "\n  ],\n  \"edges\": ["
        let table = self.table()
        for (k, row) in table.rows.enumerated() {
            out += k == 0 ? "\n    {" : ",\n    {"
            out += zip(table.columns, row).map { column, value in
                let json = column == "failing" ? (value == .integer(1) ? "true" : "false") : ResultTable.jsonValue(value)
                return "\(ResultTable.jsonString(column)): \(json)"
            }.joined(separator: ", ")
            out += "}"
        }
        out += edges.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// The edges as a table: `from, to, source, service, subset, requests, errors, error_pct, rps, p99_ms, failing`.
    public func table() -> ResultTable {
        let labels = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.label) })
        return ResultTable(
            columns: ["from", "to", "source", "service", "subset", "requests", "errors", "error_pct", "rps", "p99_ms", "failing"],
            rows: edges.map { e in
                [.text(labels[e.from] ?? e.from), .text(labels[e.to] ?? e.to), .text(e.row.source), SQLValue(e.row.service),
                 SQLValue(e.row.subset), .integer(Int64(e.row.requests)), .integer(Int64(e.row.errors)),
                 .real(AnswerFormat.round(e.errorPercent)), .real(AnswerFormat.round(e.rate, 4)), SQLValue(e.row.p99.map { AnswerFormat.round($0, 6) }),
                 .integer(e.failing ? 1 : 0)]
            })
    }

    /// A DOT quoted string: control characters escaped for terminals first (`\x1b`), then `\` and `"` escaped
    /// for DOT, so that Graphviz draws the `\x1b` as written.
    static func dotString(_ s: String) -> String {
        "\"" + TerminalText.escaped(s).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Mermaid label text: control characters escaped (`\x1b`), quotes as `#quot;`.
    static func mermaidText(_ s: String) -> String {
        TerminalText.escaped(s).replacingOccurrences(of: "\"", with: "#quot;")
    }
}
