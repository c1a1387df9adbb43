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
