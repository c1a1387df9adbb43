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
