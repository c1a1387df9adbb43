/// The SQL of the answers when they read the summary tables (`summary_minute`, `summary_hour`)
/// instead of the lines: the same columns as ``AnswerQueries``, from thousands of rows instead of
/// millions.
///
/// Summaries serve a window whose bounds fall on whole minutes (whole hours for breakdowns by
/// code or flag), any service filter, and every group key but `route`. Counts and the client,
/// server and upstream percentiles are exact (the histograms are exact); the overhead is the
/// difference of the client and server percentiles rather than the percentile of per-request
/// differences, which needs the lines.
///
/// Which side logged a hop is decided by the caller's address: an inbound line whose peer is a
/// pod in the store (`pod_ip`) was also logged by that pod as an outbound line.
public enum SummaryQueries {
    /// Whether `micros` (or no bound) falls on a whole multiple of `unit`.
    public static func isAligned(_ micros: Int64?, to unit: Int64) -> Bool {
        guard let micros else { return true }
        return micros % unit == 0
    }

    /// Whether a status breakdown by `keys` over `filter` can be read from the summaries.
    /// Codes and flags come from `summary_hour`, so only over whole hours; every other key from the
    /// minute summaries, over any window (see ``minuteRows(_:bucketMicros:)``).
    public static func canServeStatus(keys: [GroupKey], filter: AnswerFilter) -> Bool {
        if keys.contains(.route) || keys.contains(.tls) || keys.contains(.identity) { return false }
        if keys.contains(.code) || keys.contains(.flag) { return !keys.contains(.minute) && wholeHours(filter) }
        return true
    }

    /// Whether hops, the graph and a timeline with `bucketMicros` can be read from the summaries:
    /// any window, with buckets of whole minutes.
    public static func canServe(filter: AnswerFilter, bucketMicros: Int64 = 60_000_000) -> Bool {
        bucketMicros % 60_000_000 == 0
    }

    /// Whether the window falls on whole hours (or has no bounds): the hourly tables answer.
    static func wholeHours(_ filter: AnswerFilter) -> Bool {
        isAligned(filter.sinceMicros, to: 3_600_000_000) && isAligned(filter.untilMicros, to: 3_600_000_000)
    }

    /// The latency summary table for the window: hourly over whole hours, else per minute.
    static func latencyTable(_ filter: AnswerFilter, bucketMicros: Int64 = 3_600_000_000) -> String {
        wholeHours(filter) && bucketMicros % 3_600_000_000 == 0 ? "summary_hour_latency" : "summary_minute"
    }

    /// Whether the window starts and ends on whole minutes (or has no bounds).
    static func wholeMinutes(_ filter: AnswerFilter) -> Bool {
        isAligned(filter.sinceMicros, to: 60_000_000) && isAligned(filter.untilMicros, to: 60_000_000)
    }

    /// The latency summary rows of the window, as the FROM item `s`: the columns of
    /// `summary_minute` (``SummarySchema/minuteColumns``), then `injected` and `injected_errors`.
    ///
    /// Over whole minutes the rows are a summary table's (the window's conditions then go on `s.minute`,
    /// ``conditions(_:serviceIDs:unit:)``). A window cut inside a minute (`--since 2h` counts back
    /// from the newest line's exact time) takes the summaries of its whole minutes and adds the
    /// lines of its partial first and last minute, summed the same way, already limited to the
    /// window: answers stay exact and read at most two minutes of lines.
    ///
    /// Faults Envoy injected on purpose are counted from `summary_error` (every line with a response
    /// flag has its row there): rows with only `injected` (lines with `FI` or `DI`) and `injected_errors`
    /// (those that are errors) set, which the answers subtract from `errors` (``errors(_:)``).
    ///
    /// Without `histograms`, `duration` and `upstream` are NULL: their blobs are not read (an answer that only
    /// counts would read every row's blobs through the union otherwise).
    static func minuteRows(_ filter: AnswerFilter, bucketMicros: Int64 = 3_600_000_000, histograms: Bool = true) -> String {
        let table = latencyTable(filter, bucketMicros: bucketMicros)
        let hourly = table == "summary_hour_latency"
        let minute: Int64 = 60_000_000
        var whole: [String] = []
        var partial: [String] = []
        if wholeMinutes(filter) {
            if let since = filter.sinceMicros { whole.append("minute >= \(since / minute)") }
            if let until = filter.untilMicros { whole.append("minute < \(until / minute)") }
        } else {
            let firstWhole = filter.sinceMicros.map { ($0 + minute - 1) / minute }
            let endWhole = filter.untilMicros.map { $0 / minute }
            if let firstWhole { whole.append("minute >= \(firstWhole)") }
            if let endWhole { whole.append("minute < \(endWhole)") }
            if let firstWhole, let endWhole, firstWhole > endWhole {
                // The whole window lies inside one minute.
                partial.append("(e.start_us >= \(filter.sinceMicros!) AND e.start_us < \(filter.untilMicros!))")
            } else {
                if let since = filter.sinceMicros, let firstWhole, since < firstWhole * minute {
                    partial.append("(e.start_us >= \(since) AND e.start_us < \(firstWhole * minute))")
                }
                if let until = filter.untilMicros, let endWhole, until > endWhole * minute {
                    partial.append("(e.start_us >= \(endWhole * minute) AND e.start_us < \(until))")
                }
            }
        }
        let range = whole.isEmpty ? "1" : whole.joined(separator: " AND ")
        let injectedMinute = hourly ? "CASE WHEN minute < 0 THEN -1 ELSE minute / 60 * 60 END" : "minute"
        var sql = """
            (SELECT \(histograms ? SummarySchema.minuteColumns : SummarySchema.minuteColumns.replacingOccurrences(of: "duration, upstream", with: "NULL, NULL")),
                0 AS injected, 0 AS injected_errors FROM \(table) WHERE \(range)
              UNION ALL
              SELECT \(injectedMinute), reporter, dest, caller, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL,
                sum(requests), sum(CASE WHEN (status >= 500 OR status = 0) AND \(AnswerQueries.isInjectedFailure("summary_error")) THEN requests ELSE 0 END)
              FROM summary_error WHERE \(range) AND flags IN \(AnswerQueries.injectedFlagIDs)
              GROUP BY 1, 2, 3, 4
            """
        if !partial.isEmpty {
            sql += """

                  UNION ALL
                  SELECT e.start_us / 60000000, coalesce(e.reporter, 0), e.dest, \(SummarySchema.callerKey("e", direction: "d")),
                    \(SummarySchema.latencyAggregates("e")), sum(\(AnswerQueries.isInjected("e"))),
                    sum(\(AnswerQueries.isInjectedFailure("e")) AND (e.status >= 500 OR e.status = 0))
                  FROM log_row e JOIN destination d ON d.id = e.dest
                  WHERE \(partial.joined(separator: " OR "))
                  GROUP BY 1, 2, 3, 4
                """
        }
        return sql + ") s"
    }

    /// The errors of summary rows `s` from ``minuteRows(_:bucketMicros:)``: less the injected ones
    /// unless the filter includes them.
    static func errors(_ filter: AnswerFilter) -> String {
        filter.includeInjected ? "s.errors" : "(s.errors - s.injected_errors)"
    }

    /// Caller workloads by IPv4 address: the pods in the store.
    static let callerCTE = """
        caller(ip, name) AS MATERIALIZED (
          SELECT pi.ip, \(AnswerQueries.workloadName("wc", reporter: "pi.reporter"))
          FROM pod_ip pi LEFT JOIN workload wc ON wc.id = pi.reporter
        )
        """

    /// The conditions of `filter` on summary rows `s` (time column `unit`: `minute` or `hour`) and destination `d`.
    /// A window cut inside a minute is already applied by ``minuteRows(_:bucketMicros:)``.
    static func conditions(_ filter: AnswerFilter, serviceIDs: [Int64]?, unit: String) -> [String] {
        let size: Int64 = unit == "hour" ? 3_600_000_000 : 60_000_000
        var out: [String] = []
        if unit == "hour" || wholeMinutes(filter) {
            if let since = filter.sinceMicros { out.append("s.\(unit) >= \(since / size)") }
            if let until = filter.untilMicros { out.append("s.\(unit) < \(until / size)") }
        }
        if let ids = serviceIDs {
            let names = (filter.services ?? []).joined(separator: ", ")
            out.append("d.service IN (\(ids.map(String.init).joined(separator: ", "))) /* \(names.replacingStars()) */")
        }
        return out
    }

    /// The rows of `side`, as a condition on summary row `s`, destination `d` and caller `c`.
    static func side(_ side: TrafficSide) -> String? {
        switch side {
        case .hop: "(d.direction = 2 OR d.direction IS NULL OR (d.direction = 1 AND c.ip IS NULL))"
        case .inbound: "d.direction = 1"
        case .outbound: "d.direction = 2"
        case .both: nil
        }
    }

    /// The source workload of a summary row: the reporter's for outbound lines, the caller's (or
    /// outside the mesh) for inbound ones.
    static let source = "CASE WHEN d.direction = 1 THEN coalesce(c.name, '\(AnswerQueries.outsideMesh)') ELSE \(AnswerQueries.workloadName("w", reporter: "s.reporter")) END"

    /// The joins of a summary row `s`. `CROSS JOIN` keeps `s` the outer loop, so SQLite reads a
    /// ``minuteRows(_:bucketMicros:histograms:)`` union as a co-routine rather than copying it first.
    static let joins = """
        CROSS JOIN destination d ON d.id = s.dest
        LEFT JOIN workload w ON w.id = s.reporter
        LEFT JOIN caller c ON c.ip = s.caller AND d.direction = 1
        """

    /// ``AnswerQueries/status(keys:side:filter:serviceIDs:check:)`` from the summaries.
    public static func status(keys: [GroupKey], side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?) -> String {
        let byHour = keys.contains(.code) || keys.contains(.flag) || (!keys.contains(.minute) && wholeHours(filter))
        let table = byHour ? "summary_hour s" : minuteRows(filter, bucketMicros: 60_000_000, histograms: false)
        let unit = byHour ? "hour" : "minute"
        var select: [String] = []
        for (i, key) in keys.enumerated() {
            let expression: String
            switch key {
            case .source: expression = source
            case .service: expression = "d.service"
            case .subset: expression = "d.subset"
            case .reporter: expression = "nullif(s.reporter, 0)"
            case .flag: expression = "coalesce(fs.flag, '-')"
            case .code: expression = "nullif(s.status, -1)"
            case .minute: expression = "s.minute * 60000000"
            case .hour: expression = byHour ? "s.hour * 3600000000" : "(s.minute / 60) * 3600000000"
            case .route, .tls, .identity: expression = "NULL"
            }
            select.append("\(expression) AS k\(i)")
        }
        if byHour {
            func when(_ condition: String) -> String { "sum(CASE WHEN \(condition) THEN s.requests ELSE 0 END)" }
            let error = filter.includeInjected ? "s.status >= 500 OR s.status = 0"
                : "(s.status >= 500 OR s.status = 0) AND NOT \(AnswerQueries.isInjectedFailure("s"))"
            select += [
                "sum(s.requests) AS requests",
                "\(when(error)) AS errors",
                "\(when("s.status = 0")) AS no_response",
                "\(when("s.status BETWEEN 100 AND 199")) AS c1xx",
                "\(when("s.status BETWEEN 200 AND 299")) AS c2xx",
                "\(when("s.status BETWEEN 300 AND 399")) AS c3xx",
                "\(when("s.status BETWEEN 400 AND 499")) AS c4xx",
                "\(when("s.status BETWEEN 500 AND 599")) AS c5xx",
                "\(when("s.flags = 0")) AS unflagged",
                "\(when(AnswerQueries.isInjected("s"))) AS injected",
            ]
        } else {
            select += ["sum(s.requests) AS requests", "sum(\(errors(filter))) AS errors", "sum(s.no_response) AS no_response",
                       "sum(s.c1xx) AS c1xx", "sum(s.c2xx) AS c2xx", "sum(s.c3xx) AS c3xx", "sum(s.c4xx) AS c4xx",
                       "sum(s.c5xx) AS c5xx", "sum(s.unflagged) AS unflagged", "sum(s.injected) AS injected"]
        }
        var sql = "WITH \(AnswerQueries.workloadCTE),\n\(callerCTE)\n"
        sql += "SELECT " + select.joined(separator: ",\n  ") + "\nFROM \(table)\n" + joins
        if keys.contains(.flag) { sql += "\nLEFT JOIN flag_set fs ON fs.flags = s.flags" }
        sql += "\n" + AnswerQueries.whereClause([Self.side(side)] + conditions(filter, serviceIDs: serviceIDs, unit: unit))
        if !keys.isEmpty { sql += "\nGROUP BY " + keys.indices.map { "k\($0)" }.joined(separator: ", ") }
        sql += "\nORDER BY requests DESC"
        return sql
    }

    /// ``AnswerQueries/count(side:filter:serviceIDs:check:)`` from the summaries.
    public static func count(side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?) -> String {
        """
        WITH \(AnswerQueries.workloadCTE),
        \(callerCTE)
        SELECT sum(s.requests) AS requests FROM \(minuteRows(filter, bucketMicros: 60_000_000, histograms: false))
        \(joins)
        \(AnswerQueries.whereClause([Self.side(side)] + conditions(filter, serviceIDs: serviceIDs, unit: "minute")))
        """
    }

    /// The summary rows of the filter with their edge: `source, service, subset, inbound, known`
    /// (inbound from a pod in the store), `outbound`, `reporter` (0 when unknown), `requests, errors, duration, upstream, injected`.
    static func edgeRows(filter: AnswerFilter, serviceIDs: [Int64]?, byValue: Bool) -> String {
        func column(_ name: String) -> String { byValue ? "(SELECT value FROM dict WHERE id = \(name))" : name }
        return """
        rows AS MATERIALIZED (
          SELECT \(source) AS source, \(column("d.service")) AS service, \(column("d.subset")) AS subset,
            coalesce(d.direction = 1, 0) AS inbound, c.ip IS NOT NULL AS known, coalesce(d.direction = 2, 0) AS outbound,
            s.reporter AS reporter, s.requests AS requests, \(errors(filter)) AS errors, s.duration AS duration, s.upstream AS upstream,
            s.injected AS injected
          FROM \(minuteRows(filter))
          \(joins.replacingOccurrences(of: "\n", with: "\n  "))
          \(AnswerQueries.whereClause(conditions(filter, serviceIDs: serviceIDs, unit: "minute")))
        )
        """
    }

    /// ``AnswerQueries/hops(filter:serviceIDs:byValue:check:)`` from the summaries: the same columns.
    /// `overhead_*` is client minus server at each percentile.
    public static func hops(filter: AnswerFilter, serviceIDs: [Int64]?, byValue: Bool = false) -> String {
        func column(_ name: String) -> String { byValue ? "(SELECT value FROM dict WHERE id = \(name))" : name }
        func percentiles(_ h: String) -> [String] {
            ["hist_percentile(\(h), 0.5)", "hist_percentile(\(h), 0.9)", "hist_percentile(\(h), 0.99)", "hist_max(\(h))"]
        }
        let overhead = zip(percentiles("client"), percentiles("server")).map { "\($0) - \($1)" }
        let values = (["requests", "errors", "matched"] + percentiles("client") + percentiles("server") + overhead
            + percentiles("upstream") + ["injected"]).joined(separator: ", ")
        let hopFlags = "(d.direction = 2 OR d.direction IS NULL OR (d.direction = 1 AND c.ip IS NULL))"
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(callerCTE),
            \(edgeRows(filter: filter, serviceIDs: serviceIDs, byValue: byValue)),
            edge AS (
              SELECT source, service, subset,
                sum(CASE WHEN inbound AND known THEN 0 ELSE requests END) AS requests,
                sum(CASE WHEN inbound AND known THEN 0 ELSE errors END) AS errors,
                sum(CASE WHEN inbound THEN requests ELSE 0 END) AS matched,
                hist_merge(CASE WHEN inbound THEN NULL ELSE duration END) AS client,
                hist_merge(CASE WHEN inbound THEN duration END) AS server,
                hist_merge(CASE WHEN inbound THEN upstream END) AS upstream,
                sum(CASE WHEN inbound AND known THEN 0 ELSE injected END) AS injected
              FROM rows GROUP BY source, service, subset
            )
            SELECT 'edge' AS kind, source, service, subset, NULL AS flags, \(values)
            FROM edge WHERE requests > 0
            UNION ALL
            SELECT 'flags', \(source), \(column("d.service")), \(column("d.subset")), \(column("s.flags")), sum(s.requests)\(String(repeating: ", NULL", count: 19))
            FROM summary_hour s
            \(joins)
            \(AnswerQueries.whereClause([hopFlags, "s.flags <> 0"] + conditions(hourFilter(filter), serviceIDs: serviceIDs, unit: "hour")))
            GROUP BY 2, 3, 4, 5
            """
    }

    /// The filter widened to whole hours (flag counts come from `summary_hour`).
    static func hourFilter(_ filter: AnswerFilter) -> AnswerFilter {
        var f = filter
        let hour: Int64 = 3_600_000_000
        f.sinceMicros = filter.sinceMicros.map { ($0 / hour) * hour }
        f.untilMicros = filter.untilMicros.map { (($0 + hour - 1) / hour) * hour }
        return f
    }

    /// ``AnswerQueries/timeline(bucketMicros:side:filter:serviceIDs:check:)`` from the summaries
    /// (`bucketMicros` a whole number of minutes).
    public static func timeline(bucketMicros: Int64, side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?) -> String {
        """
        WITH \(AnswerQueries.workloadCTE),
        \(callerCTE)
        SELECT (s.minute * 60000000 / \(bucketMicros)) * \(bucketMicros) AS bucket_us,
          sum(s.requests) AS requests,
          sum(\(errors(filter))) AS errors,
          hist_percentile(hist_merge(s.duration), 0.99) AS p99_ms
        FROM \(minuteRows(filter, bucketMicros: bucketMicros))
        \(joins)
        \(AnswerQueries.whereClause([Self.side(side), "s.minute >= 0"] + conditions(filter, serviceIDs: serviceIDs, unit: "minute")))
        GROUP BY bucket_us
        ORDER BY bucket_us
        """
    }

    /// ``AnswerQueries/workloadServices(filter:)`` from the summaries.
    public static func workloadServices(filter: AnswerFilter) -> String {
        var timeOnly = filter
        timeOnly.services = nil
        return """
            WITH \(AnswerQueries.workloadCTE),
            counted AS (
              SELECT s.reporter, d.service, sum(s.requests) AS n FROM \(minuteRows(timeOnly, histograms: false)) CROSS JOIN destination d ON d.id = s.dest
              \(AnswerQueries.whereClause(["d.direction = 1", "d.service IS NOT NULL", "s.reporter <> 0"] + conditions(timeOnly, serviceIDs: nil, unit: "minute")))
              GROUP BY 1, 2
            )
            SELECT \(AnswerQueries.workloadName("w", reporter: "c.reporter")) AS workload, v.value AS service, sum(c.n) AS n
            FROM counted c LEFT JOIN workload w ON w.id = c.reporter JOIN dict v ON v.id = c.service
            GROUP BY 1, 2
            """
    }

    /// ``AnswerQueries/graphEdges(filter:serviceIDs:byValue:check:)`` from the summaries.
    public static func graphEdges(filter: AnswerFilter, serviceIDs: [Int64]?, byValue: Bool = false) -> String {
        func column(_ name: String) -> String { byValue ? "(SELECT value FROM dict WHERE id = \(name))" : name }
        return """
            WITH \(AnswerQueries.workloadCTE),
            \(callerCTE),
            \(edgeRows(filter: filter, serviceIDs: serviceIDs, byValue: byValue))
            SELECT source, service, subset,
              sum(requests) AS requests, sum(errors) AS errors, hist_percentile(hist_merge(duration), 0.99) AS p99_ms
            FROM rows WHERE NOT (inbound AND known)
            GROUP BY 1, 2, 3
            """
    }
}
