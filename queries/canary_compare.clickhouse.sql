-- Versions (subsets, e.g. v1 against a v2 canary) of each service that has several: requests, error %, p50, p99.
-- :since_us  only lines that started at or after this time, µs since the epoch (set by --since; NULL: no bound)
-- :until_us  only lines that started before this time, µs since the epoch (set by --until; NULL: no bound)
-- :service  only calls to this service (set by --service; NULL: every service)
-- The ClickHouse version of canary_compare.sql (no window functions: the per-service totals are joined).
SELECT service, subset, requests, round(100.0 * requests / total, 2) AS traffic_pct, error_pct, p50_ms, p99_ms,
  p99_ms - first_p99 AS p99_vs_first_ms
FROM (
  SELECT service, subset, requests, error_pct,
    if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.5)) + 1] + ((length(d) - 1) * 0.5 - floor((length(d) - 1) * 0.5)) * (d[toUInt64(least(floor((length(d) - 1) * 0.5) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.5)) + 1])) AS p50_ms,
    if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(floor((length(d) - 1) * 0.99) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99_ms
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
      if(length(d) = 0, NULL, d[toUInt64(floor((length(d) - 1) * 0.99)) + 1] + ((length(d) - 1) * 0.99 - floor((length(d) - 1) * 0.99)) * (d[toUInt64(least(floor((length(d) - 1) * 0.99) + 2, length(d)))] - d[toUInt64(floor((length(d) - 1) * 0.99)) + 1])) AS p99
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
