import MeshLogCore

/// The store's schema: named, forward-only migrations. All DDL lives here.
public enum StoreSchema {
    /// SQL that renders an address stored as `ip << 16 | port` (IPv4) back as `a.b.c.d:port`.
    static func address(_ column: String) -> String {
        """
        CASE typeof(\(column)) WHEN 'integer' THEN ((\(column) >> 40) & 255) || '.' || ((\(column) >> 32) & 255) || '.' || ((\(column) >> 24) & 255) || '.' || ((\(column) >> 16) & 255) || ':' || (\(column) & 65535) ELSE \(column) END
        """
    }

    /// SQL that renders a request id stored as a 16-byte UUID blob back as text.
    static func uuid(_ column: String) -> String {
        """
        CASE typeof(\(column)) WHEN 'blob' THEN lower(substr(hex(\(column)),1,8) || '-' || substr(hex(\(column)),9,4) || '-' || substr(hex(\(column)),13,4) || '-' || substr(hex(\(column)),17,4) || '-' || substr(hex(\(column)),21,12)) ELSE \(column) END
        """
    }

    static func dict(_ column: String) -> String {
        "(SELECT value FROM dict WHERE id = e.\(column))"
    }

    /// SQL for a column that holds a `dict` id or, since 011, the text itself: `log_row.path`
    /// keeps a path with ids in it (`/users/8f3e…/grades`) inline, as it is nearly always unique.
    public static func dictOrText(_ column: String, table: String = "e") -> String {
        "(CASE typeof(\(table).\(column)) WHEN 'integer' THEN (SELECT value FROM dict WHERE id = \(table).\(column)) ELSE \(table).\(column) END)"
    }

    /// The secondary indexes on `log_entry` before 005 (created by 001, dropped with the table by 005).
    static let legacyLogEntryIndexes: [String] = [
        "CREATE INDEX IF NOT EXISTS log_entry_start ON log_entry(start_us)",
        "CREATE INDEX IF NOT EXISTS log_entry_req ON log_entry(req)",
        "CREATE INDEX IF NOT EXISTS log_entry_tid ON log_entry(tid) WHERE tid IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS log_entry_service_start ON log_entry(service, start_us)",
    ]

    /// The secondary indexes on `log_row`, by name (dropped and rebuilt around bulk loads).
    ///
    /// There is no index on `start_us` alone (010 dropped it): the lines of a bundle's files each
    /// span the whole day, so such an index took inserts all over itself and cost the writer more
    /// than the other three together. A time range is read from `log_row_dest_start` instead, one
    /// seek per destination (SQLite's skip-scan, chosen from the statistics `refreshStatistics`
    /// keeps), and the store's first and last start come from `startBounds`.
    public static let logRowIndexes: [(name: String, sql: String)] = [
        ("log_row_req", "CREATE INDEX IF NOT EXISTS log_row_req ON log_row(req)"),
        ("log_row_tid", "CREATE INDEX IF NOT EXISTS log_row_tid ON log_row(tid) WHERE tid IS NOT NULL"),
        ("log_row_dest_start", "CREATE INDEX IF NOT EXISTS log_row_dest_start ON log_row(dest, start_us)"),
    ]

    /// The index of request ids by value (`request.rid`, random UUIDs). Ingest into a store without
    /// requests builds it once the run needs it rather than keeping it up to date: an insert at a
    /// random place in it cost several microseconds once the log indexes crowd the page cache.
    public static let requestRidIndex = (name: "request_rid", sql: "CREATE INDEX IF NOT EXISTS request_rid ON request(rid)")

    /// The `access_log` view: the public, documented interface over `log_entry`.
    /// Migrations create the version of their time; `withLoggedAt` is the column added by 003.
    /// SQL for the IP part of an address stored packed (`ip << 16 | port`) or as text (`[v6]:port`, `a.b.c.d:port`).
    static func hostIP(_ column: String) -> String {
        """
        CASE typeof(\(column)) WHEN 'integer' THEN ((\(column) >> 40) & 255) || '.' || ((\(column) >> 32) & 255) || '.' || ((\(column) >> 24) & 255) || '.' || ((\(column) >> 16) & 255) WHEN 'text' THEN (CASE WHEN substr(\(column), 1, 1) = '[' THEN substr(\(column), 2, instr(\(column), ']') - 2) ELSE substr(\(column), 1, instr(\(column), ':') - 1) END) END
        """
    }

    /// SQL for the workload of the pod that owns an IP.
    static func workloadAt(_ ip: String) -> String {
        "(SELECT p.workload FROM pod_address a JOIN pod p ON p.reporter = a.reporter WHERE a.ip = \(ip))"
    }

    /// `withPodIP` (009 on) also names callers by the pod addresses learned from outbound lines
    /// (`pod_ip`), so an ingress gateway, which has no inbound lines, is known as a caller too.
    ///
    /// `withInlinePaths` (011 on) reads `path` as text when the row holds it inline (see `dictOrText`).
    ///
    /// `withPeerIdentity` (014 on) adds `peer_identity`, the caller's SPIFFE identity (``peerIdentity(_:)``).
    static func accessLogView(withLoggedAt: Bool, withWorkloads: Bool = false, withPodIP: Bool = false,
                              withInlinePaths: Bool = false, withPeerIdentity: Bool = false) -> String {
        """
        CREATE VIEW access_log AS SELECT
          e.id AS id,
          strftime('%Y-%m-%dT%H:%M:%fZ', e.start_us / 1000000.0, 'unixepoch') AS start_time,
          e.start_us AS start_us,
          \(dict("reporter")) AS reporter,
          CASE e.direction WHEN 1 THEN 'inbound' WHEN 2 THEN 'outbound' END AS direction,
          \(dict("method")) AS method,
          \(dict("authority")) AS authority,
          \(withInlinePaths ? dictOrText("path") : dict("path")) AS path,
          \(dict("route")) AS route,
          \(dict("protocol")) AS protocol,
          e.status AS status,
          \(dict("flags")) AS flags,
          \(dict("details")) AS details,
          \(dict("termination")) AS termination_details,
          \(dict("transport_failure")) AS transport_failure,
          e.bytes_received AS bytes_received,
          e.bytes_sent AS bytes_sent,
          e.duration_ms AS duration_ms,
          e.upstream_ms AS upstream_ms,
          (SELECT \(uuid("r.rid")) FROM request r WHERE r.id = e.req) AS request_id,
          CASE typeof(e.tid) WHEN 'blob' THEN lower(hex(e.tid)) ELSE e.tid END AS trace_id,
          \(dict("upstream_host")) AS upstream_host,
          \(dict("cluster")) AS upstream_cluster,
          \(dict("service")) AS service,
          \(dict("namespace")) AS namespace,
          \(dict("subset")) AS subset,
          \(address("e.upstream_local")) AS upstream_local,
          \(dict("downstream_local")) AS downstream_local,
          \(address("e.downstream_remote")) AS downstream_remote,
          \(dict("sni")) AS sni,
          \(dict("route_name")) AS route_name,
          \(dict("user_agent")) AS user_agent,
          \(dict("xff")) AS x_forwarded_for,
          e.extra AS extra,
          (SELECT path FROM source WHERE id = e.source_id) AS source,
          e.line AS line\(withLoggedAt ? """
        ,
          strftime('%Y-%m-%dT%H:%M:%fZ', e.logged_us / 1000000.0, 'unixepoch') AS logged_at
        """ : "")\(withWorkloads ? """
        ,
          (SELECT workload FROM pod WHERE reporter = e.reporter) AS workload,
          CASE e.direction WHEN 2 THEN (SELECT workload FROM pod WHERE reporter = e.reporter)
            WHEN 1 THEN \(withPodIP ? "coalesce((SELECT p.workload FROM pod_ip a JOIN pod p ON p.reporter = a.reporter WHERE typeof(e.downstream_remote) = 'integer' AND a.ip = e.downstream_remote >> 16), \(workloadAt(hostIP("e.downstream_remote"))))" : workloadAt(hostIP("e.downstream_remote"))) END AS source_workload,
          CASE e.direction WHEN 1 THEN (SELECT workload FROM pod WHERE reporter = e.reporter)
            WHEN 2 THEN \(workloadAt(hostIP("(SELECT value FROM dict WHERE id = e.upstream_host)"))) END AS destination_workload
        """ : "")\(withPeerIdentity ? """
        ,
          \(peerIdentity("e")) AS peer_identity
        """ : "")
        FROM log_entry e
        """
    }

    /// SQL for the caller's SPIFFE identity of line `e` (``PeerIdentity``): the `%DOWNSTREAM_PEER_URI_SAN%`
    /// value kept in `extra`, NULL when the line has none. The `instr` test spares parsing the JSON
    /// of lines that hold other extras.
    static func peerIdentity(_ e: String) -> String {
        "CASE WHEN instr(\(e).extra, '\"\(PeerIdentity.extraKey)\":') > 0 THEN json_extract(\(e).extra, '$.\(PeerIdentity.extraKey)') END"
    }

    /// The `access_log_flag` view: one row per flag of each line.
    static func accessLogFlagView(from table: String) -> String {
        """
        CREATE VIEW access_log_flag AS
        SELECT e.id AS id, f.flag AS flag, r.long_name AS long_name, r.meaning AS meaning
        FROM \(table) e JOIN flag_set f ON f.flags = e.flags
        LEFT JOIN response_flag r ON r.flag = f.flag
        """
    }

    /// The migrations, in order.
    public static var migrator: Migrator { migrator(through: nil) }

    /// The migrations up to and including `last` (all of them when nil): tests build old stores with it.
    static func migrator(through last: String?) -> Migrator {
        var all = Migrator()
        all.register("001-access-log") { db in
            try db.execute("""
                CREATE TABLE dict(
                  id INTEGER PRIMARY KEY,
                  value TEXT NOT NULL
                );
                CREATE TABLE request(
                  id INTEGER PRIMARY KEY,
                  rid NOT NULL
                );
                CREATE INDEX request_rid ON request(rid);
                CREATE TABLE source(
                  id INTEGER PRIMARY KEY,
                  path TEXT NOT NULL,
                  size INTEGER,
                  fingerprint INTEGER,
                  content_hash INTEGER,
                  format TEXT,
                  state TEXT NOT NULL CHECK (state IN ('partial', 'done', 'duplicate', 'failed')),
                  lines_read INTEGER NOT NULL DEFAULT 0,
                  records INTEGER NOT NULL DEFAULT 0,
                  rejected INTEGER NOT NULL DEFAULT 0,
                  skipped INTEGER NOT NULL DEFAULT 0,
                  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                  finished_at TEXT,
                  error TEXT
                );
                CREATE INDEX source_fingerprint ON source(fingerprint);
                CREATE TABLE rejected(
                  id INTEGER PRIMARY KEY,
                  source_id INTEGER NOT NULL REFERENCES source(id),
                  line INTEGER NOT NULL,
                  reason TEXT NOT NULL,
                  text TEXT NOT NULL
                );
                CREATE INDEX rejected_source ON rejected(source_id, line);
                CREATE TABLE log_entry(
                  id INTEGER PRIMARY KEY,
                  source_id INTEGER NOT NULL,
                  line INTEGER NOT NULL,
                  start_us INTEGER,
                  reporter INTEGER,
                  direction INTEGER,
                  method INTEGER,
                  authority INTEGER,
                  path INTEGER,
                  route INTEGER,
                  protocol INTEGER,
                  status INTEGER,
                  flags INTEGER,
                  details INTEGER,
                  termination INTEGER,
                  transport_failure INTEGER,
                  bytes_received INTEGER,
                  bytes_sent INTEGER,
                  duration_ms INTEGER,
                  upstream_ms INTEGER,
                  req INTEGER,
                  tid,
                  upstream_host INTEGER,
                  cluster INTEGER,
                  service INTEGER,
                  namespace INTEGER,
                  subset INTEGER,
                  upstream_local,
                  downstream_local INTEGER,
                  downstream_remote,
                  sni INTEGER,
                  route_name INTEGER,
                  user_agent INTEGER,
                  xff INTEGER,
                  extra TEXT
                );
                CREATE TABLE response_flag(
                  flag TEXT PRIMARY KEY,
                  long_name TEXT NOT NULL,
                  meaning TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE flag_set(
                  flags INTEGER NOT NULL,
                  flag TEXT NOT NULL,
                  PRIMARY KEY (flags, flag)
                ) WITHOUT ROWID;
                """)
            for sql in legacyLogEntryIndexes { try db.execute(sql) }
            for flag in ResponseFlag.all {
                try db.execute("INSERT INTO response_flag(flag, long_name, meaning) VALUES (?, ?, ?)",
                               [.text(flag.short), .text(flag.long), .text(flag.meaning)])
            }
            try db.execute(accessLogView(withLoggedAt: false))
            try db.execute(accessLogFlagView(from: "log_entry"))
        }
        all.register("002-spans") { db in try SpanSchema.migrate(db) }
        all.register("003-log-wrappers") { db in
            // The time a container runtime or kubectl recorded for the line, beside Envoy's start time.
            try db.execute("ALTER TABLE log_entry ADD COLUMN logged_us INTEGER")
            try db.execute("DROP VIEW access_log")
            try db.execute(accessLogView(withLoggedAt: true))
        }
        all.register("004-pod-identity") { db in
            // Pods (reporters) with their workload, and the addresses they were seen serving on
            // (an inbound line's downstream_local is its own pod's address), so other pods' lines
            // name their peer workloads.
            try db.execute("""
                CREATE TABLE pod(
                  reporter INTEGER PRIMARY KEY,
                  name TEXT NOT NULL,
                  workload TEXT NOT NULL,
                  namespace TEXT
                );
                CREATE TABLE pod_address(
                  ip TEXT PRIMARY KEY,
                  reporter INTEGER NOT NULL
                ) WITHOUT ROWID;
                DROP VIEW access_log;
                """)
            try db.execute(accessLogView(withLoggedAt: true, withWorkloads: true))
        }
        all.register("005-narrow-rows") { db in try migrateToNarrowRows(db) }
        all.register("006-summaries") { db in try SummarySchema.migrate(db) }
        all.register("007-follow") { db in
            // `ingest --follow` reads files while they grow, so size and content cannot name them:
            // a followed file is known by a hash of its first bytes (up to 1 KiB; fewer while it
            // is shorter) and its inode, and resumes at `lines_read` like any partial source.
            try db.execute("""
                ALTER TABLE source ADD COLUMN follow_head INTEGER;
                ALTER TABLE source ADD COLUMN follow_head_bytes INTEGER;
                ALTER TABLE source ADD COLUMN follow_inode INTEGER;
                CREATE INDEX source_follow_head ON source(follow_head) WHERE follow_head IS NOT NULL;
                """)
        }
        all.register("008-hourly-latency") { db in try SummarySchema.migrateHourlyLatency(db) }
        all.register("009-report-summaries") { db in try SummarySchema.migrateReportSummaries(db) }
        all.register("010-no-start-index") { db in
            try db.execute("DROP INDEX IF EXISTS log_row_start")
            try refreshStatistics(db)
        }
        all.register("011-inline-paths") { db in
            try db.execute("DROP VIEW access_log")
            try db.execute(accessLogView(withLoggedAt: true, withWorkloads: true, withPodIP: true, withInlinePaths: true))
        }
        all.register("012-pod-facts") { db in
            // What a cluster dump says about its pods (pods.json, resource YAML, Envoy config dumps):
            // the pod's IP, its workload (its owner's name), and its app and version labels. The
            // ingest also writes them into `pod`, `pod_address` and `pod_ip`, so the `access_log`
            // view, `hops` and `graph` name pods by them, including pods that never logged.
            try db.execute("""
                CREATE TABLE pod_fact(
                  reporter INTEGER PRIMARY KEY,
                  namespace TEXT NOT NULL,
                  ip TEXT,
                  workload TEXT NOT NULL,
                  app TEXT,
                  version TEXT,
                  origin TEXT NOT NULL
                );
                """)
        }
        all.register("013-tls-summaries") { db in try SummarySchema.migrateTLS(db) }
        all.register("014-peer-identity") { db in
            // The caller's SPIFFE identity (`%DOWNSTREAM_PEER_URI_SAN%`), read from `extra` where
            // custom formats already kept it: a view column, no new storage.
            try db.execute("DROP VIEW access_log")
            try db.execute(accessLogView(withLoggedAt: true, withWorkloads: true, withPodIP: true, withInlinePaths: true,
                                         withPeerIdentity: true))
        }
        guard let last, let end = all.migrationNames.firstIndex(of: last) else { return all }
        var some = Migrator()
        for (name, body) in all.migrations.prefix(end + 1) { some.register(name, body) }
        return some
    }

    /// The first and the last `start_us` in `log_row` (NULLs when empty): the two ends of
    /// `log_row_dest_start` for each destination, so a handful of seeks instead of a scan.
    public static let startBounds = """
        SELECT min(first_us) AS first_us, max(last_us) AS last_us FROM (
          SELECT (SELECT min(start_us) FROM log_row WHERE dest = d.id) AS first_us,
                 (SELECT max(start_us) FROM log_row WHERE dest = d.id) AS last_us
          FROM destination d)
        """

    /// Samples `log_row`'s indexes into `sqlite_stat1` (a few thousand rows, milliseconds on any
    /// store), which tells the planner that `log_row_dest_start` serves time ranges by skip-scan.
    public static func refreshStatistics(_ db: Database) throws {
        try db.execute("PRAGMA analysis_limit=1000")
        try db.execute("ANALYZE log_row")
    }

    /// SQL for `log_row`, the physical table since 005: one row per access-log line, with the
    /// destination and the rarely filtered text fields moved to the `destination` and `variant`
    /// dimension tables (a narrow row is most of what an insert costs).
    static let logRowTable = """
        CREATE TABLE log_row(
          id INTEGER PRIMARY KEY,
          source_id INTEGER NOT NULL,
          line INTEGER NOT NULL,
          start_us INTEGER,
          reporter INTEGER,
          dest INTEGER NOT NULL,
          variant INTEGER NOT NULL,
          path INTEGER,
          route INTEGER,
          status INTEGER,
          flags INTEGER,
          details INTEGER,
          bytes_received INTEGER,
          bytes_sent INTEGER,
          duration_ms INTEGER,
          upstream_ms INTEGER,
          req INTEGER,
          tid,
          upstream_host INTEGER,
          upstream_local,
          downstream_local INTEGER,
          downstream_remote,
          extra TEXT,
          logged_us INTEGER
        )
        """

    /// The `log_entry` view: `log_row` with its dimensions joined back, every column as before 005.
    /// Internal (ids, not text), for meshlog's own queries; users read `access_log`.
    static let logEntryView = """
        CREATE VIEW log_entry AS SELECT
          e.id, e.source_id, e.line, e.start_us, e.reporter, d.direction, v.method, v.authority, e.path, e.route,
          v.protocol, e.status, e.flags, e.details, v.termination, v.transport_failure, e.bytes_received, e.bytes_sent,
          e.duration_ms, e.upstream_ms, e.req, e.tid, e.upstream_host, d.cluster, d.service, d.namespace, d.subset,
          e.upstream_local, e.downstream_local, e.downstream_remote, v.sni, v.route_name, v.user_agent, v.xff,
          e.extra, e.logged_us, e.dest, e.variant
        FROM log_row e JOIN destination d ON d.id = e.dest JOIN variant v ON v.id = e.variant
        """

    /// 005: moves `log_entry`'s rows into the narrow `log_row` and its two dimension tables.
    static func migrateToNarrowRows(_ db: Database) throws {
        let dest = "cluster INTEGER, direction INTEGER, service INTEGER, namespace INTEGER, subset INTEGER"
        let variant = """
            method INTEGER, protocol INTEGER, authority INTEGER, termination INTEGER, transport_failure INTEGER,
            sni INTEGER, route_name INTEGER, user_agent INTEGER, xff INTEGER
            """
        let destColumns = AccessLogBatch.destinationColumns.joined(separator: ", ")
        let variantColumns = AccessLogBatch.variantColumns.joined(separator: ", ")
        func match(_ alias: String, _ columns: [String]) -> String {
            columns.map { "\(alias).\($0) IS e.\($0)" }.joined(separator: " AND ")
        }
        try db.execute("""
            CREATE TABLE destination(id INTEGER PRIMARY KEY, \(dest));
            CREATE TABLE variant(id INTEGER PRIMARY KEY, \(variant));
            INSERT INTO destination(\(destColumns)) SELECT DISTINCT \(destColumns) FROM log_entry;
            INSERT INTO variant(\(variantColumns)) SELECT DISTINCT \(variantColumns) FROM log_entry;
            CREATE INDEX destination_all ON destination(\(destColumns));
            CREATE INDEX variant_all ON variant(\(variantColumns));
            \(logRowTable);
            INSERT INTO log_row(id, source_id, line, start_us, reporter, dest, variant, path, route, status, flags, details,
              bytes_received, bytes_sent, duration_ms, upstream_ms, req, tid, upstream_host, upstream_local,
              downstream_local, downstream_remote, extra, logged_us)
            SELECT e.id, e.source_id, e.line, e.start_us, e.reporter,
              (SELECT d.id FROM destination d WHERE \(match("d", AccessLogBatch.destinationColumns))),
              (SELECT v.id FROM variant v WHERE \(match("v", AccessLogBatch.variantColumns))),
              e.path, e.route, e.status, e.flags, e.details,
              e.bytes_received, e.bytes_sent, e.duration_ms, e.upstream_ms, e.req, e.tid, e.upstream_host, e.upstream_local,
              e.downstream_local, e.downstream_remote, e.extra, e.logged_us
            FROM log_entry e ORDER BY e.id;
            DROP INDEX destination_all;
            DROP INDEX variant_all;
            DROP VIEW access_log;
            DROP VIEW access_log_flag;
            DROP TABLE log_entry;
            \(logEntryView);
            """)
        for (_, sql) in logRowIndexes { try db.execute(sql) }
        try db.execute(accessLogView(withLoggedAt: true, withWorkloads: true))
        try db.execute(accessLogFlagView(from: "log_row"))
    }
}
