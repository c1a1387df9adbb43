/// The statements `meshlog-bench` runs on a store besides the product's own: how far an ingest
/// got, and a request to trace.
public enum BenchmarkQueries {
    /// Sources registered so far (the follower has opened the store once this answers).
    public static let sourceCount = "SELECT count(*) FROM source"
    /// The line number of the newest stored row (how far a follower has got).
    public static let newestLine = "SELECT line FROM log_entry ORDER BY id DESC LIMIT 1"
    /// The largest row id: the number of lines a store holds.
    public static let rowCount = "SELECT max(id) FROM log_row"
    /// The x-request-id of row `?`.
    public static let requestOfRow = "SELECT request_id FROM access_log WHERE id = ?"
    /// Copies the write-ahead log into the store and empties it, so the next run starts alike.
    public static let truncateLog = "PRAGMA wal_checkpoint(TRUNCATE)"
}
