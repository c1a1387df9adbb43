import Foundation
import MeshLogStore

/// Runs one user SQL statement against a store opened read-only.
public enum SQLQuery {
    /// Problems with a user's statement.
    public enum Failure: Error, CustomStringConvertible {
        case notReadOnly(String)
        case empty

        public var description: String {
            switch self {
            case .notReadOnly(let sql): "meshlog sql only runs statements that read; this one writes: \(sql)"
            case .empty: "no SQL given; try: meshlog sql \"SELECT status, count(*) FROM access_log GROUP BY status\""
            }
        }
    }

    /// Runs `sql` with named parameters and returns its rows.
    public static func run(_ db: Database, sql: String, parameters: [String: SQLValue] = [:]) throws -> ResultTable {
        try run(db, sql: sql, parameters: parameters, limit: nil).table
    }

    /// Runs `sql` and returns at most `limit` rows (`more`: whether there were others), stopping it with an
    /// error after `timeout` seconds when one is given (`meshlog serve`'s console: a query must not hold the server).
    public static func run(_ db: Database, sql: String, parameters: [String: SQLValue] = [:], limit: Int?,
                           timeout: Double? = nil) throws -> (table: ResultTable, more: Bool) {
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure.empty }
        let watchdog = timeout.map { seconds in
            let item = DispatchWorkItem { db.interrupt() }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        defer { watchdog?.cancel() }
        guard let (columns, rows, more) = try db.readOnlyRows(trimmed, named: parameters, limit: limit) else {
            throw Failure.notReadOnly(trimmed)
        }
        return (ResultTable(columns: columns, rows: rows), more)
    }
}
