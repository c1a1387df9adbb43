import Foundation

/// The SQL behind `meshlog status`, `hops`, `timeline`, `slow` and `graph`: every statement the
/// answers run is built here, with its values written in as literals so that `--explain` prints
/// text that `meshlog sql` runs unchanged.
///
/// The statements read `log_entry` directly and filter on its integer columns (dictionary ids,
/// `start_us`, `status`); names are looked up in `dict` only for the result rows. The public
/// view `access_log` says the same in words, row by row, at a much higher cost.
public enum AnswerQueries {
    /// The characters of one dash-separated part of a Kubernetes pod name.
    static let namePartCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

    /// SQL for the workload of a pod name: the name less its last two dash-separated parts
    /// (the ReplicaSet hash and the pod suffix), `course-v1-7c9d8f6b5-x2kqp` → `course-v1`.
    /// Names with fewer than two dashes are their own workload.
    public static func workload(of pod: String) -> String {
        let set = "'\(namePartCharacters)'"
        return "CASE WHEN length(\(pod)) - length(replace(\(pod), '-', '')) >= 2 "
            + "THEN rtrim(rtrim(rtrim(rtrim(\(pod), \(set)), '-'), \(set)), '-') ELSE \(pod) END"
    }

    /// A common table expression `workload(id, name)`: each reporter's workload as ingest recorded
    /// it in `pod`. Stores ingested before `pod` existed lack rows there; ``workloadName(_:reporter:)``
    /// falls back to the pod name for those.
    static let workloadCTE = """
        workload(id, name) AS MATERIALIZED (SELECT reporter, workload FROM pod)
        """

    /// The workload of a line: `w.name` from ``workloadCTE`` joined on the reporter, else derived from the pod name.
    static func workloadName(_ w: String, reporter: String) -> String {
        "coalesce(\(w).name, (SELECT \(workload(of: "value")) FROM dict WHERE id = \(reporter)))"
    }

    /// The label for callers that logged nothing (requests from outside the mesh or from pods without a sidecar).
    public static let outsideMesh = "(outside mesh)"

    /// The `flags` ids whose set holds a fault Envoy injected on purpose: `FI` (an abort, details
    /// `fault_filter_abort`) or `DI` (a delay).
    static let injectedFlagIDs = "(SELECT flags FROM flag_set WHERE flag IN ('FI', 'DI'))"
    /// The `flags` ids whose set holds an injected abort (`FI`).
    static let abortFlagIDs = "(SELECT flags FROM flag_set WHERE flag = 'FI')"
    /// The `flags` ids whose set holds an injected delay (`DI`).
    static let delayFlagIDs = "(SELECT flags FROM flag_set WHERE flag = 'DI')"

    /// Whether line (or summary row) `e` carries a fault Envoy injected on purpose (0 or 1).
    public static func isInjected(_ e: String) -> String { "coalesce(\(e).flags IN \(injectedFlagIDs), 0)" }

    /// Whether the failure of line (or summary row) `e` is the injected fault's doing (0 or 1): an abort (`FI`),
    /// or a delay (`DI`) that ran into a timeout or a reset (504, or no response). A delayed call whose callee
    /// then failed on its own (a 500 from the app, `DI` and `via_upstream`) is a real failure.
    public static func isInjectedFailure(_ e: String) -> String {
        "(coalesce(\(e).flags IN \(abortFlagIDs), 0) OR (coalesce(\(e).flags IN \(delayFlagIDs), 0) AND \(e).status IN (0, 504)))"
    }

    /// Errors: 5xx, and 0 (no response was ever sent); not the failures Envoy injected on purpose unless
    /// the filter includes them.
    static func isError(_ e: String, _ filter: AnswerFilter) -> String {
        filter.includeInjected ? "(\(e).status >= 500 OR \(e).status = 0)"
            : "((\(e).status >= 500 OR \(e).status = 0) AND NOT \(isInjectedFailure(e)))"
    }

    /// SQL for the host part of an address: the IP of a packed IPv4 address (`ip << 16 | port`),
    /// or the text without its `:port` (`[2001:db8::1]:5000` → `[2001:db8::1]`).
    public static func host(_ address: String) -> String {
        "CASE WHEN typeof(\(address)) = 'integer' THEN \(address) >> 16 ELSE rtrim(rtrim(\(address), '0123456789'), ':') END"
    }

    /// Whether outbound line `o` is the caller's side of inbound line `i`: same request (`req`), and
    /// the inbound peer is the caller's host (its connection address, or for a retry sent on
    /// another connection, the same pod IP).
    static func isPartner(outbound o: String, inbound i: String) -> String {
        "\(o).req = \(i).req AND \(o).direction = 2 AND \(host("\(o).upstream_local")) = \(host("\(i).downstream_remote"))"
    }

    /// How to look up the other side of a hop (the caller's line for an inbound line, the callee's
    /// line for an outbound one).
    public enum PartnerCheck: Sendable {
        /// Read every line of the other side once into a temporary index (`NOT IN`, a materialized
        /// table): best when most of the store is read.
        case allCallers
        /// Look each line up through the `req` index: best for a narrow filter.
        case perLine
    }

    /// True for an inbound line `i` whose caller logged nothing: its peer address is not a pod in
    /// the store (`pod_ip`), so no outbound line of the caller's describes the hop. The same rule
    /// as the summaries (``SummaryQueries``), so both count the same hops.
    static func hasNoPartner(_ i: String, _ check: PartnerCheck) -> String {
        "(typeof(\(i).downstream_remote) <> 'integer' OR (\(i).downstream_remote >> 16) NOT IN (SELECT ip FROM pod_ip))"
    }

    /// The lines of `side`, as a condition on `e`.
    static func side(_ side: TrafficSide, _ check: PartnerCheck, _ e: String = "e") -> String? {
        switch side {
        case .hop: "(\(e).direction = 2 OR \(e).direction IS NULL OR (\(e).direction = 1 AND \(hasNoPartner(e, check))))"
        case .inbound: "\(e).direction = 1"
        case .outbound: "\(e).direction = 2"
        case .both: nil
        }
    }

    /// The filter as conditions on `e`; `serviceIDs` are the dictionary ids of the filter's services.
    static func conditions(_ filter: AnswerFilter, serviceIDs: [Int64]?, _ e: String = "e") -> [String] {
        var out: [String] = []
        if let since = filter.sinceMicros { out.append("\(e).start_us >= \(since)") }
        if let until = filter.untilMicros { out.append("\(e).start_us < \(until)") }
        if let ids = serviceIDs {
            let names = (filter.services ?? []).joined(separator: ", ")
            out.append("\(e).service IN (\(ids.map(String.init).joined(separator: ", "))) /* \(names.replacingStars()) */")
        }
        return out
    }

    static func whereClause(_ parts: [String?]) -> String {
        let kept = parts.compactMap { $0 }
        return kept.isEmpty ? "" : "WHERE " + kept.joined(separator: "\n  AND ")
    }

    // MARK: - status

    /// The SQL expression of a group key over line `e`. Dictionary columns group by id: counts
    /// of ids that name the same value add up, so the reader merges them after resolving names.
    static func keyExpression(_ key: GroupKey, side: TrafficSide) -> String {
        func column(_ name: String) -> String { "e.\(name)" }
        switch key {
        case .source:
            // Inbound lines: the caller's workload if it logged its side, else outside the mesh.
            let caller: String
            if side == .hop {
                caller = "'\(outsideMesh)'"
            } else {
                caller = "coalesce((SELECT \(workloadName("wc", reporter: "pi.reporter")) FROM pod_ip pi "
                    + "LEFT JOIN workload wc ON wc.id = pi.reporter WHERE typeof(e.downstream_remote) = 'integer' "
                    + "AND pi.ip = e.downstream_remote >> 16), '\(outsideMesh)')"
            }
            return "CASE WHEN e.direction = 1 THEN \(caller) ELSE \(workloadName("w", reporter: "e.reporter")) END"
        case .service: return column("service")
        case .subset: return column("subset")
        case .route: return column("route")
        case .reporter: return column("reporter")
        case .flag: return "coalesce(fs.flag, '-')"
        case .code: return "e.status"
        case .minute: return "(e.start_us / 60000000) * 60000000"
        case .hour: return "(e.start_us / 3600000000) * 3600000000"
        case .tls:
            // A verified spiffe:// client certificate proves the mesh's mTLS whatever the SNI (see ``TLSClass``).
            return """
                CASE WHEN e.direction = 1 THEN CASE
                  WHEN e.sni IS NOT NULL AND (SELECT value FROM dict WHERE id = e.sni) LIKE 'outbound\\_.%' ESCAPE '\\' THEN '\(TLSClass.mesh.rawValue)'
                  WHEN e.extra IS NOT NULL AND \(StoreSchema.peerIdentity("e")) LIKE 'spiffe://%' THEN '\(TLSClass.mesh.rawValue)'
                  WHEN e.sni IS NULL THEN '\(TLSClass.plaintext.rawValue)'
                  ELSE '\(TLSClass.otherSNI.rawValue)' END
                WHEN e.transport_failure IS NOT NULL THEN '\(TLSClass.failurePrefix)' || (SELECT value FROM dict WHERE id = e.transport_failure)
                ELSE '\(TLSClass.outbound.rawValue)' END
                """
        case .identity:
            return """
                CASE WHEN e.direction = 1 THEN coalesce(\(StoreSchema.peerIdentity("e")), '\(CallerIdentity.none)')
                ELSE '\(CallerIdentity.outbound)' END
                """
        }
    }

    /// Requests, errors and status classes grouped by `keys`.
    ///
    /// Columns: one per key (`k0`, `k1`, …), then `requests, errors, no_response, c1xx, c2xx,
    /// c3xx, c4xx, c5xx, unflagged, injected`.
    public static func status(keys: [GroupKey], side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?,
                              check: PartnerCheck = .allCallers) -> String {
        let needsWorkload = keys.contains(.source)
        var select: [String] = []
        for (i, key) in keys.enumerated() {
            select.append("\(keyExpression(key, side: side)) AS k\(i)")
        }
        select += [
            "count(*) AS requests",
            "sum(\(isError("e", filter))) AS errors",
            "sum(e.status = 0) AS no_response",
            "sum(e.status BETWEEN 100 AND 199) AS c1xx",
            "sum(e.status BETWEEN 200 AND 299) AS c2xx",
            "sum(e.status BETWEEN 300 AND 399) AS c3xx",
            "sum(e.status BETWEEN 400 AND 499) AS c4xx",
            "sum(e.status BETWEEN 500 AND 599) AS c5xx",
            "sum(e.flags IS NULL) AS unflagged",
            "sum(\(isInjected("e"))) AS injected",
        ]
        var sql = needsWorkload ? "WITH \(workloadCTE)\n" : ""
        sql += "SELECT " + select.joined(separator: ",\n  ") + "\nFROM log_entry e"
        if needsWorkload { sql += "\nLEFT JOIN workload w ON w.id = e.reporter" }
        if keys.contains(.flag) { sql += "\nLEFT JOIN flag_set fs ON fs.flags = e.flags" }
        sql += "\n" + whereClause([Self.side(side, check)] + conditions(filter, serviceIDs: serviceIDs))
        if !keys.isEmpty {
            sql += "\nGROUP BY " + keys.indices.map { "k\($0)" }.joined(separator: ", ")
        }
        sql += "\nORDER BY requests DESC"
        return sql
    }

    /// The number of lines matching side and filter (the base of `share` when grouping by flag).
    public static func count(side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?,
                             check: PartnerCheck = .allCallers) -> String {
        "SELECT count(*) AS requests FROM log_entry e\n"
            + whereClause([Self.side(side, check)] + conditions(filter, serviceIDs: serviceIDs))
    }

    // MARK: - hops

    /// The percentile columns of one measure: `<name>_p50, _p90, _p99, _max`.
    static func percentiles(_ expr: String, _ name: String) -> [String] {
        ["percentile(\(expr), 0.5) AS \(name)_p50",
         "percentile(\(expr), 0.9) AS \(name)_p90",
         "percentile(\(expr), 0.99) AS \(name)_p99",
         "max(\(expr)) AS \(name)_max"]
    }

    /// Per caller workload → destination service/subset: requests, errors, and p50/p90/p99/max
    /// of client, server, overhead and upstream (the callee's app) time; and the response flag
    /// combinations per edge.
    ///
    /// As Istio's metrics do, each side reports what it saw: the client side is the caller's
    /// outbound lines, the server side the callee's inbound lines from that caller (each retry
    /// attempt is one), `matched` counts those, and the overhead (sidecars, mTLS and network) is
    /// the client minus the server duration at each percentile. Requests and errors count each
    /// hop once (``side(_:_:_:)`` `.hop`). The summaries give the same numbers (``SummaryQueries``).
    ///
    /// Rows of `kind = 'edge'`: `kind, source, service, subset, flags` (NULL), `requests, errors,
    /// matched`, then `client_*`, `server_*`, `overhead_*`, `upstream_*` (`p50, p90, p99, max`), then `injected`.
    /// Rows of `kind = 'flags'`: the same first five columns and `requests`, the rest NULL.
    /// Service, subset and flags are dictionary ids, or text with `byValue`. Hops from outside the
    /// mesh (inbound lines whose caller logged nothing) have source `(outside mesh)` and no client side.
    public static func hops(filter: AnswerFilter, serviceIDs: [Int64]?, byValue: Bool = false,
                            check: PartnerCheck = .allCallers) -> String {
        func column(_ name: String) -> String { byValue ? "(SELECT value FROM dict WHERE id = \(name))" : name }
        func percentiles(_ expr: String) -> [String] {
            ["percentile(\(expr), 0.5)", "percentile(\(expr), 0.9)", "percentile(\(expr), 0.99)", "max(\(expr))"]
        }
        let client = "CASE WHEN inbound THEN NULL ELSE duration_ms END"
        let server = "CASE WHEN inbound THEN duration_ms END"
        let overhead = zip(percentiles(client), percentiles(server)).map { "\($0) - \($1)" }
        let values = ["sum(CASE WHEN inbound AND known THEN 0 ELSE 1 END) AS requests",
                      "sum(CASE WHEN inbound AND known THEN 0 ELSE error END) AS errors",
                      "sum(inbound) AS matched"]
            + percentiles(client) + percentiles(server) + overhead + percentiles("CASE WHEN inbound THEN upstream_ms END")
            + ["sum(CASE WHEN inbound AND known THEN 0 ELSE injected END) AS injected"]
        return """
            WITH \(workloadCTE),
            \(SummaryQueries.callerCTE),
            hop AS MATERIALIZED (
              SELECT CASE WHEN e.direction = 1 THEN coalesce(c.name, '\(outsideMesh)') ELSE \(workloadName("w", reporter: "e.reporter")) END AS source,
                \(column("e.service")) AS service, \(column("e.subset")) AS subset, \(column("e.flags")) AS flags, \(isError("e", filter)) AS error,
                \(isInjected("e")) AS injected,
                coalesce(e.direction = 1, 0) AS inbound, c.ip IS NOT NULL AS known, e.duration_ms AS duration_ms, e.upstream_ms AS upstream_ms
              FROM log_entry e
              LEFT JOIN workload w ON w.id = e.reporter
              LEFT JOIN caller c ON c.ip = e.downstream_remote >> 16 AND e.direction = 1 AND typeof(e.downstream_remote) = 'integer'
              \(whereClause(conditions(filter, serviceIDs: serviceIDs)))
            )
            SELECT 'edge' AS kind, source, service, subset, NULL AS flags,
              \(values.joined(separator: ",\n  "))
            FROM hop GROUP BY hop.source, hop.service, hop.subset
            HAVING sum(CASE WHEN inbound AND known THEN 0 ELSE 1 END) > 0
            UNION ALL
            SELECT 'flags', source, service, subset, flags, count(*)\(String(repeating: ", NULL", count: 19))
            FROM hop
            WHERE flags IS NOT NULL AND NOT (inbound AND known)
            GROUP BY hop.source, hop.service, hop.subset, hop.flags
            """
    }

    // MARK: - timeline

    /// Requests, errors and exact p99 duration per bucket of `bucketMicros`, aligned to the epoch.
    ///
    /// Columns: `bucket_us, requests, errors, p99_ms`.
    public static func timeline(bucketMicros: Int64, side: TrafficSide, filter: AnswerFilter, serviceIDs: [Int64]?,
                                check: PartnerCheck = .allCallers) -> String {
        """
        SELECT (e.start_us / \(bucketMicros)) * \(bucketMicros) AS bucket_us,
          count(*) AS requests,
          sum(\(isError("e", filter))) AS errors,
          percentile(e.duration_ms, 0.99) AS p99_ms
        FROM log_entry e
        \(whereClause([Self.side(side, check), "e.start_us IS NOT NULL"] + conditions(filter, serviceIDs: serviceIDs)))
        GROUP BY bucket_us
        ORDER BY bucket_us
        """
    }

    /// The first and last start time in the store (two seeks per destination).
    public static let span = StoreSchema.startBounds
    /// The newest start time of an access-log line or a span (0 when the store is empty): the
    /// "now" that relative `--since`/`--until` count back from.
    public static let newestStart = """
        SELECT max(coalesce((SELECT max(last_us) FROM (\(StoreSchema.startBounds))), 0),
                   coalesce((SELECT max(start_us) FROM span_entry), 0))
        """

    // MARK: - slow

    /// The `limit` longest lines with a request id: candidates for the slowest requests.
    ///
    /// Columns: `req` (the `request` id), `duration_ms`.
    public static func longestLines(limit: Int, filter: AnswerFilter, serviceIDs: [Int64]?) -> String {
        """
        SELECT e.req, e.duration_ms FROM log_entry e
        \(whereClause(["e.req IS NOT NULL", "e.duration_ms IS NOT NULL"] + conditions(filter, serviceIDs: serviceIDs)))
        ORDER BY e.duration_ms DESC
        LIMIT \(limit)
        """
    }

    /// The edge-most line of request `req` among the lines the filter keeps: earliest start, then
    /// longest, then outbound before inbound (a gateway's line before the sidecar behind it).
    ///
    /// Columns: `id, duration_ms`.
    public static func edgeLine(req: SQLValue, filter: AnswerFilter, serviceIDs: [Int64]?) -> String {
        """
        SELECT e.id, e.duration_ms FROM log_entry e
        \(whereClause(["e.req = \(req)", "e.duration_ms IS NOT NULL"] + conditions(filter, serviceIDs: serviceIDs)))
        ORDER BY e.start_us, e.duration_ms DESC, coalesce(e.direction, 3) DESC
        LIMIT 1
        """
    }

    /// Every line of request `req`, by start time, with names resolved.
    ///
    /// Columns: `id, reporter, workload, direction, method, path, route, status, flags, service,
    /// subset, start_us, duration_ms, upstream_ms, upstream_local, downstream_remote, request_id`.
    public static func requestLines(req: SQLValue) -> String {
        func name(_ column: String) -> String { "(SELECT value FROM dict WHERE id = e.\(column))" }
        return """
            SELECT e.id, \(name("reporter")) AS reporter,
              coalesce((SELECT workload FROM pod WHERE reporter = e.reporter),
                       (SELECT \(workload(of: "value")) FROM dict WHERE id = e.reporter)) AS workload,
              e.direction, \(name("method")) AS method, \(StoreSchema.dictOrText("path")) AS path, \(name("route")) AS route,
              e.status, \(name("flags")) AS flags, \(name("service")) AS service, \(name("subset")) AS subset,
              e.start_us, e.duration_ms, e.upstream_ms, e.upstream_local, e.downstream_remote,
              (SELECT \(StoreSchema.uuid("r.rid")) FROM request r WHERE r.id = e.req) AS request_id
            FROM log_entry e
            WHERE e.req = \(req)
            ORDER BY e.start_us, e.duration_ms DESC, coalesce(e.direction, 3) DESC, e.id
            """
    }

    // MARK: - graph

    /// Per caller workload → destination service/subset: requests, errors and the exact p99 of the
    /// caller-side duration; hops from outside the mesh are timed by the callee.
    ///
    /// Columns: `source, service, subset` (ids, or text with `byValue`), `requests, errors, p99_ms`.
    public static func graphEdges(filter: AnswerFilter, serviceIDs: [Int64]?, byValue: Bool = false,
                                  check: PartnerCheck = .allCallers) -> String {
        let service = byValue ? "(SELECT value FROM dict WHERE id = e.service)" : "e.service"
        let subset = byValue ? "(SELECT value FROM dict WHERE id = e.subset)" : "e.subset"
        return """
            WITH \(workloadCTE)
            SELECT \(workloadName("w", reporter: "e.reporter")) AS source, \(service) AS service, \(subset) AS subset,
              count(*) AS requests, sum(\(isError("e", filter))) AS errors, percentile(e.duration_ms, 0.99) AS p99_ms
            FROM log_entry e LEFT JOIN workload w ON w.id = e.reporter
            \(whereClause(["(e.direction = 2 OR e.direction IS NULL)"] + conditions(filter, serviceIDs: serviceIDs)))
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT '\(outsideMesh)', \(service), \(subset),
              count(*), sum(\(isError("e", filter))), percentile(e.duration_ms, 0.99)
            FROM log_entry e
            \(whereClause(["e.direction = 1", hasNoPartner("e", check)] + conditions(filter, serviceIDs: serviceIDs)))
            GROUP BY 2, 3
            """
    }

    /// Which service each workload serves, from the service names on its inbound lines.
    ///
    /// Columns: `workload, service` (text), `n`.
    public static func workloadServices(filter: AnswerFilter) -> String {
        var timeOnly = filter
        timeOnly.services = nil
        return """
            WITH \(workloadCTE),
            counted AS (
              SELECT e.reporter, e.service, count(*) AS n FROM log_entry e
              \(whereClause(["e.direction = 1", "e.service IS NOT NULL"] + conditions(timeOnly, serviceIDs: nil)))
              GROUP BY 1, 2
            )
            SELECT \(workloadName("w", reporter: "c.reporter")) AS workload, d.value AS service, sum(c.n) AS n
            FROM counted c LEFT JOIN workload w ON w.id = c.reporter JOIN dict d ON d.id = c.service
            GROUP BY 1, 2
            """
    }

    // MARK: - dictionary

    /// The ids under which `count` values are stored (a value can have several ids); the values
    /// are bound to its `?` parameters, never written into the text.
    public static func dictionaryIDs(count: Int) -> String {
        "SELECT id FROM dict WHERE value IN (\(Array(repeating: "?", count: count).joined(separator: ", "))) ORDER BY id"
    }

    /// `sql` with its `?` parameters written out as literals, for `--explain`: runnable text.
    /// A `?` inside a quoted string or identifier is left alone.
    public static func inlined(_ sql: String, _ arguments: [SQLValue]) -> String {
        guard !arguments.isEmpty else { return sql }
        var out = ""
        var next = arguments.makeIterator()
        var quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?", let value = next.next() {
                out += value.description
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The values of dictionary ids.
    public static func dictionaryValues(of ids: [Int64]) -> String {
        "SELECT id, value FROM dict WHERE id IN (\(ids.map(String.init).joined(separator: ", ")))"
    }
}

extension String {
    /// Keeps user text from closing a `/* … */` comment.
    func replacingStars() -> String {
        replacingOccurrences(of: "*/", with: "* /")
    }
}
