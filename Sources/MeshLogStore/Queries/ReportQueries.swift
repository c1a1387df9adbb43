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
    public static func headline(since: Int64, until: Int64) -> String {
        let filter = AnswerFilter(sinceMicros: since, untilMicros: until)
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
    /// details, route` (text; NULL when missing) and `requests`.
    public static func errorSignatures(since: Int64, until: Int64) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = nullif(\(column), 0))" }
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE)
            SELECT \(name("d.service")) AS service, nullif(s.status, -1) AS status, \(name("s.flags")) AS flags,
              \(name("s.details")) AS details, \(name("s.route")) AS route, sum(s.requests) AS requests
            FROM summary_error s JOIN destination d ON d.id = s.dest
            LEFT JOIN caller c ON c.ip = s.caller AND d.direction = 1
            WHERE \(minutes(since, until)) AND (d.direction = 2 OR d.direction IS NULL OR (d.direction = 1 AND c.ip IS NULL))
            GROUP BY 1, 2, 3, 4, 5
            ORDER BY requests DESC, 1, 2, 3, 4, 5
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
