import MeshLogStore

/// `meshlog critical-path`: which hop makes the tail. Every request in a window is rebuilt from its access-log
/// lines with ``LogTreeBuilder``'s rules, its critical path is walked with ``CriticalPathMarker/walk``, and each
/// row's own critical time is credited to its hop (caller workload → callee service, optionally with the route).
/// Per hop the report gives its share of critical-path time over the requests around the median end-to-end
/// duration and over the slowest 1 %.
///
/// The lines are read in one scan in start order (``CriticalPathReader``); a request is complete once the scan
/// has moved ``horizonUs`` past the end of its last line, so only the requests in flight are held in memory.
public struct CriticalPathAnalysis {
    /// How hops are keyed.
    public enum Grouping: String, Sendable, CaseIterable {
        /// Caller workload → callee service.
        case hop
        /// Caller workload → callee service, method and route.
        case route
    }

    /// What to read.
    public struct Options: Sendable {
        /// Requests whose first line starts at or after this time (µs); nil: from the first line.
        public var sinceUs: Int64?
        /// Requests whose first line starts before this time (µs); nil: to the last line.
        public var untilUs: Int64?
        /// Only requests whose root call has this route (`/api/courses/{id}`, or with the method: `GET /api/…`).
        public var route: String?
        /// Only requests in which one of these services is called.
        public var services: [String] = []
        /// At most this many requests, the earliest first; nil: all in the window.
        public var limit: Int?
        public var grouping: Grouping = .hop
        public init() {}
    }

    /// One hop of the report.
    public struct HopRow: Sendable, Equatable {
        /// `frontend-v1 → course`, or with the route: `frontend-v1 → course GET /courses/{id}`.
        public var hop: String
        /// Requests whose critical path passes through the hop.
        public var requests: Int
        /// Share (%) of the critical-path time of the requests around the median duration.
        public var medianSharePct: Double?
        /// Share (%) of the critical-path time of the slowest 1 % of requests.
        public var tailSharePct: Double?
        /// Share (%) of the critical-path time of all requests.
        public var allSharePct: Double?
        /// Mean critical time (ms) per request whose path passes through the hop.
        public var meanCriticalMs: Double
        /// Mean critical time (ms) per request of the slowest 1 %.
        public var tailCriticalMs: Double
    }

    /// One request's critical path: its own time per hop (indexes into ``Report/hopNames``), adding up to its
    /// end-to-end duration.
    public struct RequestPath: Sendable, Equatable {
        /// `request.id`.
        public var req: Int64
        public var startUs: Int64
        /// The root call's duration: the request end to end.
        public var durationUs: Int64
        public var parts: [Part]
        /// One hop's own critical time in the request.
        public struct Part: Sendable, Equatable {
            public var hop: Int
            public var us: Int64
        }
    }

    /// The whole answer.
    public struct Report: Sendable {
        public var requests: [RequestPath] = []
        public var hopNames: [String] = []
        /// Requests (ranks in duration order) counted as "at the median": the 45th to 55th percentile.
        public var medianRequests = 0
        /// Requests counted as the slowest 1 % (at least one).
        public var tailRequests = 0
        /// Median end-to-end duration (ms, linear interpolation).
        public var medianMs: Double?
        /// 99th percentile end-to-end duration (ms, linear interpolation).
        public var p99Ms: Double?
        public var rows: [HopRow] = []
    }

    /// A request is complete once the scan is this far past the end of its last line.
    public static let horizonUs: Int64 = 5_000_000
    /// Lines read before `since` and after `until`, to tell requests that started earlier and finish later.
    public static let marginUs: Int64 = 60_000_000

    public let db: Database
    public init(db: Database) { self.db = db }

    /// Reads the window and builds the report.
    public func run(_ options: Options) throws -> Report {
        let dims = try CriticalPathDimensions(db: db)
        guard let (first, last) = try dims.bounds() else { return Report() }
        let since = options.sinceUs ?? first
        let until = options.untilUs ?? (last + 1)
        var builder = Builder(dims: dims, grouping: options.grouping)
        let serviceIDs = try Set(options.services.flatMap { try dims.ids(of: $0) })
        var routeFilter: (methods: Set<Int64>?, routes: Set<Int64>)?
        if let route = options.route?.trimmingCharacters(in: .whitespaces), !route.isEmpty {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                routeFilter = (try dims.ids(of: parts[0].uppercased()), try dims.ids(of: parts[1]))
            } else {
                routeFilter = (nil, try dims.ids(of: route))
            }
        }

        struct Open {
            var lines: [CriticalPathRow]
            var maxEndUs: Int64
        }
        var open: [Int64: Open] = [:]
        var skipped = Set<Int64>()
        var results: [RequestPath] = []
        var rowsSinceSweep = 0

        func finish(_ req: Int64, _ o: Open) {
            guard let path = builder.path(req: req, lines: o.lines, services: serviceIDs, route: routeFilter) else { return }
            results.append(path)
        }
        func limitReached() -> Bool {
            guard let limit = options.limit, results.count >= limit else { return false }
            var starts = results.map(\.startUs)
            starts.sort()
            let nth = starts[limit - 1]
            return open.values.allSatisfy { $0.lines[0].startUs > nth }
        }

        try CriticalPathReader.scan(db, fromUs: since - Self.marginUs, toUs: until + Self.marginUs) { row in
            if let k = open.index(forKey: row.req) {
                open.values[k].lines.append(row)  // in place: no copy of the lines
                open.values[k].maxEndUs = max(open.values[k].maxEndUs, row.startUs + row.durationMs * 1000)
            } else if !skipped.contains(row.req) {
                if row.startUs < since || row.startUs >= until {
                    skipped.insert(row.req)
                } else {
                    open[row.req] = Open(lines: [row], maxEndUs: row.startUs + row.durationMs * 1000)
                }
            }
            rowsSinceSweep += 1
            if rowsSinceSweep >= 4096 {
                rowsSinceSweep = 0
                let now = row.startUs
                let done = open.filter { $0.value.maxEndUs + Self.horizonUs < now }
                for (req, o) in done {
                    open[req] = nil
                    finish(req, o)
                }
                if limitReached() { return false }
                if now >= until, open.isEmpty { return false }
            }
            return true
        }
        for (req, o) in open { finish(req, o) }

        results.sort { ($0.startUs, $0.req) < ($1.startUs, $1.req) }
        if let limit = options.limit, results.count > limit { results.removeLast(results.count - limit) }
        return Self.aggregate(results, hopNames: builder.hopNames)
    }

    /// Shares per hop over a set of request paths.
    public static func aggregate(_ requests: [RequestPath], hopNames: [String]) -> Report {
        var report = Report()
        report.requests = requests
        report.hopNames = hopNames
        let n = requests.count
        guard n > 0 else { return report }
        let order = requests.indices.sorted {
            (requests[$0].durationUs, requests[$0].startUs, requests[$0].req) < (requests[$1].durationUs, requests[$1].startUs, requests[$1].req)
        }
        let durations = order.map { Double(requests[$0].durationUs) / 1000 }
        report.medianMs = percentile(durations, 0.5)
        report.p99Ms = percentile(durations, 0.99)
        let lowRank = Int((0.45 * Double(n - 1)).rounded(.down))
        let highRank = Int((0.55 * Double(n - 1)).rounded(.up))
        let tailCount = max(1, Int((Double(n) * 0.01).rounded(.up)))
        report.medianRequests = highRank - lowRank + 1
        report.tailRequests = tailCount
        var inMedian = [Bool](repeating: false, count: n)
        var inTail = [Bool](repeating: false, count: n)
        for r in lowRank...highRank { inMedian[order[r]] = true }
        for r in (n - tailCount)..<n { inTail[order[r]] = true }

        var all = [Int64](repeating: 0, count: hopNames.count)
        var median = all, tail = all
        var count = [Int](repeating: 0, count: hopNames.count)
        var totalAll: Int64 = 0, totalMedian: Int64 = 0, totalTail: Int64 = 0
        for (k, r) in requests.enumerated() {
            totalAll += r.durationUs
            if inMedian[k] { totalMedian += r.durationUs }
            if inTail[k] { totalTail += r.durationUs }
            for p in r.parts {
                all[p.hop] += p.us
                count[p.hop] += 1
                if inMedian[k] { median[p.hop] += p.us }
                if inTail[k] { tail[p.hop] += p.us }
            }
        }
        func share(_ v: Int64, _ total: Int64) -> Double? {
            total > 0 ? AnswerFormat.round(Double(v) / Double(total) * 100) : nil
        }
        for h in hopNames.indices where count[h] > 0 {
            report.rows.append(HopRow(
                hop: hopNames[h], requests: count[h], medianSharePct: share(median[h], totalMedian),
                tailSharePct: share(tail[h], totalTail), allSharePct: share(all[h], totalAll),
                meanCriticalMs: AnswerFormat.round(Double(all[h]) / Double(count[h]) / 1000, 3),
                tailCriticalMs: AnswerFormat.round(Double(tail[h]) / Double(tailCount) / 1000, 3)))
        }
        report.rows.sort {
            ($0.tailSharePct ?? 0, $0.allSharePct ?? 0, $1.hop) > ($1.tailSharePct ?? 0, $1.allSharePct ?? 0, $0.hop)
        }
        return report
    }

    /// numpy's default (linear) percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * p
        let k = Int(h.rounded(.down))
        guard k + 1 < sorted.count else { return AnswerFormat.round(sorted[k], 3) }
        return AnswerFormat.round(sorted[k] + (h - Double(k)) * (sorted[k + 1] - sorted[k]), 3)
    }

    /// The report as a table: `hop, requests, median_share_pct, tail_share_pct, all_share_pct, mean_critical_ms,
    /// tail_critical_ms`.
    public static func table(_ report: Report) -> ResultTable {
        func num(_ v: Double?) -> SQLValue { v.map { .real($0) } ?? .null }
        return ResultTable(
            columns: ["hop", "requests", "median_share_pct", "tail_share_pct", "all_share_pct", "mean_critical_ms",
                      "tail_critical_ms"],
            rows: report.rows.map { r in
                [.text(r.hop), .integer(Int64(r.requests)), num(r.medianSharePct), num(r.tailSharePct),
                 num(r.allSharePct), .real(r.meanCriticalMs), .real(r.tailCriticalMs)]
            })
    }

    /// The header printed above the table on a terminal.
    public static func summary(_ report: Report) -> String {
        guard !report.requests.isEmpty else { return "no request with access-log lines in the window\n" }
        return "\(report.requests.count) requests; end to end p50 \(AnswerFormat.ms(report.medianMs)) ms "
            + "(median: \(report.medianRequests) requests, 45th to 55th percentile), p99 \(AnswerFormat.ms(report.p99Ms)) ms "
            + "(slowest 1 %: \(report.tailRequests) requests)\n"
            + "share = the hop's own time on the critical path / the requests' end-to-end time; sorted by the slowest 1 %\n\n"
    }

    /// The report as one JSON object: the summary and `hops` (the table's rows).
    public static func json(_ report: Report) -> String {
        func num(_ v: Double?) -> String { v.map { ResultTable.jsonValue(.real($0)) } ?? "null" }
        var out = "{\"requests\":\(report.requests.count),\"median_ms\":\(num(report.medianMs)),\"p99_ms\":\(num(report.p99Ms))"
        out += ",\"median_requests\":\(report.medianRequests),\"tail_requests\":\(report.tailRequests),\"hops\":"
        let hops = table(report).renderJSON()
        out += hops.hasSuffix("\n") ? String(hops.dropLast()) : hops
        return out + "}\n"
    }
}

extension CriticalPathAnalysis {
    /// Rebuilds one request from its rows with ``LogTreeBuilder``'s pairing and nesting rules, on ids instead of
    /// names (the pod is the reporter), and walks its critical path.
    struct Builder {
        let dims: CriticalPathDimensions
        let grouping: Grouping
        var hopNames: [String] = []
        private var hopIndex: [HopKey: Int] = [:]
        private var workloadOf: [Int64: Int] = [:]

        init(dims: CriticalPathDimensions, grouping: Grouping) {
            self.dims = dims
            self.grouping = grouping
        }

        struct HopKey: Hashable {
            /// The caller's workload (index into `names`); -1 for a caller outside the mesh.
            var caller: Int
            /// Service, method and route names (indexes into `names`; -1 for none). Keys hold names, not
            /// dictionary ids: one text can have several ids.
            var service: Int
            var method: Int
            var route: Int
        }

        struct Node {
            var start: Int64
            var end: Int64
            var attempt: Int
            var hop: Int
            var children: [Int] = []
        }

        private var names: [String] = []
        private var nameIndex: [String: Int] = [:]
        private var nameOfID: [Int64: Int] = [:]

        mutating func intern(_ name: String) -> Int {
            if let k = nameIndex[name] { return k }
            nameIndex[name] = names.count
            names.append(name)
            return names.count - 1
        }

        /// A dictionary id's text as an index into `names` (-1 for none).
        mutating func name(_ id: Int64?) -> Int {
            guard let id, id != 0 else { return -1 }
            if let k = nameOfID[id] { return k }
            let k = ((try? dims.value(id)) ?? nil).map { intern($0) } ?? -1
            nameOfID[id] = k
            return k
        }

        /// The workload of a reporter, as an index into `names`.
        mutating func workload(_ reporter: Int64) -> Int {
            if let w = workloadOf[reporter] { return w }
            let w = intern(dims.workloads[reporter] ?? LogTreeBuilder.workload((try? dims.value(reporter)) ?? "?"))
            workloadOf[reporter] = w
            return w
        }

        mutating func hop(caller: Int64, line: CriticalPathRow, service: Int64?) -> Int {
            let byRoute = grouping == .route
            let key = HopKey(caller: caller < 0 ? -1 : workload(caller), service: name(service),
                             method: byRoute ? name(dims.methods[line.variant]) : -1,
                             route: byRoute ? name(line.route != 0 ? line.route : line.path) : -1)
            if let k = hopIndex[key] { return k }
            var text = (key.caller < 0 ? AnswerQueries.outsideMesh : names[key.caller]) + " → "
                + (key.service < 0 ? "?" : names[key.service])
            if key.method >= 0 { text += " " + names[key.method] }
            if key.route >= 0 { text += " " + names[key.route] }
            hopIndex[key] = hopNames.count
            hopNames.append(text)
            return hopNames.count - 1
        }

        /// The request's critical path, or nil when a filter drops it. Requests hold a handful of lines, so
        /// lookups are linear scans rather than dictionaries.
        mutating func path(req: Int64, lines unsorted: [CriticalPathRow], services: Set<Int64>,
                           route: (methods: Set<Int64>?, routes: Set<Int64>)?) -> RequestPath? {
            let slack = LogTreeBuilder.slackUs
            let lines = unsorted.count < 2 ? unsorted : unsorted.sorted { ($0.startUs, $0.id) < ($1.startUs, $1.id) }
            let n = lines.count
            var inbound = [Bool](repeating: false, count: n)
            var service = [Int64?](repeating: nil, count: n)
            var ends = [Int64](repeating: 0, count: n)
            var wanted = services.isEmpty
            for k in 0..<n {
                let d = dims.destinations[lines[k].dest]
                inbound[k] = d?.direction == 1
                service[k] = d?.service
                ends[k] = lines[k].startUs + lines[k].durationMs * 1000
                if !wanted, let s = service[k], services.contains(s) { wanted = true }
            }
            guard wanted else { return nil }
            var pairedTo = [Int](repeating: -1, count: n)

            func inWindow(_ i: Int, _ o: Int) -> Bool {
                lines[i].startUs + slack >= lines[o].startUs && lines[i].startUs <= ends[o] + slack
            }
            /// The outbound line closest in start to inbound line `i` among those `accept` takes (the first on ties).
            func closest(_ i: Int, _ accept: (Int) -> Bool) -> Int? {
                var best: Int?
                var bestGap = Int64.max
                for o in 0..<n where !inbound[o] && accept(o) {
                    let gap = abs(lines[i].startUs - lines[o].startUs)
                    if gap < bestGap { best = o; bestGap = gap }
                }
                return best
            }
            for i in 0..<n where inbound[i] {
                guard let remote = lines[i].downstreamRemote else { continue }
                if let o = closest(i, { lines[$0].upstreamLocal == remote && inWindow(i, $0) }) { pairedTo[i] = o }
            }
            for i in 0..<n where inbound[i] && pairedTo[i] < 0 {
                let callerIP = lines[i].downstreamRemoteHost
                func sameService(_ o: Int) -> Bool {
                    inWindow(i, o) && (service[o] == nil || service[o] == service[i]) && lines[o].status != 404
                }
                if let o = closest(i, { sameService($0) && (lines[$0].upstreamLocalHost ?? lines[$0].downstreamRemoteHost) == callerIP })
                    ?? closest(i, sameService) {
                    pairedTo[i] = o
                }
            }

            // Nodes in LogTreeBuilder's order: each hop followed by its attempts, then unpaired inbound lines.
            var nodes: [Node] = []
            nodes.reserveCapacity(n)
            var nodeOfLine = [Int](repeating: -1, count: n)
            var created: [(line: Int, node: Int)] = []
            created.reserveCapacity(n)
            for o in 0..<n where !inbound[o] {
                let h = hop(caller: lines[o].reporter, line: lines[o], service: service[o])
                let hopNode = nodes.count
                nodes.append(Node(start: lines[o].startUs, end: ends[o], attempt: 0, hop: h))
                nodeOfLine[o] = hopNode
                created.append((o, hopNode))
                var attempts = 0
                for i in 0..<n where pairedTo[i] == o { attempts += 1; nodeOfLine[i] = hopNode }
                if attempts > 1 {
                    var k = 0
                    for i in 0..<n where pairedTo[i] == o {  // in (start, id) order
                        k += 1
                        nodes.append(Node(start: lines[i].startUs, end: ends[i], attempt: k, hop: h))
                        nodes[hopNode].children.append(nodes.count - 1)
                        nodeOfLine[i] = nodes.count - 1
                    }
                }
            }
            for i in 0..<n where inbound[i] && pairedTo[i] < 0 {
                let h = hop(caller: -1, line: lines[i], service: service[i])
                nodes.append(Node(start: lines[i].startUs, end: ends[i], attempt: 0, hop: h))
                nodeOfLine[i] = nodes.count - 1
                created.append((i, nodes.count - 1))
            }

            // Nesting: each outbound line under the innermost inbound line of its pod that contains it in time.
            var roots: [Int] = []
            for (lineIndex, node) in created {
                var parentNode = -1
                if !inbound[lineIndex] {
                    let o = lines[lineIndex]
                    var best = -1
                    for i in 0..<n where inbound[i] && lines[i].reporter == o.reporter && pairedTo[i] != lineIndex
                        && lines[i].startUs <= o.startUs + slack && o.startUs <= ends[i] + slack {
                        if best < 0 || (lines[best].startUs, -lines[best].durationMs) < (lines[i].startUs, -lines[i].durationMs) {
                            best = i
                        }
                    }
                    if best >= 0 { parentNode = nodeOfLine[best] }
                }
                if parentNode >= 0, parentNode != node {
                    nodes[parentNode].children.append(node)
                } else {
                    roots.append(node)
                }
            }
            // SortAdjuster's order, then CriticalPathMarker's root: the longest.
            let sortKey = nodes.map { ($0.start, $0.attempt) }
            func less(_ a: Int, _ b: Int) -> Bool { (sortKey[a].0, sortKey[a].1, a) < (sortKey[b].0, sortKey[b].1, b) }
            if roots.count > 1 { roots.sort(by: less) }
            for k in nodes.indices where nodes[k].children.count > 1 { nodes[k].children.sort(by: less) }
            guard let root = roots.max(by: { nodes[$0].end - nodes[$0].start < nodes[$1].end - nodes[$1].start }) else { return nil }

            if let route {
                guard let line = created.first(where: { $0.node == root })?.line else { return nil }
                let l = lines[line]
                let routeOK = route.routes.contains(l.route) || (l.route == 0 && route.routes.contains(l.path))
                let methodOK = route.methods.map { $0.contains(dims.methods[l.variant] ?? 0) } ?? true
                guard routeOK, methodOK else { return nil }
            }

            var parts: [RequestPath.Part] = []
            CriticalPathMarker.walk(root: root, start: { nodes[$0].start }, end: { nodes[$0].end },
                                    children: { nodes[$0].children }) { k, us in
                let h = nodes[k].hop
                if let p = parts.firstIndex(where: { $0.hop == h }) { parts[p].us += us } else { parts.append(.init(hop: h, us: us)) }
            }
            return RequestPath(req: req, startUs: lines[0].startUs, durationUs: nodes[root].end - nodes[root].start, parts: parts)
        }
    }
}
