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
