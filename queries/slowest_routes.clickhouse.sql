-- Routes (service and route template) by p99 duration as their callers saw it, with p50, p90 and max.
-- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
-- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
-- :service  only calls to this service (set by --service; NULL: every service)
-- :min_requests = 20  only routes with at least this many requests
-- The ClickHouse version of slowest_routes.sql: percentiles interpolated linearly between closest ranks, as there.
SELECT service, route, requests, error_pct,
  if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.5)) + 1] + ((length(d) - 1) * 0.5 - floor((length(d) - 1) * 0.5)) * (d[toUInt64(least(floor((length(d) - 1) * 0.5) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.5)) + 1])) AS p50_ms,
  if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.9)) + 1] + ((length(d) - 1) * 0.9 - floor((length(d) - 1) * 0.9)) * (d[toUInt64(least(floor((length(d) - 1) * 0.9) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.9)) + 1])) AS p90_ms,
  if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(floor((length(d) - 1) * 0.99) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99_ms,
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
