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
