/// The summary tables: per-minute and per-hour counts and exact duration histograms, kept up to
/// date by the ingester in the same transactions as the rows, so the answers read thousands of
/// summary rows instead of millions of lines.
///
/// Both tables are append-only logs of deltas: a key (minute, reporter, destination, caller) may
/// have several rows (one per batch that saw it), and readers add them up (`sum`, `hist_merge`).
/// Appending costs the writer a plain insert where merging in place would cost a lookup and a
/// histogram merge per key.
///
/// - `summary_minute(minute, reporter, dest, caller, requests, errors, no_response, c1xx … c5xx,
///   unflagged, duration, upstream)`: `minute` is `start_us / 60000000` (-1 without a start
///   time); `reporter` the `dict` id of the pod (0 when unknown); `dest` the `destination` id;
///   `caller` the IPv4 address (as an integer) of an inbound line's peer, 0 otherwise;
///   `duration` and `upstream` exact ``ValueHistogram``s of `duration_ms` and `upstream_ms`.
/// - `summary_hour(hour, reporter, dest, caller, status, flags, requests)`: `status` -1 and
///   `flags` 0 when missing.
/// - `summary_hour_latency`: the columns of `summary_minute` per hour (`minute` is the hour's
///   first minute), for answers over whole hours: a day is 24 rows per key instead of 1,440.
/// - `pod_ip(ip, reporter)`: IPv4 addresses (integers) of the pods in the store, learned from
///   their inbound lines' `downstream_local` and outbound lines' `upstream_local`. An inbound
///   line whose caller is one of them was also logged by the caller.
public enum SummarySchema {
    /// The caller key of a line: the peer IPv4 of an inbound line (`downstream_remote >> 16`), else 0.
    static func callerKey(_ e: String, direction d: String) -> String {
        "CASE WHEN \(d).direction = 1 AND typeof(\(e).downstream_remote) = 'integer' THEN \(e).downstream_remote >> 16 ELSE 0 END"
    }

    /// The aggregates of `minuteColumns` after the key (requests … upstream) over lines `e`.
    static func latencyAggregates(_ e: String) -> String {
        """
        count(*), sum(\(e).status >= 500 OR \(e).status = 0), sum(\(e).status = 0), sum(\(e).status BETWEEN 100 AND 199), \
        sum(\(e).status BETWEEN 200 AND 299), sum(\(e).status BETWEEN 300 AND 399), sum(\(e).status BETWEEN 400 AND 499), \
        sum(\(e).status BETWEEN 500 AND 599), sum(\(e).flags IS NULL), hist(\(e).duration_ms), hist(\(e).upstream_ms)
        """
    }

    static let minuteColumns = "minute, reporter, dest, caller, requests, errors, no_response, c1xx, c2xx, c3xx, c4xx, c5xx, unflagged, duration, upstream"

    /// The ``TLSClass/code`` of inbound line `e` of `log_entry`, by the store's rule (``TLSClass``): Istio's SNI, or
    /// a verified `spiffe://` caller identity, is the mesh's mTLS; no SNI is plaintext; another SNI is other TLS.
    static func tlsCode(_ e: String) -> String {
        """
        CASE WHEN \(e).sni IS NOT NULL AND (SELECT value FROM dict WHERE id = \(e).sni) LIKE 'outbound\\_.%' ESCAPE '\\' THEN \(TLSClass.mesh.code) \
        WHEN \(e).extra IS NOT NULL AND \(StoreSchema.peerIdentity(e)) LIKE 'spiffe://%' THEN \(TLSClass.mesh.code) \
        WHEN \(e).sni IS NULL THEN \(TLSClass.plaintext.code) \
        ELSE \(TLSClass.otherSNI.code) END
        """
    }

    /// Fills `summary_tls` from the inbound lines of `log_entry` matching `condition`.
    static func fillTLS(_ db: Database, where condition: String) throws {
        try db.execute("""
            INSERT INTO summary_tls(minute, reporter, dest, caller, class, requests)
            SELECT coalesce(e.start_us / 60000000, -1), coalesce(e.reporter, 0), e.dest, \(callerKey("e", direction: "e")), \(tlsCode("e")), count(*)
            FROM log_entry e WHERE e.direction = 1 AND (\(condition))
            GROUP BY 1, 2, 3, 4, 5
            """)
    }

    /// 013: inbound lines per minute by how they arrived (`summary_tls(minute, reporter, dest, caller, class, requests)`,
    /// `class` a ``TLSClass/code``), filled from the stored lines: the report's plaintext edges without reading lines.
    static func migrateTLS(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE summary_tls(
              minute INTEGER NOT NULL, reporter INTEGER NOT NULL, dest INTEGER NOT NULL, caller INTEGER NOT NULL,
              class INTEGER NOT NULL, requests INTEGER NOT NULL
            );
            CREATE INDEX summary_tls_minute ON summary_tls(minute);
            """)
        try fillTLS(db, where: "1")
    }

    /// Recomputes the summaries of the lines that started in minutes `first...last` (and, with
    /// `withUntimed`, of the lines without a start time) from `log_row`.
    public static func rebuild(_ db: Database, firstMinute first: Int64, lastMinute last: Int64, withUntimed: Bool) throws {
        let firstHour = first >= 0 ? first / 60 : -1
        let lastHour = last >= 0 ? last / 60 : -1
        let range = "e.start_us BETWEEN \(first * 60_000_000) AND \(last * 60_000_000 + 59_999_999)"
        let minuteRange = "minute BETWEEN \(first) AND \(last)"
        // Hours are rebuilt whole, so widen the line range to the hours' bounds.
        let hourRange = "e.start_us BETWEEN \(firstHour * 3_600_000_000) AND \(lastHour * 3_600_000_000 + 3_599_999_999)"
        let untimed = withUntimed ? " OR e.start_us IS NULL" : ""
        // The latency rows, per hour and per minute, from the same aggregates.
        for (table, time, from, to, lines) in [
            ("summary_hour_latency", "(e.start_us / 3600000000) * 60", firstHour * 60, lastHour * 60, hourRange),
            ("summary_minute", "e.start_us / 60000000", first, last, range),
        ] {
            try db.execute("""
                DELETE FROM \(table) WHERE minute BETWEEN \(from) AND \(to)\(withUntimed ? " OR minute = -1" : "");
                INSERT INTO \(table)(\(minuteColumns), slowest_ms, slowest_req)
                SELECT coalesce(\(time), -1), coalesce(e.reporter, 0), e.dest, \(callerKey("e", direction: "d")),
                  \(latencyAggregates("e")), max(e.duration_ms), e.req
                FROM log_row e JOIN destination d ON d.id = e.dest
                WHERE \(lines)\(untimed)
                GROUP BY 1, 2, 3, 4;
                """)
        }
        try db.execute("""
            DELETE FROM summary_error WHERE \(minuteRange)\(withUntimed ? " OR minute = -1" : "");
            INSERT INTO summary_error(minute, reporter, dest, caller, status, flags, details, route, requests)
            SELECT coalesce(e.start_us / 60000000, -1), coalesce(e.reporter, 0), e.dest, \(callerKey("e", direction: "d")),
              coalesce(e.status, -1), coalesce(e.flags, 0), coalesce(e.details, 0), coalesce(e.route, 0), count(*)
            FROM log_row e JOIN destination d ON d.id = e.dest
            WHERE (\(range)\(untimed)) AND (e.status >= 500 OR e.status = 0 OR e.flags IS NOT NULL)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
            DELETE FROM summary_hour WHERE hour BETWEEN \(firstHour) AND \(lastHour)\(withUntimed ? " OR hour = -1" : "");
            INSERT INTO summary_hour(hour, reporter, dest, caller, status, flags, requests)
            SELECT coalesce(e.start_us / 3600000000, -1), coalesce(e.reporter, 0), e.dest, \(callerKey("e", direction: "d")),
              coalesce(e.status, -1), coalesce(e.flags, 0), count(*)
            FROM log_row e JOIN destination d ON d.id = e.dest
            WHERE \(hourRange)\(untimed)
            GROUP BY 1, 2, 3, 4, 5, 6;
            """)
        // Migrations before 013 rebuild the summaries before `summary_tls` exists.
        guard try !db.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summary_tls'").isEmpty else { return }
        try db.execute("DELETE FROM summary_tls WHERE \(minuteRange)\(withUntimed ? " OR minute = -1" : "")")
        try fillTLS(db, where: range + untimed)
    }

    /// The DDL of a latency summary table (`summary_minute` and `summary_hour_latency` share it).
    static func latencyTable(_ name: String) -> String {
        """
        CREATE TABLE \(name)(
          minute INTEGER NOT NULL, reporter INTEGER NOT NULL, dest INTEGER NOT NULL, caller INTEGER NOT NULL,
          requests INTEGER NOT NULL, errors INTEGER NOT NULL, no_response INTEGER NOT NULL,
          c1xx INTEGER NOT NULL, c2xx INTEGER NOT NULL, c3xx INTEGER NOT NULL, c4xx INTEGER NOT NULL, c5xx INTEGER NOT NULL,
          unflagged INTEGER NOT NULL, duration BLOB, upstream BLOB
        );
        """
    }

    /// 006: creates the summary tables and fills them from the rows already stored.
    static func migrate(_ db: Database) throws {
        try db.execute("""
            \(latencyTable("summary_minute"))
            CREATE INDEX summary_minute_minute ON summary_minute(minute);
            CREATE TABLE summary_hour(
              hour INTEGER NOT NULL,
              reporter INTEGER NOT NULL,
              dest INTEGER NOT NULL,
              caller INTEGER NOT NULL,
              status INTEGER NOT NULL,
              flags INTEGER NOT NULL,
              requests INTEGER NOT NULL
            );
            CREATE INDEX summary_hour_hour ON summary_hour(hour);
            CREATE TABLE pod_ip(
              ip INTEGER PRIMARY KEY,
              reporter INTEGER NOT NULL
            );
            INSERT OR IGNORE INTO pod_ip(ip, reporter)
            SELECT e.upstream_local >> 16, e.reporter FROM log_row e JOIN destination d ON d.id = e.dest
            WHERE d.direction = 2 AND typeof(e.upstream_local) = 'integer' AND e.reporter IS NOT NULL;
            """)
        for row in try db.rows("SELECT ip, reporter FROM pod_address") {
            if let text = row[0].string, let ip = ipv4(text), let reporter = row[1].int64 {
                try db.execute("INSERT OR REPLACE INTO pod_ip(ip, reporter) VALUES (?, ?)", [.integer(ip), .integer(reporter)])
            }
        }
        // Filled by 009, which adds the last summary columns.
    }

    /// 008: the hourly latency summaries (filled by 009).
    static func migrateHourlyLatency(_ db: Database) throws {
        try db.execute("""
            \(latencyTable("summary_hour_latency"))
            CREATE INDEX summary_hour_latency_minute ON summary_hour_latency(minute);
            """)
    }

    /// 009: the slowest request of each summary row, error signatures (`summary_error`), and every
    /// summary rebuilt from the stored lines.
    static func migrateReportSummaries(_ db: Database) throws {
        try db.execute("""
            ALTER TABLE summary_minute ADD COLUMN slowest_ms INTEGER;
            ALTER TABLE summary_minute ADD COLUMN slowest_req INTEGER;
            ALTER TABLE summary_hour_latency ADD COLUMN slowest_ms INTEGER;
            ALTER TABLE summary_hour_latency ADD COLUMN slowest_req INTEGER;
            CREATE TABLE summary_error(
              minute INTEGER NOT NULL,
              reporter INTEGER NOT NULL,
              dest INTEGER NOT NULL,
              caller INTEGER NOT NULL,
              status INTEGER NOT NULL,
              flags INTEGER NOT NULL,
              details INTEGER NOT NULL,
              route INTEGER NOT NULL,
              requests INTEGER NOT NULL
            );
            CREATE INDEX summary_error_minute ON summary_error(minute);
            DROP VIEW access_log;
            DELETE FROM summary_minute;
            DELETE FROM summary_hour_latency;
            DELETE FROM summary_hour;
            """)
        try db.execute(StoreSchema.accessLogView(withLoggedAt: true, withWorkloads: true, withPodIP: true))
        let span = try db.rows("SELECT min(start_us) / 60000000, max(start_us) / 60000000 FROM log_row").first
        if let first = span?[0].int64, let last = span?[1].int64 {
            try rebuild(db, firstMinute: first, lastMinute: last, withUntimed: true)
        } else {
            try rebuild(db, firstMinute: 0, lastMinute: -1, withUntimed: true)
        }
    }

    /// `a.b.c.d` as an integer, or nil.
    public static func ipv4(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var ip: Int64 = 0
        for p in parts {
            guard let v = Int64(p), v >= 0, v <= 255 else { return nil }
            ip = ip << 8 | v
        }
        return ip
    }
}
