import Foundation

/// The part of a ClickHouse store an answer needs, copied into an in-memory SQLite store with
/// SQLite's schema, so that every answer is computed by the one implementation the SQLite store
/// uses (``SQLiteAnswerReader``, ``SQLiteTraceReader``, the critical path) and gives the same
/// rows, percentiles and verdicts.
///
/// ClickHouse does the part that scales: it filters billions of lines by window, request or trace
/// and merges the per-minute summaries (exact `sumMap` histograms) down to the granularity an
/// answer groups by; the copy holds thousands of rows. Names are interned afresh into the copy's
/// `dict`, destinations, variants and requests get local ids, and rows are copied in ingest order
/// (source, line), so ties break as they do in SQLite.
public final class ClickHouseSnapshot {
    public let store: ClickHouseStore
    /// The in-memory SQLite store answers run on.
    public let db: Database
    /// The ClickHouse statements run so far, for `--explain`.
    public private(set) var statements: [String] = []

    private var dict: [String: Int64] = [:]
    private var destinations: [[Int64?]: Int64] = [:]
    private var variants: [[Int64?]: Int64] = [:]
    private var requests: [[UInt8]: Int64] = [:]
    private var flagSets: Set<Int64> = []
    private var loadedLineKeys: Set<String> = []
    /// The requests whose lines ``loadRequests(_:)`` copied (`kind:HEX`).
    private var copiedRequests: Set<String> = []
    private var loadedTables: [String: String] = [:]
    private var excluded: [Int64] = []
    /// Each source's rank by id: a copied line's `log_row.id` is `(rank + 1) << 32 | line`, so
    /// line ids keep ingest order (SQLite breaks ties by them) whatever order lines are copied in.
    private var sourceRank: [Int64: Int64] = [:]
    /// The id each copied line has in the ClickHouse store's `access_log` view, by its id in the copy
    /// (also which lines the copy holds).
    public private(set) var viewIDs: [Int64: Int64] = [:]
    private var basicsLoaded = false
    private let insertDict: Statement
    private let insertDestination: Statement
    private let insertVariant: Statement
    private let insertRequest: Statement
    private let insertFlagSet: Statement
    private let insertLine: Statement

    /// Opens an empty copy over `store` (whose schema must be up to date).
    public init(store: ClickHouseStore) throws {
        self.store = store
        db = try SQLiteStore.openForWriting(path: ":memory:")
        insertDict = try db.prepare("INSERT INTO dict(id, value) VALUES (?, ?)")
        insertDestination = try db.prepare("INSERT INTO destination(id, cluster, direction, service, namespace, subset) VALUES (?, ?, ?, ?, ?, ?)")
        insertVariant = try db.prepare("""
            INSERT INTO variant(id, method, protocol, authority, termination, transport_failure, sni, route_name, user_agent, xff)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertRequest = try db.prepare("INSERT INTO request(id, rid) VALUES (?, ?)")
        insertFlagSet = try db.prepare("INSERT OR IGNORE INTO flag_set(flags, flag) VALUES (?, ?)")
        insertLine = try db.prepare("""
            INSERT INTO log_row(id, source_id, line, start_us, reporter, dest, variant, path, route, status, flags, details,
              bytes_received, bytes_sent, duration_ms, upstream_ms, req, tid, upstream_host, upstream_local,
              downstream_local, downstream_remote, extra, logged_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    // MARK: - Reading ClickHouse

    /// Records a statement run on ClickHouse elsewhere, for `--explain`.
    public func record(_ sql: String) { statements.append(sql) }

    /// Runs a ClickHouse query, recording it for `--explain`.
    public func rows(_ sql: String) throws -> [[String?]] {
        statements.append(sql)
        return try store.client.rows(sql)
    }

    /// `AND source_id NOT IN (…)` for the sources readers leave out, or nothing.
    public var sourceCondition: String {
        excluded.isEmpty ? "" : " AND source_id NOT IN (\(excluded.map(String.init).joined(separator: ", ")))"
    }

    /// Loads the small tables once: sources, rejects' counts, pods and their addresses.
    public func loadBasics() throws {
        guard !basicsLoaded else { return }
        basicsLoaded = true
        // One round trip for the five small tables: each row tagged with its table, cells as text.
        func cells(_ expressions: [String]) -> String {
            (expressions + Array(repeating: "NULL", count: 12 - expressions.count))
                .map { "toNullable(toString(\($0)))" }.joined(separator: ", ")
        }
        let sourceColumns = ["id", "path", "size", "fingerprint", "content_hash", "format", "state", "lines_read", "records",
                             "rejected", "skipped", "error"]
        let all = try rows("""
            SELECT 's', \(cells(sourceColumns)) FROM (\(ClickHouseSchema.latestSources))
            UNION ALL SELECT 'p', \(cells(["reporter", "any(name)", "any(workload)", "any(namespace)"])) FROM pod GROUP BY reporter
            UNION ALL SELECT 'a', \(cells(["ip", "any(reporter)"])) FROM pod_address GROUP BY ip
            UNION ALL SELECT 'i', \(cells(["ip", "any(reporter)"])) FROM pod_ip GROUP BY ip
            UNION ALL SELECT 'f', \(cells(["reporter", "any(namespace)", "any(ip)", "any(workload)", "any(app)", "any(version)", "any(origin)"]))
              FROM pod_fact GROUP BY reporter
            """)
        func table(_ tag: String) -> [[String?]] {
            all.filter { $0.first == tag }.map { Array($0.dropFirst()) }.sorted { ($0[0] ?? "") < ($1[0] ?? "") }
        }
        let insertSource = try db.prepare("""
            INSERT INTO source(id, path, size, fingerprint, content_hash, format, state, lines_read, records, rejected, skipped, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var firstDone: [Int64: Int64] = [:]
        for r in table("s").sorted(by: { (Self.int($0[0]) ?? 0) < (Self.int($1[0]) ?? 0) }) {
            guard let id = Self.int(r[0]) else { continue }
            sourceRank[id] = Int64(sourceRank.count)
            let state = r[6] ?? "partial"
            if state == "duplicate" { excluded.append(id) }
            if state == "done", let hash = Self.int(r[4]) {
                if firstDone[hash] != nil { excluded.append(id) } else { firstDone[hash] = id }
            }
            try insertSource.execute([.integer(id), .text(r[1] ?? ""), Self.value(int: r[2]), Self.value(int: r[3]), Self.value(int: r[4]),
                                      Self.value(text: r[5]), .text(state), Self.value(int: r[7]), Self.value(int: r[8]),
                                      Self.value(int: r[9]), Self.value(int: r[10]), Self.value(text: r[11])])
        }
        for r in table("p") {
            try db.execute("INSERT OR REPLACE INTO pod(reporter, name, workload, namespace) VALUES (?, ?, ?, ?)",
                           [try dictValue(r[0]), .text(r[1] ?? ""), .text(r[2] ?? ""), Self.value(text: r[3])])
        }
        for r in table("a") {
            try db.execute("INSERT OR REPLACE INTO pod_address(ip, reporter) VALUES (?, ?)", [.text(r[0] ?? ""), try dictValue(r[1])])
        }
        for r in table("i") {
            try db.execute("INSERT OR REPLACE INTO pod_ip(ip, reporter) VALUES (?, ?)", [Self.value(int: r[0]), try dictValue(r[1])])
        }
        for r in table("f") {
            try db.execute("""
                INSERT OR REPLACE INTO pod_fact(reporter, namespace, ip, workload, app, version, origin) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [try dictValue(r[0]), .text(r[1] ?? ""), Self.value(text: r[2]), .text(r[3] ?? ""), Self.value(text: r[4]),
                      Self.value(text: r[5]), .text(r[6] ?? "")])
        }
    }

    /// Loads the rejected lines (the report lists the files with most).
    public func loadRejected() throws {
        guard loadedTables["rejected"] == nil else { return }
        loadedTables["rejected"] = ""
        try loadBasics()
        let insert = try db.prepare("INSERT INTO rejected(source_id, line, reason, text) VALUES (?, ?, ?, ?)")
        for r in try rows("SELECT source_id, line, reason, text FROM rejected WHERE 1\(sourceCondition) ORDER BY source_id, line") {
            try insert.execute([Self.value(int: r[0]), Self.value(int: r[1]), .text(r[2] ?? ""), .text(r[3] ?? "")])
        }
    }

    // MARK: - Lines

    /// The columns read from `log_line`, in the order ``loadLines(where:key:)`` expects.
    static let lineSelect = """
        source_id, line, start_us, logged_us, reporter, cluster, direction, service, namespace, subset, method, protocol,
        authority, termination, transport_failure, sni, route_name, user_agent, xff, path, route, status, flags, details,
        bytes_received, bytes_sent, duration_ms, upstream_ms, hex(req), req_kind, hex(tid), tid_kind, upstream_host,
        upstream_local_int, upstream_local_text, downstream_local, downstream_remote_int, downstream_remote_text, extra,
        toInt64(cityHash64(source_id, line))
        """

    /// Copies the lines matching `condition` (SQL on `log_line`) unless lines under `key` were copied
    /// before; returns how many were copied. Lines copied twice under different keys are skipped.
    @discardableResult
    public func loadLines(where condition: String, key: String? = nil, prewhere: String? = nil, shard: Int? = nil) throws -> Int {
        try loadBasics()
        let key = key ?? ((prewhere.map { $0 + " AND " } ?? "") + condition)
        guard !loadedLineKeys.contains(key) else { return 0 }
        loadedLineKeys.insert(key)
        let sql = """
            SELECT \(Self.lineSelect) FROM \(shard == nil ? store.table("log_line") : "log_line_local")\(prewhere.map { " PREWHERE " + $0 } ?? "")
            WHERE (\(condition))\(sourceCondition) ORDER BY source_id, line
            """
        let found: [[String?]]
        if let shard {
            statements.append("-- on shard \(shard + 1) of \(store.shards.count), which holds the request's lines:\n" + sql)
            found = try shardClient(shard).rows(sql)
        } else {
            found = try rows(sql)
        }
        var copied = 0
        try db.inTransaction(.immediate) {
            for r in found {
                let sourceID = Self.int(r[0]) ?? 0, line = Self.int(r[1]) ?? 0
                let rank = sourceRank[sourceID] ?? Int64(sourceRank.count)
                let localID = (rank + 1) << 32 | (line & 0xFFFF_FFFF)
                // A line copied before (by another window or request) is there already.
                guard viewIDs.updateValue(Self.int(r[39]) ?? localID, forKey: localID) == nil else { continue }
                let s = insertLine
                s.reset()
                let dest = try destinationID(r[5], r[6], r[7], r[8], r[9])
                let variant = try variantID(Array(r[10...18]))
                let flags: SQLValue = r[22] == nil ? .null : try flagsID(r[22])
                let values: [SQLValue] = [
                    .integer(localID), .integer(sourceID), .integer(line), Self.value(int: r[2]), try dictValue(r[4]), .integer(dest), .integer(variant),
                    Self.value(text: r[19]), try dictValue(r[20]), Self.value(int: r[21]), flags, try dictValue(r[23]),
                    Self.value(int: r[24]), Self.value(int: r[25]), Self.value(int: r[26]), Self.value(int: r[27]),
                    try requestValue(hex: r[28], kind: r[29]), Self.raw(hex: r[30], kind: r[31]), try dictValue(r[32]),
                    r[33] != nil ? Self.value(int: r[33]) : Self.value(text: r[34]), try dictValue(r[35]),
                    r[36] != nil ? Self.value(int: r[36]) : Self.value(text: r[37]), Self.value(text: r[38]), Self.value(int: r[3]),
                ]
                try s.bind(values)
                try s.execute()
                copied += 1
            }
        }
        return copied
    }

    /// Copies every line of the requests given as (hex of the stored id, kind), 500 to a query; requests copied by
    /// an earlier call are not asked again.
    public func loadRequests(_ ids: [(hex: String, kind: String)]) throws {
        let ids = ids.filter { copiedRequests.insert($0.kind + ":" + $0.hex.uppercased()).inserted }
        try forEachChunk(ids) { part in
            try loadLines(where: part.map { "(req = unhex('\($0.hex)') AND req_kind = \($0.kind))" }.joined(separator: " OR "))
        }
    }

    /// Copies every span of the traces given as (hex of the stored id, kind), 500 to a query.
    public func loadTraces(_ ids: [(hex: String, kind: String)]) throws {
        try forEachChunk(ids) { part in
            try loadSpans(where: part.map { "(trace = unhex('\($0.hex)') AND trace_kind = \($0.kind))" }.joined(separator: " OR "))
        }
    }

    /// The lines that started in `[since, until)` (either bound may be missing), as a condition on `log_line`.
    public static func windowCondition(since: Int64?, until: Int64?) -> String {
        var parts = ["1"]
        if let since { parts.append("start_us >= \(since)") }
        if let until { parts.append("start_us < \(until)") }
        return parts.joined(separator: " AND ")
    }

    private var shardClients: [Int: ClickHouseClient] = [:]

    /// A connection to shard `index` (0-based, in `system.clusters` order).
    private func shardClient(_ index: Int) throws -> ClickHouseClient {
        if let client = shardClients[index] { return client }
        let shards = store.shards.isEmpty ? try store.discoverShards() : store.shards
        let client = shards[index] == store.endpoint ? store.client : ClickHouseClient(endpoint: shards[index])
        shardClients[index] = client
        return client
    }

    /// The shard that holds request `request`'s lines (as the writer and the Distributed table place them).
    public func shard(ofRequest request: String) throws -> Int {
        let shards = store.shards.isEmpty ? try store.discoverShards() : store.shards
        let bytes: [UInt8] = switch SpanKeys.request(request) {
        case .blob(let b): b
        default: Array(request.utf8)
        }
        let key = bytes.withUnsafeBufferPointer { ClickHouseSchema.shardKey($0) }
        return Int(key % UInt64(max(1, shards.count)))
    }

    /// The PREWHERE condition for request id `request` as stored (the column the lines are ordered by).
    public static func requestPrewhere(_ request: String) -> String {
        switch SpanKeys.request(request) {
        case .blob(let bytes): "req = unhex('\(SpanKeys.hex(bytes))')"
        default: "req = \(ClickHouseStore.literal(request))"
        }
    }

    /// The SQL condition on `log_line` for request id `request` as stored (16 UUID bytes, or text).
    public static func requestCondition(_ request: String) -> String {
        let kind = if case .blob = SpanKeys.request(request) { 3 } else { 2 }
        return "\(requestPrewhere(request)) AND req_kind = \(kind)"
    }

    /// The SQL condition for trace id `trace` as stored (16 bytes, or text).
    public static func traceCondition(_ trace: String, column: String, kind: String) -> String {
        switch SpanKeys.trace(trace) {
        case .blob(let bytes): "\(column) = unhex('\(SpanKeys.hex(bytes))') AND \(kind) = 3"
        case .text(let text): "\(column) = \(ClickHouseStore.literal(text)) AND \(kind) = 2"
        default: "0"
        }
    }

    // MARK: - Spans

    /// Copies the spans matching `condition` (SQL on `span`), once per condition.
    @discardableResult
    public func loadSpans(where condition: String) throws -> Int {
        try loadBasics()
        let key = "span:" + condition
        guard !loadedLineKeys.contains(key) else { return 0 }
        loadedLineKeys.insert(key)
        let found = try rows("""
            SELECT source_id, line, hex(trace), trace_kind, span_int, span_text, parent_int, parent_text, service, name, kind, shared,
              start_us, duration_us, status, http_status, hex(req), req_kind, attributes
            FROM \(store.table("span")) WHERE (\(condition))\(sourceCondition) ORDER BY source_id, line
            """)
        var names: [String: Int64] = [:]
        for r in try db.rows("SELECT id, value FROM span_dict") { if let v = r[1].string, let id = r[0].int64 { names[v] = id } }
        func name(_ text: String?) throws -> SQLValue {
            guard let text else { return .null }
            if let id = names[text] { return .integer(id) }
            try db.execute("INSERT INTO span_dict(value) VALUES (?)", [.text(text)])
            names[text] = db.lastInsertRowID
            return .integer(db.lastInsertRowID)
        }
        let exists = try db.prepare("SELECT 1 FROM span_entry WHERE source_id = ? AND line = ?")
        let insert = try db.prepare("""
            INSERT INTO span_entry(source_id, line, trace_id, span_id, parent_id, service, name, kind, shared, start_us, duration_us,
              status, http_status, req, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var copied = 0
        try db.inTransaction(.immediate) {
            for r in found {
                let sourceID = Self.int(r[0]) ?? 0, line = Self.int(r[1]) ?? 0
                exists.reset()
                try exists.bind([.integer(sourceID), .integer(line)])
                if try exists.step() { continue }
                exists.reset()
                insert.reset()
                try insert.execute([
                    .integer(sourceID), .integer(line), Self.raw(hex: r[2], kind: r[3]),
                    r[4] != nil ? Self.value(int: r[4]) : Self.value(text: r[5]),
                    r[6] != nil ? Self.value(int: r[6]) : Self.value(text: r[7]),
                    try name(r[8]), try name(r[9]), Self.value(int: r[10]), Self.value(int: r[11]), Self.value(int: r[12]),
                    Self.value(int: r[13]), Self.value(int: r[14]), Self.value(int: r[15]), Self.raw(hex: r[16], kind: r[17]),
                    Self.value(text: r[18]),
                ])
                copied += 1
            }
        }
        return copied
    }

    // MARK: - Summaries

    /// Which rows of a summary table to copy, and how finely to keep their time.
    public struct SummaryRange: Equatable, Sendable {
        /// First and last-plus-one time unit (minute, or hour for `summary_hour`); nil: unbounded.
        public var from: Int64?
        public var until: Int64?
        /// Rows without a start time (unit -1) too.
        public var untimed: Bool
        /// Rows are merged into groups of this many units (kept inside the range, aligned to
        /// multiples of it); nil keeps every unit.
        public var granularity: Int64?

        /// Key columns merged away (nil keeps them all), for answers that group by time alone.
        public var reduced: ReducedKeys?

        public init(from: Int64?, until: Int64?, untimed: Bool, granularity: Int64?, reduced: ReducedKeys? = nil) {
            self.from = from
            self.until = until
            self.untimed = untimed
            self.granularity = granularity
            self.reduced = reduced
        }

        var conditions: String {
            var timed: [String] = ["minute >= 0"]
            if let from { timed.append("minute >= \(from)") }
            if let until { timed.append("minute < \(until)") }
            let t = "(" + timed.joined(separator: " AND ") + ")"
            return untimed ? "(\(t) OR minute < 0)" : t
        }

        /// The time of a merged row: its group's start, moved inside the range.
        var unit: String {
            guard let g = granularity else { return "minute" }
            let low = from ?? 0
            return "if(minute < 0, -1, greatest(intDiv(minute, \(g)) * \(g), \(low)))"
        }
    }

    /// What an answer that groups by time alone (`timeline`) keeps of a summary row's key: the
    /// direction, the service when it filters by service, and whether the caller is a pod of the
    /// store (its IP one of `knownCallers`, kept as the first of them, else 0). The reporter and the
    /// rest of the destination merge away: a day is one row per bucket, direction and service.
    public struct ReducedKeys: Equatable, Sendable {
        public var keepService: Bool
        public var knownCallers: [Int64]

        public init(keepService: Bool, knownCallers: [Int64]) {
            self.keepService = keepService
            self.knownCallers = knownCallers
        }
    }

    /// The pods' IPv4 addresses (`pod_ip`), for ``ReducedKeys``.
    public func podIPs() throws -> [Int64] {
        try loadBasics()
        return try db.rows("SELECT ip FROM pod_ip ORDER BY ip").compactMap { $0[0].int64 }
    }

    /// The key columns of a summary row as `range` keeps them.
    static func keyColumns(_ range: SummaryRange) -> String {
        guard let reduced = range.reduced else { return destinationKeyColumns }
        let null = "'\(ClickHouseSchema.null)'"
        let known = reduced.knownCallers
        let caller = known.isEmpty ? "toInt64(0)" : "if(has([\(known.map(String.init).joined(separator: ", "))], caller), toInt64(\(known[0])), toInt64(0))"
        return "\(null) AS r_reporter, \(null) AS r_cluster, direction AS r_direction, \(reduced.keepService ? "service" : null) AS r_service, "
            + "\(null) AS r_namespace, \(null) AS r_subset, \(caller) AS r_caller"
    }

    /// The GROUP BY list matching ``keyColumns(_:)``.
    static func keyGroup(_ range: SummaryRange) -> String {
        range.reduced == nil ? destinationKeyColumns
            : "r_reporter, r_cluster, r_direction, r_service, r_namespace, r_subset, r_caller"
    }

    /// Copies `summary_minute` or `summary_hour_latency` rows over `range` (replacing what that table held).
    public func loadLatency(_ table: String, _ range: SummaryRange) throws {
        try replaceSummary(table, range, keys: Self.keyColumns(range), group: Self.keyGroup(range), values: """
            sumMerge(requests), sumMerge(errors), sumMerge(no_response), sumMerge(c1xx), sumMerge(c2xx), sumMerge(c3xx),
              sumMerge(c4xx), sumMerge(c5xx), sumMerge(unflagged), sumMapMerge(duration), sumMapMerge(upstream),
              maxMerge(slowest_ms), hex(argMaxMerge(slowest_req))
            """, columns: "minute, reporter, dest, caller, requests, errors, no_response, c1xx, c2xx, c3xx, c4xx, c5xx, unflagged, "
                + "duration, upstream, slowest_ms, slowest_req") { r in
            var values = (8...16).map { Self.value(int: r[$0]) } + [Self.histogram(r[17]), Self.histogram(r[18])]
            let slowest = Self.int(r[19]) ?? -1
            if slowest >= 0, let encoded = r[20], let bytes = Self.bytes(hex: encoded), let kind = bytes.first {
                values.append(.integer(slowest))
                values.append(try requestValue(raw: Array(bytes.dropFirst()), kind: kind == UInt8(ascii: "3") ? 3 : 2))
            } else {
                values += [.null, .null]
            }
            return values
        }
    }

    /// Copies `summary_hour` rows (`range` in hours).
    public func loadHours(_ range: SummaryRange) throws {
        try replaceSummary("summary_hour", range, group: Self.destinationKeyColumns + ", status, flags", values: "status, flags, sum(requests)",
                           columns: "hour, reporter, dest, caller, status, flags, requests") { r in
            [Self.value(int: r[8]), try flagsID(r[9]), Self.value(int: r[10])]
        }
    }

    /// Copies `summary_error` rows (`range` in minutes, merged by its granularity and keys as the latency rows are).
    public func loadErrors(_ range: SummaryRange) throws {
        try replaceSummary("summary_error", range, keys: Self.keyColumns(range), group: Self.keyGroup(range) + ", status, flags, details, route",
                           values: "status, flags, details, route, sum(requests)",
                           columns: "minute, reporter, dest, caller, status, flags, details, route, requests") { r in
            [Self.value(int: r[8]), try flagsID(r[9]), try keyID(r[10]), try keyID(r[11]), Self.value(int: r[12])]
        }
    }

    /// Copies `summary_tls` rows (`range` in minutes).
    public func loadTLS(_ range: SummaryRange) throws {
        try replaceSummary("summary_tls", range, group: Self.destinationKeyColumns + ", class", values: "class, sum(requests)",
                           columns: "minute, reporter, dest, caller, class, requests") { r in
            [Self.value(int: r[8]), Self.value(int: r[9])]
        }
    }

    static let destinationKeyColumns = "reporter, cluster, direction, service, namespace, subset, caller"

    /// Replaces the copy's `table` with the ClickHouse summary rows of `range`, merged by their
    /// time unit (`range.unit`) and `group` (the key columns `keys` select, and any after them),
    /// unless it holds them already. Each result row starts with the unit and the seven key columns; `rest` turns
    /// the columns after them (from index 8) into the values after `time, reporter, dest, caller`.
    private func replaceSummary(_ table: String, _ range: SummaryRange, keys: String = destinationKeyColumns,
                                group: String, values: String, columns: String,
                                rest: ([String?]) throws -> [SQLValue]) throws {
        let key = "\(range)"
        guard loadedTables[table] != key else { return }
        try loadBasics()
        try db.execute("DELETE FROM \(table)")
        loadedTables[table] = key
        let found = try rows("""
            SELECT \(range.unit) AS m, \(keys), \(values)
            FROM \(store.table(table)) WHERE \(range.conditions)\(sourceCondition)
            GROUP BY m, \(group)
            ORDER BY m, \(group)
            """)
        let count = columns.split(separator: ",").count
        let insert = try db.prepare("INSERT INTO \(table)(\(columns)) VALUES (\(Array(repeating: "?", count: count).joined(separator: ", ")))")
        try db.inTransaction(.immediate) {
            for r in found {
                insert.reset()
                try insert.execute([Self.value(int: r[0]), try keyID(r[1]), .integer(try destinationID(key: r[2], r[3], r[4], r[5], r[6])),
                                    Self.value(int: r[7])] + rest(r))
            }
        }
    }

    // MARK: - Local ids

    private func dictID(_ text: String) throws -> Int64 {
        if let id = dict[text] { return id }
        let id = Int64(dict.count + 1)
        insertDict.reset()
        try insertDict.execute([.integer(id), .text(text)])
        dict[text] = id
        return id
    }

    private func dictValue(_ text: String?) throws -> SQLValue {
        guard let text else { return .null }
        return .integer(try dictID(text))
    }

    /// A summary key column: the NULL sentinel is 0, as SQLite's summaries store it.
    private func keyID(_ text: String?) throws -> SQLValue {
        guard let text, text != ClickHouseSchema.null else { return .integer(0) }
        return .integer(try dictID(text))
    }

    /// A flags key: 0 for none, else the flags' id with its `flag_set` rows.
    private func flagsID(_ text: String?) throws -> SQLValue {
        guard let text, text != ClickHouseSchema.null else { return .integer(0) }
        let id = try dictID(text)
        if !flagSets.contains(id) {
            flagSets.insert(id)
            for flag in text.split(separator: ",") {
                insertFlagSet.reset()
                try insertFlagSet.execute([.integer(id), .text(String(flag))])
            }
        }
        return .integer(id)
    }

    private func destinationID(_ cluster: String?, _ direction: String?, _ service: String?, _ namespace: String?,
                               _ subset: String?) throws -> Int64 {
        let ids: [Int64?] = [try cluster.map(dictID), Self.int(direction), try service.map(dictID), try namespace.map(dictID),
                             try subset.map(dictID)]
        if let id = destinations[ids] { return id }
        let id = Int64(destinations.count + 1)
        insertDestination.reset()
        try insertDestination.execute([.integer(id)] + ids.map { SQLValue($0) })
        destinations[ids] = id
        return id
    }

    /// A destination from summary key columns (NULL sentinel, direction -1 for none).
    private func destinationID(key cluster: String?, _ direction: String?, _ service: String?, _ namespace: String?,
                               _ subset: String?) throws -> Int64 {
        func unkey(_ s: String?) -> String? { s == ClickHouseSchema.null ? nil : s }
        let d = Self.int(direction).flatMap { $0 < 0 ? nil : String($0) }
        return try destinationID(unkey(cluster), d, unkey(service), unkey(namespace), unkey(subset))
    }

    private func variantID(_ values: [String?]) throws -> Int64 {
        let ids: [Int64?] = try values.map { try $0.map(dictID) }
        if let id = variants[ids] { return id }
        let id = Int64(variants.count + 1)
        insertVariant.reset()
        try insertVariant.execute([.integer(id)] + ids.map { SQLValue($0) })
        variants[ids] = id
        return id
    }

    private func requestValue(hex: String?, kind: String?) throws -> SQLValue {
        guard let kindValue = Self.int(kind), kindValue != 0, let hex, let bytes = Self.bytes(hex: hex) else { return .null }
        return try requestValue(raw: bytes, kind: UInt8(kindValue))
    }

    private func requestValue(raw: [UInt8], kind: UInt8) throws -> SQLValue {
        let key = [kind] + raw
        if let id = requests[key] { return .integer(id) }
        let id = Int64(requests.count + 1)
        insertRequest.reset()
        try insertRequest.execute([.integer(id), kind == 3 ? .blob(raw) : .text(String(decoding: raw, as: UTF8.self))])
        requests[key] = id
        return .integer(id)
    }

    // MARK: - Cells

    static func int(_ text: String?) -> Int64? { text.flatMap { Int64($0) } }
    static func value(int text: String?) -> SQLValue { SQLValue(int(text)) }
    static func value(text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }

    /// A `req`/`tid` cell as SQLite stores it: a blob (kind 3), text (2), else NULL.
    static func raw(hex: String?, kind: String?) -> SQLValue {
        guard let k = int(kind), k != 0, let hex, let bytes = bytes(hex: hex) else { return .null }
        return k == 3 ? .blob(bytes) : .text(String(decoding: bytes, as: UTF8.self))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard SpanKeys.isHex(digits[i]), SpanKeys.isHex(digits[i + 1]) else { return nil }
            out.append(SpanKeys.nibble(digits[i]) << 4 | SpanKeys.nibble(digits[i + 1]))
            i += 2
        }
        return out
    }

    /// A `sumMap` result `([values],[counts])` as an encoded ``ValueHistogram`` (NULL when empty).
    static func histogram(_ text: String?) -> SQLValue {
        guard let text else { return .null }
        let numbers = text.split(whereSeparator: { !($0.isNumber || $0 == "-") }).compactMap { Int64($0) }
        guard numbers.count >= 2, numbers.count % 2 == 0 else { return .null }
        let half = numbers.count / 2
        var builder = ValueHistogram.Builder()
        for i in 0..<half where numbers[half + i] > 0 { builder.add(numbers[i], count: numbers[half + i]) }
        let h = builder.histogram()
        return h.total == 0 ? .null : .blob(h.encoded())
    }
}
