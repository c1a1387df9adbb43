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
