/// The SQL behind `meshlog report` that the other answers do not already run: the mesh's
/// entry traffic, error signatures, the slowest requests, reporter coverage and rejected lines.
/// All of it reads the summary tables, so a day of a large store costs milliseconds.
public enum ReportQueries {
    /// The `[since, until)` window as conditions on summary rows `s` with a minute column.
    static func minutes(_ since: Int64, _ until: Int64) -> String {
        "s.minute >= \(since / 60_000_000) AND s.minute < \((until + 59_999_999) / 60_000_000)"
    }

    /// The latency table for a window: hourly when it falls on whole hours.
    static func table(_ since: Int64, _ until: Int64) -> String {
        since % 3_600_000_000 == 0 && until % 3_600_000_000 == 0 ? "summary_hour_latency" : "summary_minute"
    }

    /// Whether a workload name is an ingress gateway by its name (Istio's `istio-ingressgateway`,
    /// Helm charts' `*-ingress-gateway`). Gateways named otherwise are found by what they log
    /// (``entryReporterCTE``).
    static let isGateway = "(source LIKE '%ingressgateway%' OR source LIKE '%ingress-gateway%' OR source LIKE 'istio-ingress%')"

    /// A common table expression `entry_reporter(id)` over ``SummaryQueries/edgeRows(filter:serviceIDs:byValue:)``'s
    /// `rows`: the reporters of the window that logged outbound lines but no inbound line. Such a
    /// proxy is not a sidecar in front of an app (which logs the calls it serves), so what it sends
    /// enters the mesh: an ingress or API gateway whatever its name (`gateway`, `ingress`,
    /// Gateway API's `<name>-istio`, Envoy Gateway's `envoy-<namespace>-<name>-<hash>`), or a
    /// client-only job calling into the mesh, as Kiali draws them. Decided from the summaries,
    /// so the window's minutes or hours, not its lines, are read; lines without a reporter (0) are left out.
    static let entryReporterCTE = """
        entry_reporter(id) AS MATERIALIZED (
          SELECT reporter FROM rows WHERE reporter <> 0 GROUP BY reporter HAVING max(inbound) = 0 AND max(outbound) = 1
        )
        """

    /// Whether summary row `rows` is where a request entered the mesh: an inbound line no logged
    /// caller sent (from outside the mesh), or a line of a gateway, by name or by what it logs
    /// (``entryReporterCTE``).
    static let isEntry = "((inbound AND NOT known) OR (NOT inbound AND (\(isGateway) OR reporter IN (SELECT id FROM entry_reporter))))"

    /// Requests entering the mesh (``isEntry``: outside callers' inbound lines and gateways'
    /// outbound lines), and every hop: `scope` ('entry' or 'all'), `requests, errors, p50_ms, p99_ms`.
    /// Errors leave out the faults Envoy injected on purpose unless `includeInjected`.
    public static func headline(since: Int64, until: Int64, includeInjected: Bool = false) -> String {
        let filter = AnswerFilter(sinceMicros: since, untilMicros: until, includeInjected: includeInjected)
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE),
            \(SummaryQueries.edgeRows(filter: filter, serviceIDs: nil, byValue: false)),
            \(entryReporterCTE)
            SELECT 'entry' AS scope, sum(requests), sum(errors),
              hist_percentile(hist_merge(duration), 0.5), hist_percentile(hist_merge(duration), 0.99)
            FROM rows WHERE \(isEntry)
            UNION ALL
            SELECT 'all', sum(requests), sum(errors),
              hist_percentile(hist_merge(CASE WHEN inbound AND known THEN NULL ELSE duration END), 0.5),
              hist_percentile(hist_merge(CASE WHEN inbound AND known THEN NULL ELSE duration END), 0.99)
            FROM rows WHERE NOT (inbound AND known)
            """
    }

    /// Failed-line signatures of a window, counted on the hop side: `service, status, flags,
    /// details, route` (text; NULL when missing) and `requests`. Lines with a fault Envoy injected on purpose
    /// are left out unless they failed on their own (a delayed call the app then failed), or `includeInjected`
    /// and the fault made them fail; a `DI` delay that was answered is never a failure.
    public static func errorSignatures(since: Int64, until: Int64, includeInjected: Bool = false) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = nullif(\(column), 0))" }
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE)
            SELECT \(name("d.service")) AS service, nullif(s.status, -1) AS status, \(name("s.flags")) AS flags,
              \(name("s.details")) AS details, \(name("s.route")) AS route, sum(s.requests) AS requests
            FROM summary_error s JOIN destination d ON d.id = s.dest
            LEFT JOIN caller c ON c.ip = s.caller AND d.direction = 1
            WHERE \(minutes(since, until)) AND (d.direction = 2 OR d.direction IS NULL OR (d.direction = 1 AND c.ip IS NULL))
              AND NOT (\(AnswerQueries.isInjected("s")) AND NOT ((s.status >= 500 OR s.status = 0)\(includeInjected ? "" : " AND NOT \(AnswerQueries.isInjectedFailure("s"))")))
            GROUP BY 1, 2, 3, 4, 5
            ORDER BY requests DESC, 1, 2, 3, 4, 5
            """
    }

    /// The faults Envoy injected on purpose in a window (`FI` aborts, `DI` delays), counted on the
    /// hop side: `source, service, subset, route, status, flags` (text; NULL when missing), `requests`.
    public static func injectedFaults(since: Int64, until: Int64) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = nullif(\(column), 0))" }
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE)
            SELECT \(SummaryQueries.source) AS source, \(name("d.service")) AS service, \(name("d.subset")) AS subset,
              \(name("s.route")) AS route, nullif(s.status, -1) AS status, \(name("s.flags")) AS flags, sum(s.requests) AS requests
            FROM summary_error s JOIN destination d ON d.id = s.dest
            LEFT JOIN workload w ON w.id = s.reporter
            LEFT JOIN caller c ON c.ip = s.caller AND d.direction = 1
            WHERE \(minutes(since, until)) AND \(SummaryQueries.side(.hop)!) AND \(AnswerQueries.isInjected("s"))
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY requests DESC, 1, 2, 3, 4, 5, 6
            """
    }

    /// Inbound calls that arrived without the mesh's mTLS, per edge (`summary_tls`): `source, service, subset`
    /// (text), `in_mesh` (1 when the caller is a pod of the store), `plaintext` (no SNI, at pods whose other inbound
    /// lines carry one), `unverified` (no SNI, at pods whose inbound lines never carry one: their format may not log
    /// it), `inbound` (every inbound call of the edge). Only edges with either of the first two.
    public static func plaintextEdges(since: Int64, until: Int64) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = nullif(\(column), 0))" }
        let plaintext = TLSClass.plaintext.code
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE),
            with_sni(reporter) AS MATERIALIZED (
              SELECT DISTINCT s.reporter FROM summary_tls s WHERE \(minutes(since, until)) AND s.class <> \(plaintext)
            ),
            edge AS (
              SELECT \(SummaryQueries.source) AS source, \(name("d.service")) AS service, \(name("d.subset")) AS subset,
                c.ip IS NOT NULL AS in_mesh,
                sum(CASE WHEN s.class = \(plaintext) AND s.reporter IN with_sni THEN s.requests ELSE 0 END) AS plaintext,
                sum(CASE WHEN s.class = \(plaintext) AND s.reporter NOT IN with_sni THEN s.requests ELSE 0 END) AS unverified,
                sum(s.requests) AS inbound
              FROM summary_tls s JOIN destination d ON d.id = s.dest
              LEFT JOIN workload w ON w.id = s.reporter
              LEFT JOIN caller c ON c.ip = s.caller AND d.direction = 1
              WHERE \(minutes(since, until))
              GROUP BY 1, 2, 3, 4
            )
            SELECT source, service, subset, in_mesh, plaintext, unverified, inbound FROM edge
            WHERE plaintext > 0 OR unverified > 0
            ORDER BY in_mesh DESC, plaintext DESC, unverified DESC, 1, 2, 3
            """
    }

    /// Inbound lines of the window with an SNI (or a caller identity), all of them, and those without:
    /// `with_sni, inbound, plaintext`. With none carrying one, the logs' format does not log the SNI
    /// (`%REQUESTED_SERVER_NAME%`), or nothing used the mesh's mTLS; with none without, there is nothing to list.
    public static func sniCoverage(since: Int64, until: Int64) -> String {
        """
        SELECT coalesce(sum(CASE WHEN s.class <> \(TLSClass.plaintext.code) THEN s.requests ELSE 0 END), 0) AS with_sni,
          coalesce(sum(s.requests), 0) AS inbound,
          coalesce(sum(CASE WHEN s.class = \(TLSClass.plaintext.code) THEN s.requests ELSE 0 END), 0) AS plaintext
        FROM summary_tls s WHERE \(minutes(since, until))
        """
    }

    /// How many (destination, minute) pairs ``injectedDelays(since:until:)`` reads the delayed lines of.
    public static let delaySampleMinutes = 30

    /// The durations of the lines Envoy delayed on purpose (`DI`), per hop-side edge and route:
    /// `source, service, subset, route` (text), `lines, p50_ms, p99_ms`. Read from the lines of the
    /// ``delaySampleMinutes`` (destination, minute) pairs with the most delayed lines (through the
    /// `(dest, start_us)` index), so a day of a large store costs milliseconds.
    public static func injectedDelays(since: Int64, until: Int64) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = nullif(\(column), 0))" }
        let delayed = "(SELECT flags FROM flag_set WHERE flag = 'DI')"
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE),
            pairs AS MATERIALIZED (
              SELECT s.dest AS dest, s.minute AS minute FROM summary_error s
              WHERE \(minutes(since, until)) AND s.minute >= 0 AND s.flags IN \(delayed)
              GROUP BY 1, 2 ORDER BY sum(s.requests) DESC, 2, 1 LIMIT \(delaySampleMinutes)
            )
            SELECT CASE WHEN d.direction = 1 THEN coalesce(c.name, '\(AnswerQueries.outsideMesh)')
                ELSE \(AnswerQueries.workloadName("w", reporter: "e.reporter")) END AS source,
              \(name("d.service")) AS service, \(name("d.subset")) AS subset, \(name("e.route")) AS route,
              count(*) AS lines, percentile(e.duration_ms, 0.5) AS p50_ms, percentile(e.duration_ms, 0.99) AS p99_ms
            FROM pairs p JOIN log_row e ON e.dest = p.dest AND e.start_us >= p.minute * 60000000 AND e.start_us < (p.minute + 1) * 60000000
            JOIN destination d ON d.id = e.dest
            LEFT JOIN workload w ON w.id = e.reporter
            LEFT JOIN caller c ON c.ip = \(SummarySchema.callerKey("e", direction: "d")) AND d.direction = 1
            WHERE e.flags IN \(delayed) AND e.start_us >= \(since) AND e.start_us < \(until)
            GROUP BY 1, 2, 3, 4
            ORDER BY lines DESC, 1, 2, 3, 4
            """
    }

    /// The slowest request of each summary row in the window, the `limit` slowest of those:
    /// `request_id, duration_ms, start_us, route, status`.
    public static func slowest(since: Int64, until: Int64, limit: Int) -> String {
        """
        WITH top AS (
          SELECT s.slowest_req AS req, max(s.slowest_ms) AS ms FROM \(table(since, until)) s
          WHERE \(minutes(since, until)) AND s.slowest_req IS NOT NULL
          GROUP BY s.slowest_req ORDER BY ms DESC, (SELECT r.rid FROM request r WHERE r.id = s.slowest_req) LIMIT \(limit)
        )
        SELECT (SELECT \(StoreSchema.uuid("r.rid")) FROM request r WHERE r.id = t.req) AS request_id, t.ms AS duration_ms,
          (SELECT min(e.start_us) FROM log_row e WHERE e.req = t.req) AS start_us,
          (SELECT v.value FROM log_row e JOIN dict v ON v.id = e.route WHERE e.req = t.req ORDER BY e.start_us, e.duration_ms DESC LIMIT 1) AS route,
          (SELECT e.status FROM log_row e WHERE e.req = t.req ORDER BY e.start_us, e.duration_ms DESC LIMIT 1) AS status
        FROM top t ORDER BY t.ms DESC, request_id
        """
    }

    /// Minutes with lines per reporter in the window: `reporter` (text), `minute`.
    public static func coverage(since: Int64, until: Int64) -> String {
        """
        SELECT (SELECT value FROM dict WHERE id = s.reporter) AS reporter, s.minute AS minute
        FROM summary_minute s WHERE \(minutes(since, until)) AND s.reporter <> 0
        GROUP BY s.reporter, s.minute ORDER BY 1, 2
        """
    }

    /// Sources with rejected lines: `path, rejected, lines_read`.
    public static let rejectedSources = """
        SELECT path, rejected, lines_read FROM source WHERE rejected > 0 ORDER BY rejected DESC, path LIMIT 20
        """
}
