/// ``AnswerReader`` over a ClickHouse store: each answer first copies what it reads into a
/// ``ClickHouseSnapshot`` (the summaries of the window merged down to the answer's grouping, the
/// lines of partial minutes, or the lines themselves), then runs ``SQLiteAnswerReader`` on the
/// copy, so both backends give the same answers.
public final class ClickHouseAnswerReader: AnswerReader {
    public let snapshot: ClickHouseSnapshot
    private let inner: SQLiteAnswerReader
    /// The window `run(sql:)` copies summaries for (the session's filter; set by ``AnswerSession``).
    public var window = AnswerFilter()
    private var spanCache: (first: Int64, last: Int64)??

    /// A reader of `store`; fails when the store does not exist or is outdated.
    public init(store: ClickHouseStore) throws {
        try store.checkSchema()
        snapshot = try ClickHouseSnapshot(store: store)
        inner = SQLiteAnswerReader(db: snapshot.db)
    }

    public var executedSQL: [String] {
        snapshot.statements.map { "-- on ClickHouse (\(snapshot.store.endpoint)):\n" + $0 }
            + inner.executedSQL.map { "-- on the copy, as on SQLite:\n" + $0 }
    }

    public var usedSummaries: Bool { inner.usedSummaries }

    public func span() throws -> (first: Int64, last: Int64)? {
        if let spanCache { return spanCache }
        try snapshot.loadBasics()
        let row = try snapshot.rows("""
            SELECT min(start_us), max(start_us), count() FROM \(snapshot.store.table("log_line"))
            WHERE isNotNull(start_us)\(snapshot.sourceCondition)
            """).first
        var value: (first: Int64, last: Int64)?
        if let row, ClickHouseSnapshot.int(row[2]) ?? 0 > 0, let first = ClickHouseSnapshot.int(row[0]),
           let last = ClickHouseSnapshot.int(row[1]) {
            value = (first, last)
        }
        spanCache = .some(value)
        return value
    }

    // MARK: - What each answer copies

    static let minute: Int64 = 60_000_000
    static let hour: Int64 = 3_600_000_000
    /// Granularity that merges every row of a range into one.
    static let whole: Int64 = 1 << 40

    /// The lines of the window, as a condition on `log_line`.
    static func windowCondition(_ filter: AnswerFilter) -> String {
        ClickHouseSnapshot.windowCondition(since: filter.sinceMicros, until: filter.untilMicros)
    }

    /// Copies the lines of the window (for answers the summaries cannot give).
    private func loadWindowLines(_ filter: AnswerFilter) throws {
        try snapshot.loadLines(where: Self.windowCondition(filter))
    }

    /// The whole minutes of the window, merged by `granularity` minutes (``SummaryQueries/minuteRows(_:bucketMicros:)``).
    private func minuteRange(_ filter: AnswerFilter, granularity: Int64?) -> ClickHouseSnapshot.SummaryRange {
        let whole = SummaryQueries.wholeMinutes(filter)
        let from = filter.sinceMicros.map { whole ? $0 / Self.minute : ($0 + Self.minute - 1) / Self.minute }
        let until = filter.untilMicros.map { $0 / Self.minute }
        return .init(from: from, until: until, untimed: filter.sinceMicros == nil, granularity: granularity)
    }

    /// Copies the latency summaries an answer over `filter` with buckets of `bucket` reads, merged
    /// by `granularity` minutes, and the lines of the window's partial first and last minute.
    private func loadLatency(_ filter: AnswerFilter, bucket: Int64 = 3_600_000_000, granularity: Int64?,
                             reduced: ClickHouseSnapshot.ReducedKeys? = nil) throws {
        let table = SummaryQueries.latencyTable(filter, bucketMicros: bucket)
        var range = minuteRange(filter, granularity: granularity)
        range.reduced = reduced
        try snapshot.loadLatency(table, range)
        // Injected faults are counted from the error signatures (``SummaryQueries/minuteRows(_:bucketMicros:)``).
        try snapshot.loadErrors(range)
        if !SummaryQueries.wholeMinutes(filter) {
            var partial: [String] = []
            let firstWhole = filter.sinceMicros.map { ($0 + Self.minute - 1) / Self.minute * Self.minute }
            let endWhole = filter.untilMicros.map { $0 / Self.minute * Self.minute }
            if let since = filter.sinceMicros, let firstWhole, since < firstWhole {
                partial.append("(start_us >= \(since) AND start_us < \(firstWhole))")
            }
            if let until = filter.untilMicros, let endWhole, until > endWhole {
                partial.append("(start_us >= \(endWhole) AND start_us < \(until))")
            }
            if !partial.isEmpty { try snapshot.loadLines(where: partial.joined(separator: " OR ")) }
        }
    }

    /// Copies `summary_hour` over the hours `filter` touches, merged by `granularity` hours.
    private func loadHours(_ filter: AnswerFilter, granularity: Int64?) throws {
        let from = filter.sinceMicros.map { $0 / Self.hour }
        let until = filter.untilMicros.map { ($0 + Self.hour - 1) / Self.hour }
        try snapshot.loadHours(.init(from: from, until: until, untimed: filter.sinceMicros == nil, granularity: granularity))
    }

    // MARK: - AnswerReader

    public func status(keys: [GroupKey], side: TrafficSide, filter: AnswerFilter) throws -> StatusResult {
        if filter.exact || !SummaryQueries.canServeStatus(keys: keys, filter: filter) {
            try loadWindowLines(filter)
        } else {
            let byHour = keys.contains(.code) || keys.contains(.flag) || (!keys.contains(.minute) && SummaryQueries.wholeHours(filter))
            if byHour {
                try loadHours(filter, granularity: keys.contains(.hour) ? 1 : Self.whole)
                if keys.contains(.flag) { try loadLatency(filter, bucket: Self.minute, granularity: Self.whole) }
            } else {
                let g: Int64 = keys.contains(.minute) ? 1 : keys.contains(.hour) ? 60 : Self.whole
                try loadLatency(filter, bucket: Self.minute, granularity: g)
            }
        }
        return try inner.status(keys: keys, side: side, filter: filter)
    }

    public func hopStats(filter: AnswerFilter) throws -> [HopStats] {
        if filter.exact || !SummaryQueries.canServe(filter: filter) {
            try loadWindowLines(filter)
        } else {
            try loadLatency(filter, granularity: Self.whole)
            try loadHours(filter, granularity: Self.whole)
        }
        return try inner.hopStats(filter: filter)
    }

    public func timeline(bucketMicros: Int64, side: TrafficSide, filter: AnswerFilter) throws -> [TimelineBucket] {
        if filter.exact || !SummaryQueries.canServe(filter: filter, bucketMicros: bucketMicros) {
            try loadWindowLines(filter)
        } else {
            // A timeline groups by time alone: the rows merge down to one per bucket, direction and caller kind.
            let reduced = ClickHouseSnapshot.ReducedKeys(keepService: filter.services != nil, knownCallers: try snapshot.podIPs())
            try loadLatency(filter, bucket: bucketMicros, granularity: bucketMicros / Self.minute, reduced: reduced)
        }
        return try inner.timeline(bucketMicros: bucketMicros, side: side, filter: filter)
    }

    public func slowRequests(limit: Int, filter: AnswerFilter) throws -> [SlowRequest] {
        guard limit > 0 else { return [] }
        try snapshot.loadBasics()
        // The requests with the longest lines in the filter, all their lines copied; more until no
        // request left behind can be slower than the slowest found (its longest line is shorter).
        var candidates = max(limit * 20, 200)
        var services = ""
        if let names = filter.services {
            services = " AND service IN (\(names.map(ClickHouseStore.literal).joined(separator: ", ")))"
        }
        while true {
            let window = Self.windowCondition(filter) + services
            let top = try snapshot.rows("""
                SELECT hex(req), req_kind, max(duration_ms) AS longest FROM \(snapshot.store.table("log_line"))
                WHERE req_kind <> 0 AND isNotNull(duration_ms) AND \(window)\(snapshot.sourceCondition)
                GROUP BY req, req_kind ORDER BY longest DESC, req LIMIT \(candidates)
                """)
            try snapshot.loadRequests(top.compactMap { r in r[0].flatMap { hex in r[1].map { (hex, $0) } } })
            let found = try inner.slowRequests(limit: limit, filter: filter)
            let threshold = ClickHouseSnapshot.int(top.last?[2] ?? nil) ?? 0
            if top.count < candidates { return found }
            if found.count >= limit, let slowest = found.last?.edge.durationMs, slowest > threshold { return found }
            candidates *= 4
        }
    }

    public func graphEdges(filter: AnswerFilter) throws -> [GraphEdgeRow] {
        if filter.exact || !SummaryQueries.canServe(filter: filter) {
            try loadWindowLines(filter)
        } else {
            try loadLatency(filter, granularity: Self.whole)
        }
        return try inner.graphEdges(filter: filter)
    }

    public func workloadServices(filter: AnswerFilter) throws -> [String: String] {
        if filter.exact || !SummaryQueries.canServe(filter: filter) {
            try loadWindowLines(filter)
        } else {
            var timeOnly = filter
            timeOnly.services = nil
            try loadLatency(timeOnly, granularity: Self.whole)
        }
        return try inner.workloadServices(filter: filter)
    }

    public func compareGroups(by: CompareGrouping, filter: AnswerFilter, subsets: [String]?) throws -> [CompareGroup] {
        if CompareQueries.canServe(by: by, filter: filter) {
            try loadLatency(filter, granularity: Self.whole)
            if SummaryQueries.wholeHours(filter) { try loadHours(filter, granularity: Self.whole) } else { try loadWindowLines(filter) }
        } else {
            try loadWindowLines(filter)
        }
        return try inner.compareGroups(by: by, filter: filter, subsets: subsets)
    }

    /// Runs a SQLite statement on the copy, after copying every summary of ``window`` at full
    /// detail, the rejected lines, and the lines of the slowest requests (the daily report's queries).
    public func run(sql: String, parameters: [String: SQLValue]) throws -> StatementResult {
        try snapshot.loadRejected()
        for table in ["summary_minute", "summary_hour_latency"] {
            let hourly = table == "summary_hour_latency"
            var filter = window
            if hourly {
                filter.sinceMicros = window.sinceMicros.map { $0 / Self.hour * Self.hour }
                filter.untilMicros = window.untilMicros.map { ($0 + Self.hour - 1) / Self.hour * Self.hour }
            }
            try snapshot.loadLatency(table, minuteRange(filter, granularity: nil))
        }
        try snapshot.loadErrors(minuteRange(window, granularity: nil))
        try snapshot.loadTLS(minuteRange(window, granularity: nil))
        try loadHours(window, granularity: nil)
        let slowest = try snapshot.db.rows("""
            SELECT DISTINCT r.rid FROM (SELECT slowest_req, slowest_ms FROM summary_minute UNION ALL
              SELECT slowest_req, slowest_ms FROM summary_hour_latency) s JOIN request r ON r.id = s.slowest_req
            ORDER BY s.slowest_ms DESC LIMIT 200
            """)
        let conditions = slowest.compactMap { row -> String? in
            switch row[0] {
            case .blob(let bytes): "(req = unhex('\(SpanKeys.hex(bytes))') AND req_kind = 3)"
            case .text(let text): "(req = \(ClickHouseStore.literal(text)) AND req_kind = 2)"
            default: nil
            }
        }
        if !conditions.isEmpty { try snapshot.loadLines(where: conditions.joined(separator: " OR "), key: "slowest") }
        // The lines Envoy delayed on purpose (few): the report measures the delay added on them.
        try snapshot.loadLines(where: Self.windowCondition(window) + " AND has(splitByChar(',', ifNull(flags, '')), 'DI')")
        return try inner.run(sql: sql, parameters: parameters)
    }

    /// Runs ClickHouse SQL read-only on the server (`meshlog sql`, the ClickHouse named queries);
    /// `--explain` shows `shown` (the text before parameters were written in) and the parameters.
    /// With `limit`, the server sends at most that many rows (`result_overflow_mode=break`); with `timeout`, it
    /// stops the statement after that many seconds.
    public func runOnServer(sql: String, shown: String? = nil, parameters: [String: SQLValue] = [:], limit: Int? = nil,
                            timeout: Double? = nil) throws -> StatementResult {
        let header = parameters.sorted { $0.key < $1.key }.map { "-- :\($0.key) = \($0.value)" }.joined(separator: "\n")
        snapshot.record((header.isEmpty ? "" : header + "\n") + (shown ?? sql))
        var settings = ["readonly": "1"]
        if let limit { settings["max_result_rows"] = String(limit); settings["result_overflow_mode"] = "break" }
        if let timeout { settings["max_execution_time"] = String(Int(timeout.rounded(.up))) }
        let client = ClickHouseClient(endpoint: snapshot.store.endpoint, settings: settings)
        let result = try client.table(sql)
        let rows = result.rows.map { row in
            zip(row, result.columns).map { cell, column -> SQLValue in
                guard let cell else { return .null }
                let type = column.type.replacingOccurrences(of: "Nullable(", with: "")
                if type.hasPrefix("Int") || type.hasPrefix("UInt") { return Int64(cell).map(SQLValue.integer) ?? .text(cell) }
                if type.hasPrefix("Float") || type.hasPrefix("Decimal") { return Double(cell).map(SQLValue.real) ?? .text(cell) }
                return .text(cell)
            }
        }
        return StatementResult(columns: result.columns.map(\.name), rows: rows)
    }
}
