import MeshLogStore

/// `meshlog why`: for each failing request of a window (its entry hop answered 5xx or nothing), the deepest
/// failing call of its tree — a failing call none of whose own calls failed — is where the failure started;
/// origins are ranked by the failing requests they explain, with how the failure travelled up to the entry.
///
/// Requests whose origin cannot be told are counted apart, not forced: a failure whose failing calls were all
/// retried successfully (the failure did not come from below), and a caller's timeout whose callee answered.
/// Failures that started at a fault Envoy injected on purpose (`FI`, `fault_filter_abort`, or a `DI` delay that ran
/// into a timeout or a reset) are counted apart too: a chaos experiment is not an outage.
public struct FailureOrigins: Sendable {
    /// Where a failure started: the callee that failed, as its lines say.
    public struct Origin: Hashable, Sendable {
        public var service: String
        public var subset: String?
        /// The callee's pod, when its sidecar logged the call (a call that never connected has none).
        public var pod: String?
        public var status: String
        public var flags: String
        /// Envoy's `%RESPONSE_CODE_DETAILS%`.
        public var details: String?
    }

    /// Why a request's origin cannot be told.
    public enum Ambiguity: String, CaseIterable, Sendable {
        case retrySucceeded = "a retry succeeded below the failure"
        case slowCallee = "the caller timed out, the callee answered"
    }

    /// What one failing request's tree says.
    public enum Outcome: Equatable, Sendable {
        case notFailing
        /// The origin, and the chain from it up to the entry (`payment 503 UF`, `enrollment 500`, `frontend 502`).
        case origin(Origin, chain: [String])
        case ambiguous(Ambiguity)
        /// The failure started at an injected fault (`FI`, `fault_filter_abort`): the origin, kept apart.
        case injected(Origin)
    }

    /// One origin with the failing requests it explains.
    public struct Row: Sendable {
        public var origin: Origin
        public var requests: Int
        /// The chain most of its requests show.
        public var chain: [String]
        public var firstUs: Int64
        public var lastUs: Int64
    }

    /// Failing requests analysed (entry 5xx or no response).
    public let failing: Int
    /// Origins, most requests first.
    public let rows: [Row]
    /// Requests whose origin cannot be told, by reason.
    public let ambiguous: [Ambiguity: Int]
    /// Requests whose failure started at an injected fault.
    public let injected: Int
    /// Whether the candidates were cut at the limit.
    public let truncated: Bool

    /// Finds the failing requests that started in `[sinceUs, untilUs)` and the origin of each (at most `limit`
    /// candidates); with `services`, only requests one of those services takes part in. The candidates' trees are
    /// loaded `batchSize` at a time (``TraceLoader/loadRecords(_:)-([String])``); 1 loads them one at a time (the same
    /// trees, more statements).
    public init(reader: any TraceReader, sinceUs: Int64?, untilUs: Int64?, services: [String] = [], limit: Int = 20_000,
                batchSize: Int = 2_000) throws {
        try self.init(reader: reader, windows: [(sinceUs, untilUs)], services: services, limit: limit, batchSize: batchSize)
    }

    /// The origins of the failing requests that started in any of `windows` (disjoint), at most `limit` candidates.
    public init(reader: any TraceReader, windows: [(sinceUs: Int64?, untilUs: Int64?)], services: [String] = [], limit: Int = 20_000,
                batchSize: Int = 2_000) throws {
        // Requests with a failing line, then traces with a failing span (whether the request failed is its entry's say).
        var requests: [String] = [], traces: [String] = []
        for w in windows {
            requests += try reader.failingRequests(sinceUs: w.sinceUs, untilUs: w.untilUs, limit: max(0, limit - requests.count))
        }
        for w in windows {
            traces += try reader.failingTraces(sinceUs: w.sinceUs, untilUs: w.untilUs, limit: max(0, limit - requests.count - traces.count))
        }
        let candidates = requests + traces
        let loader = TraceLoader(reader: reader)
        var tally = Tally(services: services)
        var seen = Set<[String]>()
        var start = 0
        while start < candidates.count {
            let part = Array(candidates[start..<min(candidates.count, start + max(1, batchSize))])
            start += part.count
            let loaded = batchSize > 1 ? try loader.loadRecords(part) : try part.map { try loader.loadRecords($0) }
            for case let tree? in loaded {
                // A request found by its lines and by its spans is one tree.
                guard seen.insert(tree.tree.requestIDs.sorted() + tree.tree.traceIDs.sorted()).inserted else { continue }
                tally.add(tree)
            }
        }
        self.init(tally, truncated: candidates.count >= limit)
    }

    /// The origins of `trees` (those whose entry did not fail are left out).
    public init(trees: [LoadedTrace], services: [String] = [], truncated: Bool = false) {
        var tally = Tally(services: services)
        for loaded in trees { tally.add(loaded) }
        self.init(tally, truncated: truncated)
    }

    /// The outcomes of trees as they are loaded, without keeping the trees.
    struct Tally {
        let services: [String]
        var failing = 0
        var ambiguous: [Ambiguity: Int] = [:]
        var injected = 0
        var byOrigin: [Origin: (requests: Int, chains: [[String]: Int], first: Int64, last: Int64)] = [:]

        /// Counts one tree's outcome (unless `services` leaves it out or its entry did not fail).
        mutating func add(_ loaded: LoadedTrace) {
            if !services.isEmpty, !loaded.tree.nodes.contains(where: { services.contains($0.service) }) { return }
            let outcome = FailureOrigins.outcome(loaded)
            guard outcome != .notFailing else { return }
            failing += 1
            switch outcome {
            case .notFailing: break
            case .ambiguous(let why): ambiguous[why, default: 0] += 1
            case .injected: injected += 1
            case .origin(let origin, let chain):
                let start = loaded.tree.startUs
                var entry = byOrigin[origin] ?? (0, [:], start, start)
                entry.requests += 1
                entry.chains[chain, default: 0] += 1
                entry.first = min(entry.first, start)
                entry.last = max(entry.last, start)
                byOrigin[origin] = entry
            }
        }
    }

    /// The origins a tally counted, ranked.
    private init(_ tally: Tally, truncated: Bool) {
        failing = tally.failing
        ambiguous = tally.ambiguous
        injected = tally.injected
        self.truncated = truncated
        rows = tally.byOrigin.map { origin, e in
            // The most frequent chain; ties by the chain's text, so the answer does not depend on hashing.
            let chain = e.chains.max { ($0.value, $1.key.joined()) < ($1.value, $0.key.joined()) }?.key ?? []
            return Row(origin: origin, requests: e.requests, chain: chain, firstUs: e.first, lastUs: e.last)
        }.sorted { a, b in
            // Most requests first; ties in a fixed order of the origin's fields, so every store prints the same.
            if a.requests != b.requests { return a.requests > b.requests }
            return [a.origin.service, a.origin.status, a.origin.flags, a.origin.subset ?? "", a.origin.pod ?? "", a.origin.details ?? ""]
                .lexicographicallyPrecedes([b.origin.service, b.origin.status, b.origin.flags, b.origin.subset ?? "", b.origin.pod ?? "", b.origin.details ?? ""])
        }
    }

    /// The origin of one request's tree.
    public static func outcome(_ loaded: LoadedTrace) -> Outcome {
        let tree = loaded.tree
        guard let entry = tree.roots.min(by: { (tree.nodes[$0].startUs, -tree.nodes[$0].durationUs) < (tree.nodes[$1].startUs, -tree.nodes[$1].durationUs) }),
              failed(tree.nodes[entry]) else { return .notFailing }
        let records = Records(loaded)
        var n = entry
        while true {
            let children = tree.nodes[n].children
            let failing = children.filter { failed(tree.nodes[$0]) }
            let unrecovered = failing.filter { c in
                !children.contains { s in
                    s != c && !failed(tree.nodes[s]) && tree.nodes[s].startUs >= tree.nodes[c].startUs
                        && tree.nodes[s].service == tree.nodes[c].service
                        && (tree.nodes[s].operation == tree.nodes[c].operation || (tree.nodes[s].kind == .attempt && tree.nodes[c].kind == .attempt))
                }
            }
            if let next = unrecovered.min(by: { tree.nodes[$0].startUs < tree.nodes[$1].startUs }) {
                n = next
                continue
            }
            if !failing.isEmpty { return .ambiguous(.retrySucceeded) }
            if timedOutWithAnswer(n, tree, records) { return .ambiguous(.slowCallee) }
            let found = origin(n, tree, records)
            // As the answers count them: an abort, or an injected delay that ran into a timeout or a reset.
            let flags = found.flags.split(separator: ",")
            if flags.contains("FI") || found.details?.contains("fault_filter_abort") == true
                || (flags.contains("DI") && (found.status == "504" || found.status == "0")) {
                return .injected(found)
            }
            return .origin(found, chain: chain(from: n, tree, records))
        }
    }

    /// The records a tree was built from, by the ids its rows name.
    struct Records {
        var lines: [Int64: TraceLogLine] = [:]
        var spans: [String: TraceSpan] = [:]

        init(_ loaded: LoadedTrace) {
            for l in loaded.lines { lines[l.id] = lines[l.id] ?? l }
            for s in loaded.spans { spans[s.kind + "|" + s.spanID] = spans[s.kind + "|" + s.spanID] ?? s }
        }

        /// The span a row came from.
        func span(_ node: TraceNode) -> TraceSpan? {
            guard let id = node.spanID, let kind = node.spanKind else { return nil }
            return spans[kind + "|" + id]
        }

        /// `outbound|8080|v1|user.lms.svc.cluster.local` → (`user`, `v1`).
        static func destination(_ cluster: String?) -> (service: String, subset: String?)? {
            guard let service = SpanTreeBuilder.destination(cluster) else { return nil }
            let subset = cluster?.split(separator: "|", omittingEmptySubsequences: false)[2]
            return (service, subset.flatMap { $0.isEmpty ? nil : String($0) })
        }

        /// `sidecar~10.244.1.7~user-v1-vznx8z9fq-fpp87.lms~lms.svc.cluster.local` → the pod.
        static func pod(_ nodeID: String?) -> String? {
            guard let parts = nodeID?.split(separator: "~"), parts.count >= 3 else { return nil }
            return parts[2].split(separator: ".").first.map(String.init)
        }
    }

    /// Whether a row failed: its HTTP status is 5xx or 0 (no response); a span without one, when it says error.
    /// (Envoy marks 4xx spans as errors too: a 404 is an answer, not a failure.)
    static func failed(_ node: TraceNode) -> Bool {
        if let code = Int(node.status) { return code >= 500 || code == 0 }
        return node.isError
    }

    /// A caller's timeout (`UT` or 504) on a call whose callee's side answered without failing.
    static func timedOutWithAnswer(_ n: Int, _ tree: TraceTree, _ records: Records) -> Bool {
        let node = tree.nodes[n]
        guard node.flags.split(separator: ",").contains("UT") || node.status == "504" else { return false }
        let calleeLines = node.logLines.compactMap { records.lines[$0] }.filter(\.inbound)
        if calleeLines.contains(where: { !$0.isError }) { return true }
        return node.children.contains { tree.nodes[$0].spanKind == "server" && !failed(tree.nodes[$0]) }
    }

    /// The callee a row stands for: a hop's service; a CLIENT span's destination (its cluster, or its line's service).
    static func service(_ n: Int, _ tree: TraceTree, _ records: Records) -> String {
        let node = tree.nodes[n]
        if node.kind == .span, node.spanKind == "client" {
            if let d = Records.destination(records.span(node)?.attribute("upstream_cluster")) { return d.service }
            if let caller = node.caller, caller.hasPrefix("→ ") { return String(caller.dropFirst(2)) }
        }
        return node.service
    }

    static func origin(_ n: Int, _ tree: TraceTree, _ records: Records) -> Origin {
        let node = tree.nodes[n]
        var own = node.logLines.compactMap { records.lines[$0] }
        // An attempt's subset is on its hop's outbound line.
        if node.kind == .attempt, let p = node.parent { own += tree.nodes[p].logLines.compactMap { records.lines[$0] }.filter { !$0.inbound } }
        let callee = own.last { $0.inbound }
        let caller = own.first { !$0.inbound }
        var subset = caller?.subset ?? callee?.subset
        var pod = callee?.reporter
        if let span = records.span(node) {
            // A server span: its sidecar's pod, and the subset its client half's cluster named.
            if node.spanKind == "server" {
                pod = pod ?? Records.pod(span.attribute("node_id"))
                let clientHalf = node.parent.flatMap { records.span(tree.nodes[$0]) }
                subset = subset ?? Records.destination(clientHalf?.attribute("upstream_cluster"))?.subset
            } else {
                subset = subset ?? Records.destination(span.attribute("upstream_cluster"))?.subset
            }
        }
        return Origin(service: service(n, tree, records), subset: subset, pod: pod,
                      status: node.status, flags: node.flags, details: (callee?.isError == true ? callee : caller ?? callee)?.details)
    }

    /// `payment 503 UF`, `enrollment 500`, `frontend 502`: the failing calls from `n` up to the entry, one per service.
    static func chain(from n: Int, _ tree: TraceTree, _ records: Records) -> [String] {
        var out: [String] = []
        var lastService: String?
        var at: Int? = n
        while let i = at {
            let node = tree.nodes[i]
            if failed(node) {
                let s = service(i, tree, records)
                if s != lastService { out.append([s, node.status, node.flags].filter { !$0.isEmpty }.joined(separator: " ")) }
                lastService = s
            }
            at = node.parent
        }
        return out
    }

    /// `service, subset, pod, status, flags, details, requests, share_pct, first, last, chain` (the `top` origins
    /// when given, else all); then requests whose failure was injected on purpose as an `(injected fault)` row, and
    /// those whose origin cannot be told as `(ambiguous)` rows with the reason in `details`.
    public func table(top: Int? = nil) -> ResultTable {
        func share(_ n: Int) -> SQLValue { .real(failing > 0 ? AnswerFormat.round(100 * Double(n) / Double(failing)) : 0) }
        var out: [[SQLValue]] = rows.prefix(top ?? rows.count).map { r in
            [.text(r.origin.service), SQLValue(r.origin.subset), SQLValue(r.origin.pod), .text(r.origin.status),
             SQLValue(r.origin.flags.isEmpty ? nil : r.origin.flags), SQLValue(r.origin.details), .integer(Int64(r.requests)), share(r.requests),
             .text(AnswerFormat.timestamp(r.firstUs)), .text(AnswerFormat.timestamp(r.lastUs)), .text(r.chain.joined(separator: " → "))]
        }
        if injected > 0 {
            out.append([.text("(injected fault)"), .null, .null, .null, .null, .text("fault injection on purpose (FI): not an outage"),
                        .integer(Int64(injected)), share(injected), .null, .null, .null])
        }
        for why in Ambiguity.allCases {
            guard let n = ambiguous[why], n > 0 else { continue }
            out.append([.text("(ambiguous)"), .null, .null, .null, .null, .text(why.rawValue), .integer(Int64(n)), share(n), .null, .null, .null])
        }
        return ResultTable(columns: ["service", "subset", "pod", "status", "flags", "details", "requests", "share_pct", "first", "last", "chain"],
                           rows: out)
    }
}
