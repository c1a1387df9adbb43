/// Reads the answers meshlog gives (status breakdowns, hop latencies, timelines, slow requests,
/// the service graph, named queries) from a store.
///
/// Implementation requirements:
/// - Every count is exact and every percentile is exact (linear interpolation between closest
///   ranks, as the `percentile` SQL aggregate computes it); nothing is sampled.
/// - Names come back resolved. A name stored under several dictionary ids is one group.
/// - `executedSQL` lists every statement run so far, in order, as runnable text (values written
///   in as literals); a statement run once per request id appears once, with a note.
/// - Results are ordered as each method says; ties are broken deterministically.
public protocol AnswerReader: AnyObject {
    /// The statements run so far, for `--explain`.
    var executedSQL: [String] { get }

    /// Whether an answer so far was read from the summary tables rather than the lines.
    var usedSummaries: Bool { get }

    /// The first and last start time in the store (µs), or nil when it holds no timed line.
    func span() throws -> (first: Int64, last: Int64)?

    /// Requests, errors and status classes of the lines of `side` grouped by `keys`, most requests first.
    func status(keys: [GroupKey], side: TrafficSide, filter: AnswerFilter) throws -> StatusResult

    /// One row per caller workload → destination service/subset, most requests first.
    func hopStats(filter: AnswerFilter) throws -> [HopStats]

    /// Buckets that hold lines, oldest first (empty buckets are left out).
    func timeline(bucketMicros: Int64, side: TrafficSide, filter: AnswerFilter) throws -> [TimelineBucket]

    /// The `limit` requests whose edge-most line took longest, slowest first.
    func slowRequests(limit: Int, filter: AnswerFilter) throws -> [SlowRequest]

    /// The edges of the service graph, most requests first.
    func graphEdges(filter: AnswerFilter) throws -> [GraphEdgeRow]

    /// The service each workload serves (the most frequent service on its inbound lines).
    func workloadServices(filter: AnswerFilter) throws -> [String: String]

    /// One side of `meshlog compare`: requests, errors, failing status codes and the exact
    /// histogram of hop durations per group (`by`), over `filter` and, when `subsets` is given, only
    /// hops to those destination subsets (the edge key then leaves the subset out). Each hop counts
    /// once (``TrafficSide/hop``). Groups come in no particular order.
    func compareGroups(by: CompareGrouping, filter: AnswerFilter, subsets: [String]?) throws -> [CompareGroup]

    /// Runs one read-only statement with named parameters (`meshlog query`).
    func run(sql: String, parameters: [String: SQLValue]) throws -> StatementResult
}

/// Problems running an answer.
public enum AnswerError: Error, CustomStringConvertible, Sendable {
    /// A named query tried to write.
    case notReadOnly(name: String)

    public var description: String {
        switch self {
        case .notReadOnly(let name): "\(name) would change the store; queries may only read"
        }
    }
}

/// ``AnswerReader`` over a SQLite store opened with `SQLiteStore.openForReading`.
public final class SQLiteAnswerReader: AnswerReader {
    private let db: Database
    private var log: [(key: String, sql: String, repeats: Int)] = []
    private var names: [Int64: String] = [:]
    private var serviceIDCache: [[String]: [Int64]] = [:]
    public private(set) var usedSummaries = false

    /// Creates a reader; `db` must have the meshlog functions registered (`percentile`).
    public init(db: Database) {
        self.db = db
    }

    public var executedSQL: [String] {
        log.map { entry in
            guard entry.repeats > 1 else { return entry.sql }
            let why = switch entry.key {
            case "edge", "lines": "once per request id"
            case "longest": "with a growing LIMIT until the slowest requests were certain"
            default: "once per batch of values"
            }
            return "-- run \(entry.repeats) times, \(why); the first:\n" + entry.sql
        }
    }

    // MARK: - Running

    /// Runs `sql` with `arguments` bound to its `?` parameters, recording it (with the values
    /// written in); statements with the same `key` are recorded once with a count.
    private func query(_ sql: String, _ arguments: [SQLValue] = [], key: String? = nil) throws -> [[SQLValue]] {
        if let key, let index = log.firstIndex(where: { $0.key == key }) {
            log[index].repeats += 1
        } else {
            log.append((key ?? "#\(log.count)", AnswerQueries.inlined(sql, arguments), 1))
        }
        let statement = try db.prepare(sql)
        try statement.bind(arguments)
        var rows: [[SQLValue]] = []
        let n = statement.columnCount
        while try statement.step() {
            var row: [SQLValue] = []
            row.reserveCapacity(Int(n))
            for i in 0..<n { row.append(statement.value(i)) }
            rows.append(row)
        }
        return rows
    }

    /// Notes whether an answer reads the summaries (for ``usedSummaries``) and passes it on.
    private func readSummaries(_ yes: Bool) -> Bool {
        usedSummaries = usedSummaries || yes
        return yes
    }

    /// The dictionary ids of the filter's services, or nil when it has none.
    private func serviceIDs(_ filter: AnswerFilter) throws -> [Int64]? {
        guard let services = filter.services else { return nil }
        if let cached = serviceIDCache[services] { return cached }
        let ids = services.isEmpty ? [] : try query(AnswerQueries.dictionaryIDs(count: services.count), services.map(SQLValue.text)).compactMap { $0[0].int64 }
        serviceIDCache[services] = ids
        return ids
    }

    /// Per-line partner lookups for a narrow filter (some services, or under a quarter of the
    /// store's time span); one pass over every caller line otherwise.
    private func check(_ filter: AnswerFilter) throws -> AnswerQueries.PartnerCheck {
        if filter.services != nil { return .perLine }
        guard filter.sinceMicros != nil || filter.untilMicros != nil, let span = try span() else { return .allCallers }
        let start = max(filter.sinceMicros ?? span.first, span.first)
        let end = min(filter.untilMicros ?? span.last, span.last)
        let whole = max(1, span.last - span.first)
        return Double(max(0, end - start)) / Double(whole) < 0.25 ? .perLine : .allCallers
    }

    private var spanCache: (first: Int64, last: Int64)??

    /// Resolves dictionary ids to their values (cached).
    private func resolve(_ ids: some Sequence<Int64>) throws {
        let missing = Set(ids).subtracting(names.keys).sorted()
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(start + 5000, missing.count)])
            for row in try query(AnswerQueries.dictionaryValues(of: chunk), key: "dictionary") {
                if let id = row[0].int64, let value = row[1].string { names[id] = value }
            }
            start += chunk.count
        }
    }

    /// The text of a key column: dictionary ids resolved, text kept, NULL kept.
    private func name(_ value: SQLValue) -> SQLValue {
        if case .integer(let id) = value { return names[id].map(SQLValue.text) ?? .null }
        return value
    }

    private func text(_ value: SQLValue) -> String? {
        name(value).string
    }

    // MARK: - AnswerReader

    public func span() throws -> (first: Int64, last: Int64)? {
        if let cached = spanCache { return cached }
        var value: (first: Int64, last: Int64)?
        if let row = try query(AnswerQueries.span).first, let first = row[0].int64, let last = row[1].int64 {
            value = (first, last)
        }
        spanCache = .some(value)
        return value
    }

    public func status(keys: [GroupKey], side: TrafficSide, filter: AnswerFilter) throws -> StatusResult {
        let ids = try serviceIDs(filter)
        let summaries = readSummaries(!filter.exact && SummaryQueries.canServeStatus(keys: keys, filter: filter))
        let rows = summaries
            ? try query(SummaryQueries.status(keys: keys, side: side, filter: filter, serviceIDs: ids))
            : try query(AnswerQueries.status(keys: keys, side: side, filter: filter, serviceIDs: ids, check: try check(filter)))
        let k = keys.count
        try resolve(rows.flatMap { row in keys.indices.compactMap { keys[$0].isDictionaryID ? row[$0].int64 : nil } })
        // Counts add up, so groups whose ids name the same value merge exactly.
        var order: [[SQLValue]] = []
        var merged: [[SQLValue]: StatusGroup] = [:]
        for row in rows {
            let key = keys.indices.map { keys[$0].isDictionaryID ? name(row[$0]) : row[$0] }
            let counts = row[k...].map { Int($0.int64 ?? 0) }
            let group = StatusGroup(
                keys: Dictionary(uniqueKeysWithValues: zip(keys, key)), requests: counts[0], errors: counts[1],
                classes: [counts[2], counts[3], counts[4], counts[5], counts[6], counts[7]], unflagged: counts[8],
                injected: counts.count > 9 ? counts[9] : 0)
            if var existing = merged[key] {
                existing.requests += group.requests
                existing.errors += group.errors
                existing.classes = zip(existing.classes, group.classes).map(+)
                existing.unflagged += group.unflagged
                existing.injected += group.injected
                merged[key] = existing
            } else {
                merged[key] = group
                order.append(key)
            }
        }
        let groups = order.compactMap { merged[$0] }
        let total: Int
        if keys.contains(.flag) {
            let sql = summaries ? SummaryQueries.count(side: side, filter: filter, serviceIDs: ids)
                : AnswerQueries.count(side: side, filter: filter, serviceIDs: ids, check: try check(filter))
            total = Int(try query(sql).first?[0].int64 ?? 0)
        } else {
            total = groups.reduce(0) { $0 + $1.requests }
        }
        return StatusResult(groups: groups, total: total)
    }

    public func hopStats(filter: AnswerFilter) throws -> [HopStats] {
        let ids = try serviceIDs(filter)
        let summaries = readSummaries(!filter.exact && SummaryQueries.canServe(filter: filter))
        func sql(byValue: Bool) throws -> String {
            summaries ? SummaryQueries.hops(filter: filter, serviceIDs: ids, byValue: byValue)
                : AnswerQueries.hops(filter: filter, serviceIDs: ids, byValue: byValue, check: try check(filter))
        }
        var rows = try query(try sql(byValue: false))
        try resolve(rows.flatMap { [$0[2].int64, $0[3].int64, $0[4].int64].compactMap { $0 } })
        if hasCollisions(rows.filter { $0[0] == .text("edge") }.map { [$0[1], name($0[2]), name($0[3])] }) {
            rows = try query(try sql(byValue: true))
        }
        var flags: [[SQLValue]: [String: Int]] = [:]
        for row in rows where row[0] == .text("flags") {
            guard let combination = text(row[4]) else { continue }
            flags[[row[1], name(row[2]), name(row[3])], default: [:]][combination, default: 0] += Int(row[5].int64 ?? 0)
        }
        func summary(_ row: [SQLValue], _ at: Int) -> LatencySummary {
            LatencySummary(p50: row[at].double, p90: row[at + 1].double, p99: row[at + 2].double, max: row[at + 3].double)
        }
        return rows.filter { $0[0] == .text("edge") }.map { row in
            let key = [row[1], name(row[2]), name(row[3])]
            let edgeFlags = (flags[key] ?? [:]).map { (flags: $0.key, count: $0.value) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.flags < $1.flags }
            var stats = HopStats(
                source: row[1].string ?? AnswerQueries.outsideMesh, service: key[1].string, subset: key[2].string,
                requests: Int(row[5].int64 ?? 0), errors: Int(row[6].int64 ?? 0), matched: Int(row[7].int64 ?? 0),
                client: summary(row, 8), server: summary(row, 12), overhead: summary(row, 16), upstream: summary(row, 20),
                flags: edgeFlags)
            stats.injected = Int(row[24].int64 ?? 0)
            return stats
        }.sorted { a, b in
            if a.requests != b.requests { return a.requests > b.requests }
            return (a.source, a.service ?? "", a.subset ?? "") < (b.source, b.service ?? "", b.subset ?? "")
        }
    }

    /// Whether two rows' resolved keys are equal (one value stored under several ids).
    private func hasCollisions(_ keys: [[SQLValue]]) -> Bool {
        Set(keys).count != keys.count
    }

    public func timeline(bucketMicros: Int64, side: TrafficSide, filter: AnswerFilter) throws -> [TimelineBucket] {
        precondition(bucketMicros > 0, "bucket must be positive")
        let ids = try serviceIDs(filter)
        let summaries = readSummaries(!filter.exact && SummaryQueries.canServe(filter: filter, bucketMicros: bucketMicros))
        let sql = summaries ? SummaryQueries.timeline(bucketMicros: bucketMicros, side: side, filter: filter, serviceIDs: ids)
            : AnswerQueries.timeline(bucketMicros: bucketMicros, side: side, filter: filter, serviceIDs: ids, check: try check(filter))
        return try query(sql)
            .map { row in
                TimelineBucket(startMicros: row[0].int64 ?? 0, requests: Int(row[1].int64 ?? 0),
                               errors: Int(row[2].int64 ?? 0), p99: row[3].double)
            }
    }

    public func slowRequests(limit: Int, filter: AnswerFilter) throws -> [SlowRequest] {
        guard limit > 0 else { return [] }
        let ids = try serviceIDs(filter)
        // Threshold search: walk lines from the longest down. A request not seen yet has no
        // (filtered) line longer than the current one, so neither is its edge-most line: once
        // `limit` requests are at least that slow, nothing unseen can beat them.
        var candidates = max(limit * 20, 200)
        var edges: [SQLValue: (id: Int64, duration: Int64)] = [:]
        var top: [Int64] = []  // the `limit` longest edge durations so far, longest first
        while true {
            let lines = try query(AnswerQueries.longestLines(limit: candidates, filter: filter, serviceIDs: ids),
                                  key: "longest")
            var complete = lines.count < candidates
            for line in lines {
                let req = line[0]
                let duration = line[1].int64 ?? 0
                if top.count >= limit, top[limit - 1] >= duration { complete = true; break }
                if edges[req] != nil { continue }
                let edge = try query(AnswerQueries.edgeLine(req: req, filter: filter, serviceIDs: ids), key: "edge")
                guard let row = edge.first, let id = row[0].int64 else { continue }
                let edgeDuration = row[1].int64 ?? 0
                edges[req] = (id, edgeDuration)
                let at = top.firstIndex { $0 < edgeDuration } ?? top.count
                if at < limit {
                    top.insert(edgeDuration, at: at)
                    if top.count > limit { top.removeLast() }
                }
            }
            if complete { break }
            candidates *= 4
        }
        let ranked = edges.sorted { a, b in
            a.value.duration != b.value.duration ? a.value.duration > b.value.duration : a.value.id < b.value.id
        }.prefix(limit)
        return try ranked.map { req, edge in
            let rows = try query(AnswerQueries.requestLines(req: req), key: "lines")
            let lines = rows.map(storedLine)
            let edgeLine = lines.first { $0.id == edge.id } ?? lines[0]
            return SlowRequest(requestID: rows.first?[16].string ?? "\(req)", edge: edgeLine, lines: lines)
        }
    }

    private func storedLine(_ row: [SQLValue]) -> StoredLine {
        StoredLine(
            id: row[0].int64 ?? 0, reporter: row[1].string, workload: row[2].string, direction: row[3].int64.map(Int.init),
            method: row[4].string, path: row[5].string, route: row[6].string, status: row[7].int64.map(Int.init),
            flags: row[8].string, service: row[9].string, subset: row[10].string, startMicros: row[11].int64,
            durationMs: row[12].int64, upstreamMs: row[13].int64, upstreamLocal: row[14], downstreamRemote: row[15])
    }

    public func graphEdges(filter: AnswerFilter) throws -> [GraphEdgeRow] {
        let ids = try serviceIDs(filter)
        let summaries = readSummaries(!filter.exact && SummaryQueries.canServe(filter: filter))
        func sql(byValue: Bool) throws -> String {
            summaries ? SummaryQueries.graphEdges(filter: filter, serviceIDs: ids, byValue: byValue)
                : AnswerQueries.graphEdges(filter: filter, serviceIDs: ids, byValue: byValue, check: try check(filter))
        }
        var rows = try query(try sql(byValue: false))
        try resolve(rows.flatMap { [$0[1].int64, $0[2].int64].compactMap { $0 } })
        if hasCollisions(rows.map { [$0[0], name($0[1]), name($0[2])] }) {
            rows = try query(try sql(byValue: true))
        }
        return rows.map { row in
            GraphEdgeRow(source: row[0].string ?? AnswerQueries.outsideMesh, service: text(row[1]), subset: text(row[2]),
                         requests: Int(row[3].int64 ?? 0), errors: Int(row[4].int64 ?? 0), p99: row[5].double)
        }.sorted { a, b in
            if a.requests != b.requests { return a.requests > b.requests }
            return (a.source, a.service ?? "", a.subset ?? "") < (b.source, b.service ?? "", b.subset ?? "")
        }
    }

    public func workloadServices(filter: AnswerFilter) throws -> [String: String] {
        var best: [String: (service: String, n: Int64)] = [:]
        let summaries = readSummaries(!filter.exact && SummaryQueries.canServe(filter: filter))
        let sql = summaries ? SummaryQueries.workloadServices(filter: filter) : AnswerQueries.workloadServices(filter: filter)
        for row in try query(sql) {
            guard let workload = row[0].string, let service = row[1].string, let n = row[2].int64 else { continue }
            if let current = best[workload], current.n > n || (current.n == n && current.service < service) { continue }
            best[workload] = (service, n)
        }
        return best.mapValues(\.service)
    }

    public func compareGroups(by: CompareGrouping, filter: AnswerFilter, subsets: [String]?) throws -> [CompareGroup] {
        let ids = try serviceIDs(filter)
        let subsetIDs = try subsets.map { names in
            names.isEmpty ? [] : try query(AnswerQueries.dictionaryIDs(count: names.count), names.map(SQLValue.text)).compactMap { $0[0].int64 }
        }
        let summaries = readSummaries(CompareQueries.canServe(by: by, filter: filter))
        let rows = try query(CompareQueries.groups(by: by, filter: filter, serviceIDs: ids, subsetIDs: subsetIDs,
                                                   subsets: subsets, summaries: summaries))
        let codeRows = try query(CompareQueries.errorCodes(by: by, filter: filter, serviceIDs: ids, subsetIDs: subsetIDs, subsets: subsets,
                                                           summaries: summaries && SummaryQueries.wholeHours(filter)))
        try resolve((rows + codeRows).flatMap { [$0[1].int64, $0[2].int64, $0[3].int64].compactMap { $0 } })
        // Groups whose ids name the same values merge exactly: counts add up, histograms unite.
        var order: [[SQLValue]] = []
        var merged: [[SQLValue]: (requests: Int, errors: Int, durations: ValueHistogram.Builder, codes: [Int: Int])] = [:]
        for row in rows {
            let key = [row[0], name(row[1]), name(row[2]), name(row[3])]
            if merged[key] == nil {
                order.append(key)
                merged[key] = (0, 0, ValueHistogram.Builder(), [:])
            }
            merged[key]!.requests += Int(row[4].int64 ?? 0)
            merged[key]!.errors += Int(row[5].int64 ?? 0)
            if case .blob(let bytes) = row[6] {
                let ok = bytes.withUnsafeBytes { merged[key]!.durations.add(encoded: $0) }
                if !ok { throw Database.badHistogram("compare") }
            }
        }
        for row in codeRows {
            let key = [row[0], name(row[1]), name(row[2]), name(row[3])]
            guard merged[key] != nil, let status = row[4].int64 else { continue }
            merged[key]!.codes[Int(status), default: 0] += Int(row[5].int64 ?? 0)
        }
        return order.compactMap { key in
            guard let m = merged[key], m.requests > 0 else { return nil }
            return CompareGroup(source: key[0].string, service: key[1].string, subset: key[2].string, route: key[3].string,
                                requests: m.requests, errors: m.errors, durations: m.durations.histogram(), errorCodes: m.codes)
        }
    }

    public func run(sql: String, parameters: [String: SQLValue]) throws -> StatementResult {
        let shown = parameters.isEmpty ? sql
            : parameters.sorted { $0.key < $1.key }.map { "-- :\($0.key) = \($0.value)" }.joined(separator: "\n") + "\n" + sql
        log.append(("#\(log.count)", shown, 1))
        let statement = try db.prepare(sql)
        guard statement.isReadOnly else { throw AnswerError.notReadOnly(name: "the statement") }
        let wanted = Set(statement.parameterNames.map { String($0.dropFirst()) })
        try statement.bind(named: parameters.filter { wanted.contains($0.key) })
        var rows: [[SQLValue]] = []
        let n = statement.columnCount
        while try statement.step() {
            rows.append((0..<n).map { statement.value($0) })
        }
        return StatementResult(columns: statement.columnNames, rows: rows)
    }
}
