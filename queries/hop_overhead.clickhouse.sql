-- Per edge, where the time goes: client minus server duration (both sidecars, mTLS, network) and the app's own time.
-- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
-- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
-- :service  only calls to this service (set by --service; NULL: every service)
-- :min_requests = 1  only edges with at least this many matched hops
-- The ClickHouse version of hop_overhead.sql: each caller line joined to its request's callee lines, the
-- callee's line chosen as there (the latest attempt within the caller's span on its connection, else the
-- latest on its connection), percentiles interpolated linearly between closest ranks.
SELECT source, service, subset, hops,
  if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.5)) + 1] + ((length(o) - 1) * 0.5 - floor((length(o) - 1) * 0.5)) * (o[toUInt64(least(floor((length(o) - 1) * 0.5) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.5)) + 1])) AS overhead_p50,
  if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.9)) + 1] + ((length(o) - 1) * 0.9 - floor((length(o) - 1) * 0.9)) * (o[toUInt64(least(floor((length(o) - 1) * 0.9) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.9)) + 1])) AS overhead_p90,
  if(length(o) = 0, NULL, o[toUInt64(floor((length(o) - 1) * 0.99)) + 1] + ((length(o) - 1) * 0.99 - floor((length(o) - 1) * 0.99)) * (o[toUInt64(least(floor((length(o) - 1) * 0.99) + 2, length(o)))] - o[toUInt64(floor((length(o) - 1) * 0.99)) + 1])) AS overhead_p99,
  overhead_max,
  if(length(a) = 0, NULL, a[toUInt64(floor((length(a) - 1) * 0.5)) + 1] + ((length(a) - 1) * 0.5 - floor((length(a) - 1) * 0.5)) * (a[toUInt64(least(floor((length(a) - 1) * 0.5) + 2, length(a)))] - a[toUInt64(floor((length(a) - 1) * 0.5)) + 1])) AS app_p50,
  if(length(a) = 0, NULL, a[toUInt64(floor((length(a) - 1) * 0.99)) + 1] + ((length(a) - 1) * 0.99 - floor((length(a) - 1) * 0.99)) * (a[toUInt64(least(floor((length(a) - 1) * 0.99) + 2, length(a)))] - a[toUInt64(floor((length(a) - 1) * 0.99)) + 1])) AS app_p99,
  if(length(c) = 0, NULL, c[toUInt64(floor((length(c) - 1) * 0.99)) + 1] + ((length(c) - 1) * 0.99 - floor((length(c) - 1) * 0.99)) * (c[toUInt64(least(floor((length(c) - 1) * 0.99) + 2, length(c)))] - c[toUInt64(floor((length(c) - 1) * 0.99)) + 1])) AS client_p99
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
