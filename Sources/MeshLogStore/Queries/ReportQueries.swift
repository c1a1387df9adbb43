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

    /// Whether a workload name is an ingress gateway (where requests enter the mesh).
    static let isGateway = "(source LIKE '%ingressgateway%' OR source LIKE '%ingress-gateway%' OR source LIKE 'istio-ingress%')"

    /// Requests entering the mesh (outside callers' inbound lines and ingress gateways' outbound
    /// lines), and every hop: `scope` ('entry' or 'all'), `requests, errors, p50_ms, p99_ms`.
    public static func headline(since: Int64, until: Int64) -> String {
        let filter = AnswerFilter(sinceMicros: since, untilMicros: until)
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(SummaryQueries.callerCTE),
            \(SummaryQueries.edgeRows(filter: filter, serviceIDs: nil, byValue: false))
            SELECT 'entry' AS scope, sum(requests), sum(errors),
              hist_percentile(hist_merge(duration), 0.5), hist_percentile(hist_merge(duration), 0.99)
            FROM rows WHERE (inbound AND NOT known) OR (NOT inbound AND \(isGateway))
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
