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
