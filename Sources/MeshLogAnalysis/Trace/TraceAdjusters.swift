/// A query-time correction of a trace tree, Jaeger-style: each adjuster is one small, separately tested step.
public protocol TraceAdjuster {
    /// A short name for `--json` and notes.
    var name: String { get }
    /// Adjusts the tree in place; returns a description of what changed, or nil when nothing did.
    func adjust(_ tree: inout TraceTree) -> String?
}

extension TraceTree {
    /// The standard pipeline: dedupe, clock skew, sort, then mark the critical path.
    public mutating func applyStandardAdjusters() {
        let adjusters: [any TraceAdjuster] = [DedupeAdjuster(), ClockSkewAdjuster(), SortAdjuster(), CriticalPathMarker()]
        for a in adjusters {
            if let change = a.adjust(&self) { adjustments.append("\(a.name): \(change)") }
        }
    }
}

/// Orders every row's children, and the roots, by start time (attempts by number).
public struct SortAdjuster: TraceAdjuster {
    public init() {}
    public var name: String { "sort" }
    public func adjust(_ tree: inout TraceTree) -> String? {
        // The keys apart: holding `tree.nodes` itself while sorting would copy every node on the first write.
        let keys = tree.nodes.map { ($0.startUs, $0.attempt ?? 0) }
        func less(_ a: Int, _ b: Int) -> Bool {
            (keys[a].0, keys[a].1, a) < (keys[b].0, keys[b].1, b)
        }
        tree.roots.sort(by: less)
        for i in tree.nodes.indices where tree.nodes[i].children.count > 1 { tree.nodes[i].children.sort(by: less) }
        return nil
    }
}

/// Drops spans stored twice (same span id, kind, shared flag, service, start and duration): the same file under
/// two names, or a collector exporting twice. The duplicate's children move to the kept span.
public struct DedupeAdjuster: TraceAdjuster {
    public init() {}
    public var name: String { "dedupe" }

    struct Key: Hashable {
        var spanID: String
        var kind: String?
        var shared: Bool
        var service: String
        var start: Int64
        var duration: Int64
    }

    public func adjust(_ tree: inout TraceTree) -> String? {
        var seen: [Key: Int] = [:]
        seen.reserveCapacity(tree.nodes.count)
        var removed = Set<Int>()
        for i in tree.nodes.indices {
            let n = tree.nodes[i]
            guard n.kind == .span, let id = n.spanID else { continue }
            let key = Key(spanID: id, kind: n.spanKind, shared: n.shared, service: n.service, start: n.startUs,
                          duration: n.durationUs)
            guard let kept = seen[key] else { seen[key] = i; continue }
            removed.insert(i)
            for c in n.children {
                tree.nodes[c].parent = kept
            }
            tree.nodes[kept].children.append(contentsOf: n.children)
            tree.nodes[i].children = []
            if !tree.nodes[kept].notes.contains("duplicate span removed") {
                tree.nodes[kept].notes.append("duplicate span removed")
            }
        }
        guard !removed.isEmpty else { return nil }
        tree.roots.removeAll { removed.contains($0) }
        let parents = tree.nodes.map(\.parent)
        for i in tree.nodes.indices where !tree.nodes[i].children.isEmpty {
            tree.nodes[i].children.removeAll { removed.contains($0) || parents[$0] != i }
        }
        return "removed \(removed.count) duplicate span(s)"
    }
}

/// Corrects clock skew between hosts: a span that starts before its parent is shifted (with its subtree) so that
/// it sits inside the parent, centred when it fits (the network time split evenly on both sides), else at the
/// parent's start. Shifted rows are marked with the amount.
public struct ClockSkewAdjuster: TraceAdjuster {
    public init() {}
    public var name: String { "clock skew" }

    public func adjust(_ tree: inout TraceTree) -> String? {
        var shifted = 0
        var order: [Int] = []
        tree.forEachPreOrder { i, _ in order.append(i) }
        for i in order {
            guard let p = tree.nodes[i].parent, tree.nodes[i].kind == .span else { continue }
            let parent = tree.nodes[p]
            let child = tree.nodes[i]
            guard child.startUs < parent.startUs else { continue }
            let target = child.durationUs <= parent.durationUs
                ? parent.startUs + (parent.durationUs - child.durationUs) / 2 : parent.startUs
            let delta = target - child.startUs
            guard delta > 0 else { continue }
            var stack = [i]
            while let k = stack.popLast() {
                tree.nodes[k].startUs += delta
                stack.append(contentsOf: tree.nodes[k].children)
            }
            tree.nodes[i].skewUs += delta
            tree.nodes[i].notes.append("clock skew: shifted +\(TraceFormat.duration(delta))")
            shifted += 1
        }
        return shifted == 0 ? nil : "shifted \(shifted) span(s) that started before their parent"
    }
}

/// Marks the critical path (Jaeger's algorithm): from the end of a row, the child that finished last before that
/// point is on the path; recurse into it, move the point to its start, and repeat while children remain.
public struct CriticalPathMarker: TraceAdjuster {
    public init() {}
    public var name: String { "critical path" }

    public func adjust(_ tree: inout TraceTree) -> String? {
        guard let root = tree.roots.max(by: { tree.nodes[$0].durationUs < tree.nodes[$1].durationUs }) else { return nil }
        var onPath: [Int] = []
        do {
            // Released before the writes below, so that they do not copy every node.
            let nodes = tree.nodes
            Self.walk(root: root, start: { nodes[$0].startUs }, end: { nodes[$0].endUs }, children: { nodes[$0].children }) { n, _ in
                onPath.append(n)
            }
        }
        for n in onPath { tree.nodes[n].critical = true }
        return nil
    }

    /// Walks the critical path below `root` and calls `visit` with each row on it and that row's own critical
    /// time: the part of its window on the path that none of its critical children covers.
    ///
    /// A row's children are taken from the latest end backwards: a child that ends by the cursor (1 ms slack for
    /// access-log times) is on the path, and the cursor moves to its start. The root's window is its duration; a
    /// child's window is its own interval clipped to its parent's window and to the cursor, so the windows of
    /// siblings never overlap and the own times of all visited rows add up exactly to the root's duration.
    /// Children with equal ends are taken in their order in `children` (start order after ``SortAdjuster``).
    public static func walk(root: Int, start: (Int) -> Int64, end: (Int) -> Int64, children: (Int) -> [Int],
                            visit: (Int, Int64) -> Void) {
        var stack: [(node: Int, from: Int64, to: Int64)] = [(root, start(root), end(root))]
        while let (n, from, to) = stack.popLast() {
            let nodeStart = start(n)
            var cursor = end(n)
            var windowCursor = to
            var covered: Int64 = 0
            let kids = children(n)
            let ordered = kids.indices.sorted { (end(kids[$0]), -$0) > (end(kids[$1]), -$1) }.map { kids[$0] }
            for c in ordered where cursor > nodeStart {
                let cStart = start(c), cEnd = end(c)
                guard cEnd <= cursor + LogTreeBuilder.slackUs, cEnd > cStart || kids.count == 1 else { continue }
                let wTo = min(cEnd, windowCursor)
                let wFrom = min(max(cStart, from), wTo)
                stack.append((c, wFrom, wTo))
                covered += wTo - wFrom
                windowCursor = wFrom
                cursor = cStart
            }
            visit(n, max(0, to - from - covered))
        }
    }
}
