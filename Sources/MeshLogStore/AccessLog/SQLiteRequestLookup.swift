/// ``RequestLookup`` over SQLite: finds request ids stored by earlier ingest runs, through its own read-only connection
/// (WAL lets it read while the writer thread writes).
///
/// Lookups share one read transaction until `refresh()`, which the ingest calls once per batch:
/// a transaction per lookup would take the WAL's locks and drop the page cache every time.
final class SQLiteRequestLookup: RequestLookup {
    private let db: Database
    private let statement: Statement
    private var reading = false

    init(path: String) throws {
        db = try Database(path: path, readOnly: true)
        statement = try db.prepare("SELECT id FROM request WHERE rid = ? ORDER BY id LIMIT 1")
    }

    /// The stored id of a request id (16 UUID bytes or text), or nil.
    public func find(_ value: UnsafeBufferPointer<UInt8>, isBlob: Bool) -> Int64? {
        if !reading {
            reading = (try? db.execute("BEGIN")) != nil
        }
        defer { statement.reset() }
        if isBlob { statement.bindBlob(UnsafeRawBufferPointer(value), at: 1) } else { statement.bindText(value, at: 1) }
        guard (try? statement.step()) == true else { return nil }
        return statement.int64(0)
    }

    /// Ends the read transaction, so the next lookup sees what the writer committed since.
    public func refresh() {
        guard reading else { return }
        reading = false
        try? db.execute("COMMIT")
    }
}
