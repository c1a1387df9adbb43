/// The store's record of files read by `meshlog ingest --follow`.
///
/// A followed file grows, so neither its size nor a hash of its content can recognise it later.
/// Its `source` row carries a hash of its first bytes instead (`follow_head`, over
/// `follow_head_bytes` bytes: 1 KiB, or all of the file while it is shorter) and its inode. A
/// later run that finds a file with the same head continues that source at `lines_read`.
///
/// Use it from the thread that owns the connection, while no writer thread is writing.
public struct FollowedSources {
    /// What the store knows of one followed file.
    public struct Source: Sendable, Equatable {
        public var id: Int64
        public var path: String
        /// `partial` while followed (or stopped), `done` once rotated away or truncated.
        public var state: SourceState
        public var linesRead: Int
        public var head: Int64
        public var headBytes: Int
        public var inode: Int64?
    }

    /// The number of leading bytes a full head covers.
    public static let headSize = 1024

    public let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Sources that may be the file whose first `headBytes` bytes hash to `head`: those with the
    /// same head, and those recorded with a shorter head (the file was smaller then), which the
    /// caller checks against the same number of the file's bytes. Newest first.
    public func candidates(head: Int64, headBytes: Int) throws -> [Source] {
        try db.rows("""
            SELECT id, path, state, lines_read, follow_head, follow_head_bytes, follow_inode FROM source
            WHERE follow_head IS NOT NULL AND state IN (\(SourceState.partial.sql), \(SourceState.done.sql))
              AND ((follow_head = ?1 AND follow_head_bytes = ?2) OR follow_head_bytes < ?2)
            ORDER BY id DESC
            """, [.integer(head), .integer(Int64(headBytes))]).map { r in
            Source(id: r[0].int64 ?? 0, path: r[1].string ?? "", state: SourceState(rawValue: r[2].string ?? "") ?? .failed, linesRead: Int(r[3].int64 ?? 0),
                   head: r[4].int64 ?? 0, headBytes: Int(r[5].int64 ?? 0), inode: r[6].int64)
        }
    }

    /// Records (or updates, as the file grows to a full head) a source's head and inode.
    public func setHead(sourceID: Int64, head: Int64, headBytes: Int, inode: Int64?) throws {
        try db.execute("UPDATE source SET follow_head = ?, follow_head_bytes = ?, follow_inode = ? WHERE id = ?",
                       [.integer(head), .integer(Int64(headBytes)), inode.map { .integer($0) } ?? .null, .integer(sourceID)])
    }

    /// Sets a source's progress (`--from-end`: the lines a new file held when following began count as read).
    public func setLinesRead(sourceID: Int64, _ lines: Int) throws {
        try db.execute("UPDATE source SET lines_read = ? WHERE id = ?", [.integer(Int64(lines)), .integer(sourceID)])
    }

    /// Marks a source read again (a done source whose file turned out to have more lines).
    public func reopen(sourceID: Int64) throws {
        try db.execute("UPDATE source SET state = \(SourceState.partial.sql), finished_at = NULL WHERE id = ? AND state <> \(SourceState.partial.sql)", [.integer(sourceID)])
    }
}
