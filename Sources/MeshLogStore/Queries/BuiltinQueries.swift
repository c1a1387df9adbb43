/// The named queries shipped with meshlog, built into the binary so `meshlog query NAME` works from any
/// directory, in two dialects: SQLite's (`all`) and ClickHouse's (`clickhouse`). Each text is
/// byte-identical to `queries/NAME.sql` or `queries/NAME.clickhouse.sql` at the top of the repository (a
/// test checks it); edit the `.sql` file and run `scripts/builtin-queries`.
public enum BuiltinQueries {
    /// Query text by name (the file name without `.sql`).
    public static let all: [String: String] = [
        "canary_compare": #"""
            -- Versions (subsets, e.g. v1 against a v2 canary) of each service that has several: requests, error %, p50, p99.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            WITH per_subset AS (
              SELECT sv.value AS service, sb.value AS subset, count(*) AS requests,
                round(100.0 * sum(e.status >= 500 OR e.status = 0) / count(*), 2) AS error_pct,
                percentile(e.duration_ms, 0.5) AS p50_ms,
                percentile(e.duration_ms, 0.99) AS p99_ms
              FROM log_entry e
              JOIN dict sv ON sv.id = e.service
              JOIN dict sb ON sb.id = e.subset
              WHERE e.direction = 2
                AND (:since_us IS NULL OR e.start_us >= :since_us)
                AND (:until_us IS NULL OR e.start_us < :until_us)
                AND (:service IS NULL OR e.service IN (SELECT id FROM dict WHERE value = :service))
              GROUP BY sv.value, sb.value
            )
            SELECT service, subset, requests,
              round(100.0 * requests / sum(requests) OVER (PARTITION BY service), 2) AS traffic_pct,
              error_pct, p50_ms, p99_ms,
              p99_ms - first_value(p99_ms) OVER (PARTITION BY service ORDER BY subset) AS p99_vs_first_ms
            FROM per_subset
            WHERE service IN (SELECT service FROM per_subset GROUP BY service HAVING count(*) > 1)
            ORDER BY service, subset

            """#,
        "error_edges": #"""
            -- Caller -> callee edges with failing requests (5xx, or 0: no response), their error rate and what failed;
            -- faults Envoy injected on purpose (flags FI, DI) are counted apart (injected), as status and hops count them.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_errors = 1  only edges with at least this many errors
            WITH counted AS (
              -- one row per edge, status and flag combination, on the caller's side of each hop
              -- (the caller is the workload of the pod that wrote the line; its pod name if ingest recorded none)
              SELECT coalesce(p.workload, (SELECT value FROM dict WHERE id = e.reporter)) AS source,
                e.service AS service_id, e.subset AS subset_id, e.status, e.flags AS flags_id, count(*) AS n
              FROM log_entry e LEFT JOIN pod p ON p.reporter = e.reporter
              WHERE (e.direction = 2 OR e.direction IS NULL)
                AND (:since_us IS NULL OR e.start_us >= :since_us)
                AND (:until_us IS NULL OR e.start_us < :until_us)
                AND (:service IS NULL OR e.service IN (SELECT id FROM dict WHERE value = :service))
              GROUP BY 1, 2, 3, 4, 5
            ),
            named AS (
              SELECT c.source, sv.value AS service, sb.value AS subset, c.status, fl.value AS flags, c.n,
                (',' || coalesce(fl.value, '') || ',' LIKE '%,FI,%' OR ',' || coalesce(fl.value, '') || ',' LIKE '%,DI,%') AS injected,
                -- an abort, or a delay that ran into a timeout or a reset; a delayed call the app then failed is a real failure
                (',' || coalesce(fl.value, '') || ',' LIKE '%,FI,%' OR (',' || coalesce(fl.value, '') || ',' LIKE '%,DI,%' AND c.status IN (0, 504))) AS injected_failure
              FROM counted c
              LEFT JOIN dict sv ON sv.id = c.service_id
              LEFT JOIN dict sb ON sb.id = c.subset_id
              LEFT JOIN dict fl ON fl.id = c.flags_id
            ),
            edge AS (
              SELECT source, service, subset, sum(n) AS requests,
                sum(CASE WHEN (status >= 500 OR status = 0) AND NOT injected_failure THEN n ELSE 0 END) AS errors,
                sum(CASE WHEN injected THEN n ELSE 0 END) AS injected
              FROM named GROUP BY 1, 2, 3
            ),
            failure AS (
              SELECT source, service, subset, status || coalesce(' ' || flags, '') AS what, sum(n) AS n
              FROM named WHERE (status >= 500 OR status = 0) AND NOT injected_failure
              GROUP BY 1, 2, 3, 4
            )
            SELECT d.source, d.service, d.subset, d.requests, d.errors,
              round(100.0 * d.errors / d.requests, 2) AS error_pct, d.injected,
              (SELECT group_concat(what || ' x' || n, ', ') FROM (
                 SELECT f.what, f.n FROM failure f
                 WHERE f.source IS d.source AND f.service IS d.service AND f.subset IS d.subset
                 ORDER BY f.n DESC, f.what LIMIT 5)) AS failures
            FROM edge d
            WHERE d.errors >= :min_errors
            ORDER BY d.errors DESC, d.requests DESC, d.source, d.service, d.subset

            """#,
        "flags_by_service": #"""
            -- Envoy response flags per destination service and side, with each flag's long name and meaning.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            SELECT a.service, a.direction, f.flag, f.long_name, count(*) AS lines,
              sum(a.status >= 500 OR a.status = 0) AS errors, f.meaning
            FROM access_log_flag f JOIN access_log a ON a.id = f.id
            WHERE (:since_us IS NULL OR a.start_us >= :since_us)
              AND (:until_us IS NULL OR a.start_us < :until_us)
              AND (:service IS NULL OR a.service = :service)
            GROUP BY a.service, a.direction, f.flag
            ORDER BY lines DESC, a.service, a.direction, f.flag

            """#,
        "hop_overhead": #"""
            -- Per edge, where the time goes: client minus server duration (both sidecars, mTLS, network) and the app's own time.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_requests = 1  only edges with at least this many matched hops
            WITH inbound AS MATERIALIZED (
              -- every callee line, read once (SQLite indexes it by request on the fly)
              SELECT req, downstream_remote, start_us, service, duration_ms, upstream_ms
              FROM log_entry WHERE direction = 1 AND req IS NOT NULL
            ),
            hop AS MATERIALIZED (
              -- the callee's line for each caller line: same request, its peer is the caller's connection;
              -- the latest attempt that started within the caller's span (as `meshlog hops` pairs them).
              -- One lookup returns both of its times, packed as duration << 32 | (upstream + 1).
              SELECT coalesce(p.workload, (SELECT value FROM dict WHERE id = e.reporter)) AS source,
                e.service AS service_id, e.subset AS subset_id, e.duration_ms AS client_ms,
                coalesce(
                  (SELECT i.duration_ms * 4294967296 + coalesce(i.upstream_ms + 1, 0) FROM inbound i
                   WHERE i.req = e.req
                     AND i.start_us BETWEEN e.start_us - 1000 AND e.start_us + (e.duration_ms + 1) * 1000
                     AND (i.downstream_remote = e.upstream_local
                          OR (e.upstream_local IS NULL AND e.upstream_ms IS NOT NULL AND i.service = e.service))
                   ORDER BY i.start_us DESC LIMIT 1),
                  (SELECT i.duration_ms * 4294967296 + coalesce(i.upstream_ms + 1, 0) FROM inbound i
                   WHERE i.req = e.req AND i.downstream_remote = e.upstream_local
                   ORDER BY i.start_us DESC LIMIT 1)) AS server
              FROM log_entry e
              LEFT JOIN pod p ON p.reporter = e.reporter
              WHERE (e.direction = 2 OR e.direction IS NULL)
                AND (:since_us IS NULL OR e.start_us >= :since_us)
                AND (:until_us IS NULL OR e.start_us < :until_us)
                AND (:service IS NULL OR e.service IN (SELECT id FROM dict WHERE value = :service))
            ),
            matched AS (
              SELECT source, service_id, subset_id, client_ms, server >> 32 AS server_ms,
                nullif(server & 4294967295, 0) - 1 AS app_ms
              FROM hop WHERE server IS NOT NULL
            )
            SELECT m.source, sv.value AS service, sb.value AS subset, count(*) AS hops,
              percentile(client_ms - server_ms, 0.5) AS overhead_p50,
              percentile(client_ms - server_ms, 0.9) AS overhead_p90,
              percentile(client_ms - server_ms, 0.99) AS overhead_p99,
              max(client_ms - server_ms) AS overhead_max,
              percentile(app_ms, 0.5) AS app_p50,
              percentile(app_ms, 0.99) AS app_p99,
              percentile(client_ms, 0.99) AS client_p99
            FROM matched m
            LEFT JOIN dict sv ON sv.id = m.service_id
            LEFT JOIN dict sb ON sb.id = m.subset_id
            GROUP BY m.source, sv.value, sb.value
            HAVING count(*) >= :min_requests
            ORDER BY overhead_p99 DESC, hops DESC, m.source, service, subset

            """#,
        "slowest_routes": #"""
            -- Routes (service and route template) by p99 duration as their callers saw it, with p50, p90 and max.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_requests = 20  only routes with at least this many requests
            SELECT sv.value AS service, rt.value AS route, count(*) AS requests,
              round(100.0 * sum(e.status >= 500 OR e.status = 0) / count(*), 2) AS error_pct,
              percentile(e.duration_ms, 0.5) AS p50_ms,
              percentile(e.duration_ms, 0.9) AS p90_ms,
              percentile(e.duration_ms, 0.99) AS p99_ms,
              max(e.duration_ms) AS max_ms
            FROM log_entry e
            LEFT JOIN dict sv ON sv.id = e.service
            LEFT JOIN dict rt ON rt.id = e.route
            WHERE (e.direction = 2 OR e.direction IS NULL)
                AND (:since_us IS NULL OR e.start_us >= :since_us)
                AND (:until_us IS NULL OR e.start_us < :until_us)
                AND (:service IS NULL OR e.service IN (SELECT id FROM dict WHERE value = :service))
            GROUP BY sv.value, rt.value
            HAVING count(*) >= :min_requests
            ORDER BY p99_ms DESC, requests DESC, service, route

            """#,
    ]

    /// The ClickHouse version of each query, by the same name (`queries/NAME.clickhouse.sql`).
    public static let clickhouse: [String: String] = [
        "canary_compare": #"""
            -- Versions (subsets, e.g. v1 against a v2 canary) of each service that has several: requests, error %, p50, p99.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- The ClickHouse version of canary_compare.sql (no window functions: the per-service totals are joined).
            SELECT service, subset, requests, round(100.0 * requests / total, 2) AS traffic_pct, error_pct, p50_ms, p99_ms,
              p99_ms - first_p99 AS p99_vs_first_ms
            FROM (
              SELECT service, subset, requests, error_pct,
                if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.5)) + 1] + ((length(d) - 1) * 0.5 - floor((length(d) - 1) * 0.5)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.5)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.5)) + 1])) AS p50_ms,
                if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.99)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99_ms
              FROM (
                SELECT assumeNotNull(service) AS service, assumeNotNull(subset) AS subset, count() AS requests,
                  round(100.0 * sum(ifNull(status >= 500 OR status = 0, 0)) / count(), 2) AS error_pct,
                  arraySort(groupArray(duration_ms)) AS d
                FROM access_log
                WHERE direction = 'outbound' AND isNotNull(service) AND isNotNull(subset)
                  AND (:since_us IS NULL OR start_us >= :since_us)
                  AND (:until_us IS NULL OR start_us < :until_us)
                  AND (:service IS NULL OR service = :service)
                GROUP BY service, subset
              )
            ) AS s
            ANY INNER JOIN (
              -- per service with several subsets: all its requests, and the p99 of its first subset by name
              SELECT service, sum(requests) AS total, argMin(p99, subset) AS first_p99
              FROM (
                SELECT assumeNotNull(service) AS service, assumeNotNull(subset) AS subset, count() AS requests,
                  arraySort(groupArray(duration_ms)) AS d,
                  if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.99)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99
                FROM access_log
                WHERE direction = 'outbound' AND isNotNull(service) AND isNotNull(subset)
                  AND (:since_us IS NULL OR start_us >= :since_us)
                  AND (:until_us IS NULL OR start_us < :until_us)
                  AND (:service IS NULL OR service = :service)
                GROUP BY service, subset
              )
              GROUP BY service HAVING count() > 1
            ) AS t USING service
            ORDER BY service, subset

            """#,
        "error_edges": #"""
            -- Caller -> callee edges with failing requests (5xx, or 0: no response), their error rate and what failed;
            -- faults Envoy injected on purpose (flags FI, DI) are counted apart (injected), as status and hops count them.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_errors = 1  only edges with at least this many errors
            -- The ClickHouse version of error_edges.sql, over the access_log view: the same rows.
            SELECT source, service, subset, requests, errors, error_pct, injected,
              if(empty(failed), NULL, arrayStringConcat(arrayMap(x -> concat(tupleElement(x, 1), ' x', toString(tupleElement(x, 2))),
                arraySlice(arraySort(x -> (-tupleElement(x, 2), tupleElement(x, 1)), failed), 1, 5)), ', ')) AS failures
            FROM (
              SELECT source, service, subset, sum(n) AS requests, sum(if(is_error, n, 0)) AS errors, sum(if(is_injected, n, 0)) AS injected,
                round(100.0 * errors / requests, 2) AS error_pct,
                groupArrayIf((what, n), is_error) AS failed
              FROM (
                -- one row per edge, status and flag combination, on the caller's side of each hop
                -- (the caller is the workload of the pod that wrote the line; its pod name if ingest recorded none)
                SELECT ifNull(workload, reporter) AS source, service, subset, status, flags, count() AS n,
                  has(splitByChar(',', ifNull(flags, '')), 'FI') OR has(splitByChar(',', ifNull(flags, '')), 'DI') AS is_injected,
                  -- an abort, or a delay that ran into a timeout or a reset; a delayed call the app then failed is a real failure
                  has(splitByChar(',', ifNull(flags, '')), 'FI') OR (has(splitByChar(',', ifNull(flags, '')), 'DI') AND ifNull(status IN (0, 504), 0) = 1) AS is_injected_failure,
                  ifNull(status >= 500 OR status = 0, 0) = 1 AND NOT is_injected_failure AS is_error,
                  concat(toString(assumeNotNull(status)), ifNull(concat(' ', flags), '')) AS what
                FROM access_log
                WHERE (direction = 'outbound' OR isNull(direction))
                  AND (:since_us IS NULL OR start_us >= :since_us)
                  AND (:until_us IS NULL OR start_us < :until_us)
                  AND (:service IS NULL OR service = :service)
                GROUP BY source, service, subset, status, flags
              )
              GROUP BY source, service, subset
            )
            WHERE errors >= :min_errors
            ORDER BY errors DESC, requests DESC, source ASC NULLS FIRST, service ASC NULLS FIRST, subset ASC NULLS FIRST

            """#,
        "flags_by_service": #"""
            -- Envoy response flags per destination service and side, with each flag's long name and meaning.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- The ClickHouse version of flags_by_service.sql: each line's flags split apart, named from response_flag.
            SELECT service, direction, flag, long_name, lines, errors, meaning
            FROM (
              SELECT service, direction, flag, count() AS lines, sum(ifNull(status >= 500 OR status = 0, 0)) AS errors
              FROM access_log
              ARRAY JOIN splitByChar(',', assumeNotNull(flags)) AS flag
              WHERE isNotNull(flags)
                AND (:since_us IS NULL OR start_us >= :since_us)
                AND (:until_us IS NULL OR start_us < :until_us)
                AND (:service IS NULL OR service = :service)
              GROUP BY service, direction, flag
            ) AS f
            ANY LEFT JOIN (SELECT flag, toNullable(any(long_name)) AS long_name, toNullable(any(meaning)) AS meaning FROM response_flag GROUP BY flag) AS r USING flag
            ORDER BY lines DESC, service ASC NULLS FIRST, direction ASC NULLS FIRST, flag

            """#,
        "hop_overhead": #"""
            -- Per edge, where the time goes: client minus server duration (both sidecars, mTLS, network) and the app's own time.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_requests = 1  only edges with at least this many matched hops
            -- The ClickHouse version of hop_overhead.sql: each caller line joined to its request's callee lines, the
            -- callee's line chosen as there (the latest attempt within the caller's span on its connection, else the
            -- latest on its connection), percentiles interpolated linearly between closest ranks.
            SELECT source, service, subset, hops,
              if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.5)) + 1] + ((length(o) - 1) * 0.5 - floor((length(o) - 1) * 0.5)) * (o[toUInt64(least(toUInt64(floor((length(o) - 1) * 0.5)) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.5)) + 1])) AS overhead_p50,
              if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.9)) + 1] + ((length(o) - 1) * 0.9 - floor((length(o) - 1) * 0.9)) * (o[toUInt64(least(toUInt64(floor((length(o) - 1) * 0.9)) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.9)) + 1])) AS overhead_p90,
              if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.99)) + 1] + ((length(o) - 1) * 0.99 - floor((length(o) - 1) * 0.99)) * (o[toUInt64(least(toUInt64(floor((length(o) - 1) * 0.99)) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.99)) + 1])) AS overhead_p99,
              overhead_max,
              if(length(a) = 0, NULL, a[toUInt64(floor((length(a) - 1) * 0.5)) + 1] + ((length(a) - 1) * 0.5 - floor((length(a) - 1) * 0.5)) * (a[toUInt64(least(toUInt64(floor((length(a) - 1) * 0.5)) + 2, length(a)))] - a[toUInt64(floor((length(a) - 1) * 0.5)) + 1])) AS app_p50,
              if(length(a) = 0, NULL, a[toUInt64(floor((length(a) - 1) * 0.99)) + 1] + ((length(a) - 1) * 0.99 - floor((length(a) - 1) * 0.99)) * (a[toUInt64(least(toUInt64(floor((length(a) - 1) * 0.99)) + 2, length(a)))] - a[toUInt64(floor((length(a) - 1) * 0.99)) + 1])) AS app_p99,
              if(length(c) = 0, NULL, c[toUInt64(floor((length(c) - 1) * 0.99)) + 1] + ((length(c) - 1) * 0.99 - floor((length(c) - 1) * 0.99)) * (c[toUInt64(least(toUInt64(floor((length(c) - 1) * 0.99)) + 2, length(c)))] - c[toUInt64(floor((length(c) - 1) * 0.99)) + 1])) AS client_p99
            FROM (
              SELECT source, service, subset, count() AS hops,
                arraySort(groupArray(client_ms - server_ms)) AS o, max(client_ms - server_ms) AS overhead_max,
                arraySort(groupArray(app_ms)) AS a, arraySort(groupArray(client_ms)) AS c
              FROM (
                -- one row per caller line that found its callee's line
                SELECT source, service, subset, client_ms,
                  if(within_count > 0, within_server, any_server) AS server_ms,
                  if(within_count > 0, within_app, any_app) AS app_ms
                FROM (
                  SELECT line_id, any(source) AS source, any(service) AS service, any(subset) AS subset, any(client_ms) AS client_ms,
                    countIf(i_start, within) AS within_count,
                    argMaxIf(i_duration, i_start, within) AS within_server, argMaxIf(i_upstream, i_start, within) AS within_app,
                    countIf(i_start, same_peer) AS any_count,
                    argMaxIf(i_duration, i_start, same_peer) AS any_server, argMaxIf(i_upstream, i_start, same_peer) AS any_app
                  FROM (
                    SELECT line_id, source, service, subset, client_ms, i_start, i_duration, i_upstream,
                      ifNull(i_matched = 1 AND i_start >= start_us - 1000 AND i_start <= start_us + (client_ms + 1) * 1000
                        AND (i_peer = upstream_local OR (isNull(upstream_local) AND isNotNull(upstream_ms) AND i_service = service)), 0) = 1 AS within,
                      ifNull(i_matched = 1 AND i_peer = upstream_local, 0) = 1 AS same_peer
                    FROM (
                      SELECT id AS line_id, ifNull(workload, reporter) AS source, service, subset, duration_ms AS client_ms, start_us,
                        upstream_local, upstream_ms, assumeNotNull(request_id) AS rid
                      FROM access_log
                      WHERE (direction = 'outbound' OR isNull(direction)) AND isNotNull(request_id)
                        AND (:since_us IS NULL OR start_us >= :since_us)
                        AND (:until_us IS NULL OR start_us < :until_us)
                        AND (:service IS NULL OR service = :service)
                    ) AS e
                    ALL LEFT JOIN (
                      -- every callee line
                      SELECT assumeNotNull(request_id) AS rid, toUInt8(1) AS i_matched, downstream_remote AS i_peer, start_us AS i_start, service AS i_service,
                        duration_ms AS i_duration, upstream_ms AS i_upstream
                      FROM access_log WHERE direction = 'inbound' AND isNotNull(request_id) AND isNotNull(duration_ms)
                    ) AS i USING rid
                  )
                  GROUP BY line_id
                )
                WHERE within_count > 0 OR any_count > 0
              )
              GROUP BY source, service, subset
              HAVING count() >= :min_requests
            )
            ORDER BY overhead_p99 DESC NULLS LAST, hops DESC, source ASC NULLS FIRST, service ASC NULLS FIRST, subset ASC NULLS FIRST

            """#,
        "slowest_routes": #"""
            -- Routes (service and route template) by p99 duration as their callers saw it, with p50, p90 and max.
            -- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
            -- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
            -- :service  only calls to this service (set by --service; NULL: every service)
            -- :min_requests = 20  only routes with at least this many requests
            -- The ClickHouse version of slowest_routes.sql: percentiles interpolated linearly between closest ranks, as there.
            SELECT service, route, requests, error_pct,
              if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.5)) + 1] + ((length(d) - 1) * 0.5 - floor((length(d) - 1) * 0.5)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.5)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.5)) + 1])) AS p50_ms,
              if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.9)) + 1] + ((length(d) - 1) * 0.9 - floor((length(d) - 1) * 0.9)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.9)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.9)) + 1])) AS p90_ms,
              if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(toUInt64(floor((length(d) - 1) * 0.99)) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99_ms,
              max_ms
            FROM (
              SELECT service, route, count() AS requests,
                round(100.0 * sum(ifNull(status >= 500 OR status = 0, 0)) / count(), 2) AS error_pct,
                arraySort(groupArray(duration_ms)) AS d,
                max(duration_ms) AS max_ms
              FROM access_log
              WHERE (direction = 'outbound' OR isNull(direction))
                AND (:since_us IS NULL OR start_us >= :since_us)
                AND (:until_us IS NULL OR start_us < :until_us)
                AND (:service IS NULL OR service = :service)
              GROUP BY service, route
              HAVING count() >= :min_requests
            )
            ORDER BY p99_ms DESC NULLS LAST, requests DESC, service ASC NULLS FIRST, route ASC NULLS FIRST

            """#,
    ]
}
