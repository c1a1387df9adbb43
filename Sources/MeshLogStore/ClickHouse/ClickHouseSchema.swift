import MeshLogCore

/// The ClickHouse store's schema: every DDL statement of the ClickHouse backend, as named,
/// forward-only migrations, each statement safe to run twice.
///
/// Layout, for a cluster of N shards (`remote_servers`):
/// - on every shard, local `MergeTree` tables: `log_line_local` (one row per access-log line,
///   names as text, partitioned by day, ordered by hour and request id so that a day's answers
///   read whole hours and `trace` reads one granule of 1,024 lines per hour), `span_local` (ordered
///   by hour and trace id), and the per-minute and per-hour summaries kept by materialized views on
///   `log_line_local` (`AggregatingMergeTree` with exact `sumMap` histograms of durations, and
///   `SummingMergeTree` counts), so that `status`, `hops` and `timeline` over a day read
///   thousands of rows instead of billions;
/// - on every shard, a `Distributed` table over each local one, named `_all` for `_local`, sharded by
///   the request id (its first 8 bytes, random in a UUID), so a request's lines sit on one shard;
/// - on the first server (the store URL's), small tables: `source`, `rejected` and the pods
///   (`pod`, `pod_address`, `pod_ip`, `pod_fact`), and the public views `access_log` and `span`
///   (``ClickHouseViews``).
///
/// Summaries keep the source of their lines in their key, so that readers can leave out the
/// sources found to be copies of others (rows are never deleted).
///
/// NULL in a key column is stored as ``null`` (a string that no log holds), since 18.16 cannot
/// order by Nullable columns. Only SQL that both 18.16 and 24.x-26.x accept is used.
public enum ClickHouseSchema {
    /// The text that stands for NULL in key columns.
    public static let null = "\u{1}"

    /// One migration: statements for every shard, then for the first server.
    public struct Migration: Sendable {
        public var name: String
        /// Run on every shard; `{cluster}` is replaced by the cluster name.
        public var shards: [String]
        /// Run on the first server only.
        public var first: [String]
    }

    /// The expression of a line's start, as a DateTime (0 when it has none).
    static let startTime = "toDateTime(intDiv(ifNull(start_us, 0), 1000000))"

    /// The columns of `log_line_local` and their types, in insert order.
    public static let logLineColumns: [(name: String, type: String)] = [
        ("source_id", "Int64"), ("line", "Int64"), ("start_us", "Nullable(Int64)"), ("logged_us", "Nullable(Int64)"),
        ("reporter", "Nullable(String)"),
        ("cluster", "Nullable(String)"), ("direction", "Nullable(Int64)"), ("service", "Nullable(String)"),
        ("namespace", "Nullable(String)"), ("subset", "Nullable(String)"),
        ("method", "Nullable(String)"), ("protocol", "Nullable(String)"), ("authority", "Nullable(String)"),
        ("termination", "Nullable(String)"), ("transport_failure", "Nullable(String)"), ("sni", "Nullable(String)"),
        ("route_name", "Nullable(String)"), ("user_agent", "Nullable(String)"), ("xff", "Nullable(String)"),
        ("path", "Nullable(String)"), ("route", "Nullable(String)"), ("status", "Nullable(Int64)"),
        ("flags", "Nullable(String)"), ("details", "Nullable(String)"),
        ("bytes_received", "Nullable(Int64)"), ("bytes_sent", "Nullable(Int64)"),
        ("duration_ms", "Nullable(Int64)"), ("upstream_ms", "Nullable(Int64)"),
        // The request id as stored by SQLite: 16 UUID bytes (kind 3), text (2), or none (0).
        ("req", "String"), ("req_kind", "UInt8"),
        ("tid", "String"), ("tid_kind", "UInt8"),
        ("upstream_host", "Nullable(String)"),
        // Addresses: IPv4 packed as ip << 16 | port, else the text.
        ("upstream_local_int", "Nullable(Int64)"), ("upstream_local_text", "Nullable(String)"),
        ("downstream_local", "Nullable(String)"),
        ("downstream_remote_int", "Nullable(Int64)"), ("downstream_remote_text", "Nullable(String)"),
        ("extra", "Nullable(String)"),
    ]

    /// The columns of `span_local`, in insert order.
    public static let spanColumns: [(name: String, type: String)] = [
        ("source_id", "Int64"), ("line", "Int64"),
        ("trace", "String"), ("trace_kind", "UInt8"),
        ("span_int", "Nullable(Int64)"), ("span_text", "Nullable(String)"),
        ("parent_int", "Nullable(Int64)"), ("parent_text", "Nullable(String)"),
        ("service", "Nullable(String)"), ("name", "String"), ("kind", "Int64"), ("shared", "Int64"),
        ("start_us", "Nullable(Int64)"), ("duration_us", "Nullable(Int64)"), ("status", "Int64"),
        ("http_status", "Nullable(Int64)"), ("req", "String"), ("req_kind", "UInt8"), ("attributes", "Nullable(String)"),
    ]

    /// The columns of `source`, in insert order (`version` last: the row with the largest one is current).
    public static let sourceColumns: [(name: String, type: String)] = [
        ("id", "Int64"), ("path", "String"), ("size", "Nullable(Int64)"), ("fingerprint", "Nullable(Int64)"),
        ("content_hash", "Nullable(Int64)"), ("format", "Nullable(String)"), ("state", "String"), ("lines_read", "Int64"),
        ("records", "Int64"), ("rejected", "Int64"), ("skipped", "Int64"), ("error", "Nullable(String)"), ("version", "UInt64"),
    ]

    /// The current row of every source, as a subquery with the columns of `source` less `version`:
    /// `source` is a `ReplacingMergeTree(version)` that holds older versions until it merges, and
    /// `argMax` of a tuple keeps NULLs (of a single Nullable column it would skip them).
    public static let latestSources: String = {
        let columns = sourceColumns.map(\.name).filter { $0 != "id" && $0 != "version" }
        let fields = columns.enumerated().map { "tupleElement(latest, \($0.offset + 1)) AS \($0.element)" }
        return "SELECT id, \(fields.joined(separator: ", ")) FROM (SELECT id, argMax(tuple(\(columns.joined(separator: ", "))), version) AS latest FROM source GROUP BY id)"
    }()

    /// The sources whose rows (lines, spans, rejects) readers leave out, as a subquery of ids over
    /// `source`: one marked `duplicate` (same content as an older finished source), or one `done`
    /// while a smaller `done` id has the same content hash (two runs that read the same content at
    /// once, neither seeing the other finished). Rows are never deleted; this is the one rule.
    /// `source` is on the first server only: over a `Distributed` table use `GLOBAL NOT IN`, so the
    /// subquery runs there and its ids go to the shards, e.g.
    /// `SELECT count() FROM log_line WHERE source_id GLOBAL NOT IN (\(excludedSources))`.
    public static let excludedSources = """
        SELECT id FROM (\(latestSources)) WHERE state = 'duplicate' OR (state = 'done' AND isNotNull(content_hash) AND \
        (assumeNotNull(content_hash), id) NOT IN (SELECT assumeNotNull(content_hash), min(id) FROM (\(latestSources)) \
        WHERE state = 'done' AND isNotNull(content_hash) GROUP BY assumeNotNull(content_hash)))
        """

    static func columnList(_ columns: [(name: String, type: String)]) -> String {
        columns.map { "  \($0.name) \($0.type)" }.joined(separator: ",\n")
    }

    /// Key columns of the summaries: minute (or hour), reporter, the destination, the caller.
    static let destinationKey = "source_id Int64, minute Int64, reporter String, cluster String, direction Int64, service String, namespace String, subset String, caller Int64"

    /// A key expression over `log_line_local` with NULL as ``null``.
    static func key(_ column: String) -> String { "ifNull(\(column), '\(null)')" }

    /// The summary key of a line; `minute` is the expression of its time key.
    static func destinationSelect(minute: String) -> String {
        """
        source_id, \(minute) AS minute, \(key("reporter")) AS reporter, \(key("cluster")) AS cluster, ifNull(direction, -1) AS direction, \
        \(key("service")) AS service, \(key("namespace")) AS namespace, \(key("subset")) AS subset, \
        if(direction = 1 AND isNotNull(downstream_remote_int), bitShiftRight(assumeNotNull(downstream_remote_int), 16), 0) AS caller
        """
    }

    static let minuteOf = "if(isNull(start_us), -1, intDiv(assumeNotNull(start_us), 60000000))"
    static let hourOf = "if(isNull(start_us), -1, intDiv(assumeNotNull(start_us), 3600000000))"
    static let hourMinuteOf = "if(isNull(start_us), -1, intDiv(assumeNotNull(start_us), 3600000000) * 60)"

    /// The latency summary columns (`summary_minute`, `summary_hour_latency`).
    static let latencyColumns = """
        requests AggregateFunction(sum, UInt64), errors AggregateFunction(sum, UInt64),
        no_response AggregateFunction(sum, UInt64), c1xx AggregateFunction(sum, UInt64),
        c2xx AggregateFunction(sum, UInt64), c3xx AggregateFunction(sum, UInt64), c4xx AggregateFunction(sum, UInt64),
        c5xx AggregateFunction(sum, UInt64), unflagged AggregateFunction(sum, UInt64),
        duration AggregateFunction(sumMap, Array(Int64), Array(UInt64)),
        upstream AggregateFunction(sumMap, Array(Int64), Array(UInt64)),
        slowest_ms AggregateFunction(max, Int64),
        slowest_req AggregateFunction(argMax, String, Int64)
        """

    static func inRange(_ low: Int, _ high: Int) -> String {
        "toUInt64(ifNull(status >= \(low) AND status <= \(high), 0))"
    }

    /// The aggregates of a latency summary row over the lines.
    static let latencyStates = """
        sumState(toUInt64(1)) AS requests,
        sumState(toUInt64(ifNull(status >= 500 OR status = 0, 0))) AS errors,
        sumState(toUInt64(ifNull(status = 0, 0))) AS no_response,
        sumState(\(inRange(100, 199))) AS c1xx, sumState(\(inRange(200, 299))) AS c2xx,
        sumState(\(inRange(300, 399))) AS c3xx, sumState(\(inRange(400, 499))) AS c4xx,
        sumState(\(inRange(500, 599))) AS c5xx,
        sumState(toUInt64(isNull(flags))) AS unflagged,
        sumMapState(if(isNull(duration_ms), emptyArrayInt64(), [assumeNotNull(duration_ms)]), if(isNull(duration_ms), emptyArrayUInt64(), [toUInt64(1)])) AS duration,
        sumMapState(if(isNull(upstream_ms), emptyArrayInt64(), [assumeNotNull(upstream_ms)]), if(isNull(upstream_ms), emptyArrayUInt64(), [toUInt64(1)])) AS upstream,
        maxState(ifNull(duration_ms, -1)) AS slowest_ms,
        argMaxState(concat(toString(req_kind), req), ifNull(duration_ms, -1)) AS slowest_req
        """

    static let destinationOrder = "(minute, reporter, cluster, direction, service, namespace, subset, caller, source_id)"

    /// A latency summary table (`summary_minute`, `summary_hour_latency`) and the view that keeps it,
    /// its time key `minute` (the hour's first minute for the hourly one).
    static func latencySummary(_ table: String, minute: String) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(table)_local (\(destinationKey),
            \(latencyColumns)
            ) ENGINE = AggregatingMergeTree() PARTITION BY intDiv(minute, 1440) ORDER BY \(destinationOrder)
            """,
            """
            CREATE MATERIALIZED VIEW IF NOT EXISTS \(table)_mv TO \(table)_local AS
            SELECT \(destinationSelect(minute: minute)),
            \(latencyStates)
            FROM log_line_local GROUP BY source_id, minute, reporter, cluster, direction, service, namespace, subset, caller
            """,
        ]
    }

    /// How a table's rows are spread over the shards: a request's lines (and spans that carry its
    /// id) on one shard; summaries anywhere (readers add them up).
    static func shardingKey(_ table: String) -> String {
        switch table {
        case "log_line": "reinterpretAsUInt64(req)"
        case "span": "reinterpretAsUInt64(if(req_kind = 0, trace, req))"
        default: "rand()"
        }
    }

    /// The sharding key of a request id as stored (16 UUID bytes, or text): its first 8 bytes as a
    /// little-endian integer, zero-padded, as `reinterpretAsUInt64(req)` reads them. The writer
    /// sends a line to shard `key % shards` itself, where the Distributed table would put it.
    @inline(__always)
    public static func shardKey(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        for i in 0..<min(8, bytes.count) { key |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        return key
    }

    /// Inbound lines per minute by how they arrived (``TLSClass/code``, by the rule ``SummarySchema/tlsCode(_:)`` writes in SQLite's SQL).
    static let tlsSelect = """
        SELECT \(destinationSelect(minute: minuteOf)),
          toInt64(multiIf(startsWith(ifNull(sni, ''), 'outbound_.'), \(TLSClass.mesh.code),
            startsWith(ifNull(\(ClickHouseViews.peerIdentity), ''), 'spiffe://'), \(TLSClass.mesh.code),
            isNull(sni), \(TLSClass.plaintext.code), \(TLSClass.otherSNI.code))) AS class,
          count() AS requests
        FROM log_line_local WHERE direction = 1
        GROUP BY source_id, minute, reporter, cluster, direction, service, namespace, subset, caller, class
        """

    /// The migrations, in order.
    ///
    /// In a view's SELECT an alias hides the column it is named after, also in WHERE (18.16 and
    /// current versions alike), so conditions there are written to mean the same either way.
    public static let migrations: [Migration] = [
        Migration(
            name: "001-cluster-store",
            shards: [
                """
                CREATE TABLE IF NOT EXISTS log_line_local (
                \(columnList(logLineColumns))
                ) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(\(startTime))
                ORDER BY (toStartOfHour(\(startTime)), req, source_id, line) SETTINGS index_granularity = 1024
                """,
                """
                CREATE TABLE IF NOT EXISTS span_local (
                \(columnList(spanColumns))
                ) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(\(startTime))
                ORDER BY (toStartOfHour(\(startTime)), trace, source_id, line) SETTINGS index_granularity = 1024
                """,
            ] + latencySummary("summary_minute", minute: minuteOf) + latencySummary("summary_hour_latency", minute: hourMinuteOf) + [
                """
                CREATE TABLE IF NOT EXISTS summary_error_local (\(destinationKey),
                  status Int64, flags String, details String, route String, requests UInt64
                ) ENGINE = SummingMergeTree(requests) PARTITION BY intDiv(minute, 1440)
                ORDER BY (minute, reporter, cluster, direction, service, namespace, subset, caller, status, flags, details, route, source_id)
                """,
                // WHERE sees the SELECT's aliases: `status` is ifNull(status, -1), `flags` ifNull(flags, null).
                """
                CREATE MATERIALIZED VIEW IF NOT EXISTS summary_error_mv TO summary_error_local AS
                SELECT \(destinationSelect(minute: minuteOf)),
                  ifNull(status, -1) AS status, \(key("flags")) AS flags, \(key("details")) AS details, \(key("route")) AS route,
                  count() AS requests
                FROM log_line_local WHERE ifNull(status, -1) >= 500 OR ifNull(status, -1) = 0 OR ifNull(flags, '\(null)') != '\(null)'
                GROUP BY source_id, minute, reporter, cluster, direction, service, namespace, subset, caller, status, flags, details, route
                """,
                """
                CREATE TABLE IF NOT EXISTS summary_hour_local (\(destinationKey),
                  status Int64, flags String, requests UInt64
                ) ENGINE = SummingMergeTree(requests) PARTITION BY intDiv(minute, 24)
                ORDER BY (minute, reporter, cluster, direction, service, namespace, subset, caller, status, flags, source_id)
                """,
                """
                CREATE MATERIALIZED VIEW IF NOT EXISTS summary_hour_mv TO summary_hour_local AS
                SELECT \(destinationSelect(minute: hourOf)),
                  ifNull(status, -1) AS status, \(key("flags")) AS flags, count() AS requests
                FROM log_line_local
                GROUP BY source_id, minute, reporter, cluster, direction, service, namespace, subset, caller, status, flags
                """,
            ] + ["log_line", "span", "summary_minute", "summary_hour_latency", "summary_error", "summary_hour"].map { table in
                "CREATE TABLE IF NOT EXISTS \(table)_all AS \(table)_local ENGINE = Distributed({cluster}, currentDatabase(), \(table)_local, \(shardingKey(table)))"
            },
            first: [
                """
                CREATE TABLE IF NOT EXISTS source (
                \(columnList(sourceColumns))
                ) ENGINE = ReplacingMergeTree(version) ORDER BY id
                """,
                """
                CREATE TABLE IF NOT EXISTS rejected (
                  source_id Int64, line Int64, reason String, text String
                ) ENGINE = MergeTree() ORDER BY (source_id, line)
                """,
                "CREATE TABLE IF NOT EXISTS pod (reporter String, name String, workload String, namespace Nullable(String)) ENGINE = ReplacingMergeTree() ORDER BY reporter",
                "CREATE TABLE IF NOT EXISTS pod_address (ip String, reporter String) ENGINE = ReplacingMergeTree() ORDER BY ip",
                "CREATE TABLE IF NOT EXISTS pod_ip (ip Int64, reporter String) ENGINE = ReplacingMergeTree() ORDER BY ip",
                """
                CREATE TABLE IF NOT EXISTS pod_fact (
                  reporter String, namespace String, ip Nullable(String), workload String, app Nullable(String),
                  version Nullable(String), origin String
                ) ENGINE = ReplacingMergeTree() ORDER BY reporter
                """,
            ]
        ),
        Migration(
            name: "002-public-views",
            shards: [],
            first: [
                ClickHouseViews.accessLog(lines: "{log_line}"), ClickHouseViews.span(spans: "{span}"),
                "CREATE TABLE IF NOT EXISTS response_flag (flag String, long_name String, meaning String) ENGINE = ReplacingMergeTree() ORDER BY flag",
                "INSERT INTO response_flag (flag, long_name, meaning) VALUES "
                    + ResponseFlag.all.map { "(\(ClickHouseStore.literal($0.short)), \(ClickHouseStore.literal($0.long)), \(ClickHouseStore.literal($0.meaning)))" }
                    .joined(separator: ", "),
            ]
        ),
        Migration(
            name: "003-tls-summaries",
            shards: [
                """
                CREATE TABLE IF NOT EXISTS summary_tls_local (\(destinationKey), class Int64, requests UInt64
                ) ENGINE = SummingMergeTree(requests) PARTITION BY intDiv(minute, 1440)
                ORDER BY (minute, reporter, cluster, direction, service, namespace, subset, caller, class, source_id)
                """,
                "CREATE MATERIALIZED VIEW IF NOT EXISTS summary_tls_mv TO summary_tls_local AS \(tlsSelect)",
                // The lines stored before this migration (an empty store has none).
                "INSERT INTO summary_tls_local \(tlsSelect)",
                "CREATE TABLE IF NOT EXISTS summary_tls_all AS summary_tls_local ENGINE = Distributed({cluster}, currentDatabase(), summary_tls_local, rand())",
            ],
            first: []
        ),
        Migration(
            name: "004-peer-identity",
            shards: [],
            // `access_log` gains `peer_identity` (the caller's SPIFFE identity, read from `extra`), as SQLite's 014.
            first: ["DROP TABLE IF EXISTS access_log", ClickHouseViews.accessLog(lines: "{log_line}")]
        ),
    ]
}
