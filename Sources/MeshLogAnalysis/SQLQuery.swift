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
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure.empty }
        guard let (columns, rows) = try db.readOnlyRows(trimmed, named: parameters) else { throw Failure.notReadOnly(trimmed) }
        return ResultTable(columns: columns, rows: rows)
    }
}
