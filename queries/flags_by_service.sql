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
