import Foundation

/// What a run that stopped early had committed: the sources it began, as the store has them.
public struct RunProgress: Sendable, Equatable {
    /// One source begun by the run.
    public struct Source: Sendable, Equatable {
        public var path: String
        /// Finished (`done` or `duplicate`), else still partial.
        public var finished: Bool
        /// Rows committed, and the lines they came from (the next run goes on after them).
        public var records: Int
        public var linesRead: Int
    }

    public var sources: [Source]

    /// Rows committed by the run.
    public var records: Int { sources.reduce(0) { $0 + $1.records } }

    /// The time as `source.started_at` spells it, for `read(store:since:)`.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The sources of the store at `path` begun at or after `since` (a `timestamp`), oldest first,
    /// read on a connection of its own (the writer's may be unusable after a fault).
    public static func read(store path: String, since: String) throws -> RunProgress {
        let db = try Database(path: path, readOnly: true)
        let rows = try db.rows("""
            SELECT path, state IN ('done', 'duplicate'), records, lines_read FROM source
            WHERE started_at >= ? ORDER BY id
            """, [.text(since)])
        return RunProgress(sources: rows.map { row in
            Source(path: row[0].string ?? "?", finished: row[1].int64 == 1, records: Int(row[2].int64 ?? 0),
                   linesRead: Int(row[3].int64 ?? 0))
        })
    }
}
