import MeshLogCore

/// The public views of a ClickHouse store, `access_log` and `span`: the same columns, names and
/// renderings as SQLite's (`StoreSchema.accessLogView`, `SpanSchema`), over the `Distributed`
/// tables, less the sources found to be copies of others. Built in layers of `ANY LEFT JOIN …
/// USING` with explicit column lists, as ClickHouse 18.16 needs: the source's path, the reporter's
/// workload, the callee's workload (`pod_address`) and the caller's (`pod_ip`, else `pod_address`).
public enum ClickHouseViews {
    /// The ids of the sources readers leave out (``ClickHouseSchema/excludedSources``, the one rule
    /// the writer and the readers share).
    public static var excludedSources: String { ClickHouseSchema.excludedSources }

    static func list(_ columns: [String]) -> String { columns.joined(separator: ", ") }

    /// `µs` as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', …)` renders it (milliseconds), NULL for NULL.
    static func timestamp(_ column: String) -> String {
        "if(isNull(\(column)), NULL, concat(replaceOne(toString(toDateTime(intDiv(assumeNotNull(\(column)), 1000000), 'UTC')), ' ', 'T'), '.', "
            + "substring(toString(1000 + intDiv(assumeNotNull(\(column)) % 1000000, 1000)), 2, 3), 'Z'))"
    }

    /// An address stored packed (`_int`, IPv4 `ip << 16 | port`) or as text (`_text`), as text.
    static func address(_ column: String) -> String {
        "if(isNull(\(column)_int), \(column)_text, concat(IPv4NumToString(toUInt32(bitShiftRight(assumeNotNull(\(column)_int), 16))), ':', "
            + "toString(bitAnd(assumeNotNull(\(column)_int), 65535))))"
    }

    /// The host part of an address text (`[v6]:port` → `v6`, `a.b.c.d:port` → `a.b.c.d`).
    static func host(_ text: String) -> String {
        "replaceRegexpOne(ifNull(\(text), ''), '^\\\\[?([^\\\\]]*?)\\\\]?:[0-9]+$', '\\\\1')"
    }

    static func emptyIsNull(_ column: String) -> String { "if(\(column) = '', NULL, \(column))" }

    /// The caller's SPIFFE identity kept in `extra` (``PeerIdentity``), NULL when the line has none,
    /// as SQLite's ``StoreSchema/peerIdentity(_:)`` reads it.
    static let peerIdentity = "if(position(ifNull(extra, ''), '\"\(PeerIdentity.extraKey)\":') > 0, "
        + "visitParamExtractString(ifNull(extra, ''), '\(PeerIdentity.extraKey)'), NULL)"

    static let workloads = "(SELECT reporter, any(workload) AS workload FROM pod GROUP BY reporter) AS w"

    /// `CREATE VIEW access_log` over the lines in `lines` (the Distributed table, or the local one on one server).
    public static func accessLog(lines: String) -> String {
        let base = ClickHouseSchema.logLineColumns.map(\.name)
        let a = "SELECT \(list(base)) FROM \(lines) WHERE source_id GLOBAL NOT IN (\(excludedSources))"
        let b = "SELECT \(list(base)), source FROM (\(a)) AS l GLOBAL ANY LEFT JOIN (SELECT id AS source_id, argMax(path, version) AS source FROM source GROUP BY id) AS r USING source_id"
        let c2 = base + ["source"]
        let c = "SELECT \(list(c2)), pod_workload FROM (\(b)) AS l GLOBAL ANY LEFT JOIN (SELECT reporter, any(workload) AS pod_workload FROM pod GROUP BY reporter) AS r USING reporter"
        let c3 = c2 + ["pod_workload"]
        let d = """
            SELECT \(list(c3)), if(direction = 2, \(host("upstream_host")), '') AS callee_address,
              if(direction = 1 AND isNotNull(downstream_remote_int), bitShiftRight(assumeNotNull(downstream_remote_int), 16), toInt64(-1)) AS caller_ip,
              if(direction = 1 AND isNull(downstream_remote_int), \(host("downstream_remote_text")), '') AS caller_address
            FROM (\(c)) AS l
            """
        let c4 = c3 + ["callee_address", "caller_ip", "caller_address"]
        let addressMap = "FROM pod_address ANY LEFT JOIN \(workloads) USING reporter GROUP BY ip"
        let e = "SELECT \(list(c4)), callee_workload FROM (\(d)) AS l GLOBAL ANY LEFT JOIN (SELECT ip AS callee_address, any(workload) AS callee_workload \(addressMap)) AS r USING callee_address"
        let c5 = c4 + ["callee_workload"]
        let f = "SELECT \(list(c5)), caller_workload FROM (\(e)) AS l GLOBAL ANY LEFT JOIN (SELECT ip AS caller_ip, any(workload) AS caller_workload FROM pod_ip ANY LEFT JOIN \(workloads) USING reporter GROUP BY ip) AS r USING caller_ip"
        let c6 = c5 + ["caller_workload"]
        let g = "SELECT \(list(c6)), caller_address_workload FROM (\(f)) AS l GLOBAL ANY LEFT JOIN (SELECT ip AS caller_address, any(workload) AS caller_address_workload \(addressMap)) AS r USING caller_address"
        let c7 = c6 + ["caller_address_workload"]
        let h = """
            SELECT \(list(c7)),
              multiIf(direction = 2, \(emptyIsNull("pod_workload")), direction = 1,
                if(caller_workload = '', \(emptyIsNull("caller_address_workload")), caller_workload), NULL) AS source_workload,
              multiIf(direction = 1, \(emptyIsNull("pod_workload")), direction = 2, \(emptyIsNull("callee_workload")), NULL) AS destination_workload
            FROM (\(g)) AS l
            """
        return """
            CREATE VIEW IF NOT EXISTS access_log AS SELECT
              toInt64(cityHash64(source_id, line)) AS id, \(timestamp("start_us")) AS start_time, start_us, reporter,
              multiIf(direction = 1, 'inbound', direction = 2, 'outbound', NULL) AS direction,
              method, authority, path, route, protocol, status, flags, details, termination AS termination_details, transport_failure,
              bytes_received, bytes_sent, duration_ms, upstream_ms,
              multiIf(req_kind = 3, lower(UUIDNumToString(toFixedString(req, 16))), req_kind = 2, req, NULL) AS request_id,
              multiIf(tid_kind = 3, lower(hex(tid)), tid_kind = 2, tid, NULL) AS trace_id,
              upstream_host, cluster AS upstream_cluster, service, namespace, subset, \(address("upstream_local")) AS upstream_local,
              downstream_local, \(address("downstream_remote")) AS downstream_remote, sni, route_name, user_agent, xff AS x_forwarded_for,
              extra, source, line, \(timestamp("logged_us")) AS logged_at, \(emptyIsNull("pod_workload")) AS workload,
              source_workload, destination_workload, \(peerIdentity) AS peer_identity
            FROM (\(h)) AS l
            """
    }

    /// A span id stored as an integer (`_int`) or text (`_text`), as 16 lowercase hex digits.
    static func spanID(_ column: String) -> String {
        "if(isNull(\(column)_int), \(column)_text, substring(concat('0000000000000000', lower(hex(toUInt64(assumeNotNull(\(column)_int))))), "
            + "length(lower(hex(toUInt64(assumeNotNull(\(column)_int))))) + 1, 16))"
    }

    /// `CREATE VIEW span` over the spans in `spans`.
    public static func span(spans: String) -> String {
        let base = ClickHouseSchema.spanColumns.map(\.name)
        let a = "SELECT \(list(base)) FROM \(spans) WHERE source_id GLOBAL NOT IN (\(excludedSources))"
        let b = "SELECT \(list(base)), source FROM (\(a)) AS l GLOBAL ANY LEFT JOIN (SELECT id AS source_id, argMax(path, version) AS source FROM source GROUP BY id) AS r USING source_id"
        return """
            CREATE VIEW IF NOT EXISTS span AS SELECT
              multiIf(trace_kind = 3, lower(hex(trace)), trace) AS trace_id, \(spanID("span")) AS span_id, \(spanID("parent")) AS parent_id,
              service, name,
              multiIf(kind = 1, 'internal', kind = 2, 'server', kind = 3, 'client', kind = 4, 'producer', kind = 5, 'consumer', 'unspecified') AS kind,
              start_us, duration_us, multiIf(status = 1, 'ok', status = 2, 'error', 'unset') AS status, http_status,
              multiIf(req_kind = 3, lower(UUIDNumToString(toFixedString(req, 16))), req_kind = 2, req, NULL) AS request_id,
              attributes, source, line
            FROM (\(b)) AS l
            """
    }
}
