/// What `meshlog compare` compares row by row.
public enum CompareGrouping: String, CaseIterable, Sendable {
    /// Caller workload → destination service (and subset), as `hops` forms edges.
    case edge
    /// Destination service and route template (read from the lines: the summaries keep no routes).
    case route
    /// Destination service.
    case service
}

/// One group of hops on one side of a comparison: how many, how many failed, and the exact
/// histogram of their durations (whole milliseconds as the hop side saw them).
public struct CompareGroup: Sendable {
    /// The caller's workload (edges only), or `(outside mesh)`.
    public var source: String?
    public var service: String?
    /// The destination subset (edges outside canary mode only).
    public var subset: String?
    /// The route template (`--by route` only).
    public var route: String?
    public var requests: Int
    /// Hops with status 5xx or 0 (no response).
    public var errors: Int
    /// Every hop's duration (ms) with its count.
    public var durations: ValueHistogram
    /// Failing status codes (5xx, 0) with their counts.
    public var errorCodes: [Int: Int]

    public init(source: String?, service: String?, subset: String?, route: String?, requests: Int, errors: Int,
                durations: ValueHistogram, errorCodes: [Int: Int] = [:]) {
        self.source = source
        self.service = service
        self.subset = subset
        self.route = route
        self.requests = requests
        self.errors = errors
        self.durations = durations
        self.errorCodes = errorCodes
    }
}

/// The SQL of `meshlog compare`: per group, the requests, errors and exact duration histogram of
/// one side's hops, from the summaries (`summary_hour_latency` over whole hours, `summary_minute`
/// over whole minutes) or from the lines. Each hop counts once, as in ``TrafficSide/hop``: the
/// caller's outbound line, or the inbound line when the caller is not a pod in the store.
///
/// Columns of ``groups(by:filter:serviceIDs:subsetIDs:summaries:)``: `source, service, subset,
/// route` (dictionary ids, text for `source`; NULL where the grouping has no such key),
/// `requests, errors, durations` (a ``ValueHistogram`` blob). Columns of
/// ``errorCodes(by:filter:serviceIDs:subsetIDs:summaries:)``: the same four keys, `status, requests`.
public enum CompareQueries {
    /// The key expressions (source, service, subset, route) for a grouping.
    static func keys(_ by: CompareGrouping, keepSubset: Bool, source: String, e: String) -> [String] {
        switch by {
        case .edge: [source, "\(e).service", keepSubset ? "\(e).subset" : "NULL", "NULL"]
        case .service: ["NULL", "\(e).service", "NULL", "NULL"]
        case .route: ["NULL", "\(e).service", "NULL", "\(e).route"]
        }
    }

    /// The condition keeping only the given destination subsets (dictionary ids), or nil.
    static func subsetCondition(_ ids: [Int64]?, names: [String]?, _ column: String) -> String? {
        guard let ids else { return nil }
        let shown = (names ?? []).joined(separator: ", ").replacingStars()
        return "\(column) IN (\(ids.map(String.init).joined(separator: ", "))) /* \(shown) */"
    }

    /// Whether the summaries can answer `by` over `filter`.
    public static func canServe(by: CompareGrouping, filter: AnswerFilter) -> Bool {
        by != .route && !filter.exact && SummaryQueries.canServe(filter: filter)
    }

    /// Requests, errors and the duration histogram per group of one side.
    ///
    /// - Parameters:
    ///   - serviceIDs: dictionary ids of the filter's services (nil: every service).
    ///   - subsetIDs, subsets: dictionary ids and names of the subsets the side keeps (nil: every subset);
    ///     with subsets the edge key leaves the subset out, so both sides of a canary line up.
    ///   - summaries: read the summary tables (check ``canServe(by:filter:)``).
    public static func groups(by: CompareGrouping, filter: AnswerFilter, serviceIDs: [Int64]?, subsetIDs: [Int64]?,
                              subsets: [String]? = nil, summaries: Bool) -> String {
        grouped(by: by, filter: filter, serviceIDs: serviceIDs, subsetIDs: subsetIDs, subsets: subsets, summaries: summaries,
                summary: (columns: "sum(s.requests) AS requests, sum(\(SummaryQueries.errors(filter))) AS errors, hist_merge(s.duration) AS durations",
                          from: SummaryQueries.minuteRows(filter), unit: "minute", conditions: []),
                lines: (columns: "count(*) AS requests, sum(\(AnswerQueries.isError("e", filter))) AS errors, hist(e.duration_ms) AS durations",
                        conditions: []),
                extraKeys: 0)
    }

    /// The failing status codes (5xx, and 0: no response) per group of one side, with their counts.
    /// From `summary_hour` when the window falls on whole hours, else from the lines.
    public static func errorCodes(by: CompareGrouping, filter: AnswerFilter, serviceIDs: [Int64]?, subsetIDs: [Int64]?,
                                  subsets: [String]? = nil, summaries: Bool) -> String {
        grouped(by: by, filter: filter, serviceIDs: serviceIDs, subsetIDs: subsetIDs, subsets: subsets, summaries: summaries,
                summary: (columns: "s.status AS status, sum(s.requests) AS requests", from: "summary_hour s", unit: "hour",
                          conditions: ["(s.status >= 500 OR s.status = 0)"] + (filter.includeInjected ? [] : ["NOT \(AnswerQueries.isInjectedFailure("s"))"])),
                lines: (columns: "e.status AS status, count(*) AS requests", conditions: [AnswerQueries.isError("e", filter)]),
                extraKeys: 1)
    }

    /// One side's hop-side lines grouped by the comparison's key (`source, service, subset, route`,
    /// then `extraKeys` more of the columns), from summary rows `s` or from the lines.
    private static func grouped(by: CompareGrouping, filter: AnswerFilter, serviceIDs: [Int64]?, subsetIDs: [Int64]?,
                                subsets: [String]?, summaries: Bool,
                                summary: (columns: String, from: String, unit: String, conditions: [String]),
                                lines: (columns: String, conditions: [String]), extraKeys: Int) -> String {
        let keepSubset = subsetIDs == nil
        let groupBy = "GROUP BY " + (1...(4 + extraKeys)).map(String.init).joined(separator: ", ")
        if summaries {
            let k = keys(by, keepSubset: keepSubset, source: SummaryQueries.source, e: "d")
            return """
                WITH \(AnswerQueries.workloadCTE),
                \(SummaryQueries.callerCTE)
                SELECT \(k[0]) AS source, \(k[1]) AS service, \(k[2]) AS subset, \(k[3]) AS route,
                  \(summary.columns)
                FROM \(summary.from)
                \(SummaryQueries.joins)
                \(AnswerQueries.whereClause([SummaryQueries.side(.hop)] + summary.conditions + [subsetCondition(subsetIDs, names: subsets, "d.subset")]
                    + SummaryQueries.conditions(filter, serviceIDs: serviceIDs, unit: summary.unit)))
                \(groupBy)
                """
        }
        let source = "CASE WHEN e.direction = 1 THEN '\(AnswerQueries.outsideMesh)' ELSE \(AnswerQueries.workloadName("w", reporter: "e.reporter")) END"
        let k = keys(by, keepSubset: keepSubset, source: source, e: "e")
        return """
            WITH \(AnswerQueries.workloadCTE)
            SELECT \(k[0]) AS source, \(k[1]) AS service, \(k[2]) AS subset, \(k[3]) AS route,
              \(lines.columns)
            FROM log_entry e
            LEFT JOIN workload w ON w.id = e.reporter
            \(AnswerQueries.whereClause([AnswerQueries.side(.hop, .allCallers)] + lines.conditions + [subsetCondition(subsetIDs, names: subsets, "e.subset")]
                + AnswerQueries.conditions(filter, serviceIDs: serviceIDs)))
            \(groupBy)
            """
    }
}
