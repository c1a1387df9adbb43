/// An error reported by SQLite, carrying the result code, SQLite's message and the SQL involved.
///
/// `description` reads like `SQLite error 19: UNIQUE constraint failed: t.id (in: INSERT INTO t …)`.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The primary SQLite result code, e.g. `19` (`SQLITE_CONSTRAINT`).
    public let code: Int32
    /// The extended result code, e.g. `2067` (`SQLITE_CONSTRAINT_UNIQUE`); equals `code` when unknown.
    public let extendedCode: Int32
    /// SQLite's error message (`sqlite3_errmsg`) or a message from this wrapper.
    public let message: String
    /// The SQL statement that failed, when there is one.
    public let sql: String?

    /// Creates an error; `extendedCode` defaults to `code`.
    public init(code: Int32, message: String, sql: String? = nil, extendedCode: Int32? = nil) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// A one-line description: `SQLite error <code>: <message>` followed by ` (in: <sql>)` when known.
    public var description: String {
        var out = "SQLite error \(code): \(message)"
        if let sql {
            out += " (in: \(sql))"
        }
        return out
    }
}
