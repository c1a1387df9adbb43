import MeshLogCore

/// Writes decoded spans into `span_entry` through prepared statements; interns services and names in `span_dict`.
///
/// Not thread-safe; the caller batches rows inside transactions (see `SpanIngester`).
public final class SpanWriter {
    public let db: Database
    private let insertSpan: Statement
    private let insertDict: Statement
    private let insertRejected: Statement
    private var dict: [String: Int64] = [:]

    /// Prepares the statements and loads the span dictionary.
    public init(db: Database) throws {
        self.db = db
        insertSpan = try db.prepare("""
            INSERT INTO span_entry(source_id, line, trace_id, span_id, parent_id, service, name, kind, shared, start_us,
              duration_us, status, http_status, req, attributes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        insertDict = try db.prepare("INSERT INTO span_dict(value) VALUES (?)")
        insertRejected = try db.prepare("INSERT INTO rejected(source_id, line, reason, text) VALUES (?, ?, ?, ?)")
        for row in try db.rows("SELECT id, value FROM span_dict") {
            if let id = row[0].int64, let v = row[1].string { dict[v] = id }
        }
    }

    /// The `span_entry.kind` code of a kind.
    public static func kindCode(_ kind: SpanKind) -> Int64 {
        switch kind {
        case .unspecified: 0
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    /// The kind of a `span_entry.kind` code.
    public static func kind(code: Int64) -> SpanKind {
        switch code {
        case 1: .internal
        case 2: .server
        case 3: .client
        case 4: .producer
        case 5: .consumer
        default: .unspecified
        }
    }

    /// The `span_entry.status` code of a status.
    public static func statusCode(_ status: SpanStatus) -> Int64 {
        switch status {
        case .unset: 0
        case .ok: 1
        case .error: 2
        }
    }

    private func intern(_ value: String) throws -> Int64 {
        if let id = dict[value] { return id }
        insertDict.reset()
        insertDict.bind(value, at: 1)
        try insertDict.execute()
        let id = db.lastInsertRowID
        dict[value] = id
        return id
    }

    /// Inserts one span of source `sourceID` (call inside a transaction).
    public func insert(_ span: Span, sourceID: Int64) throws {
        let s = insertSpan
        s.reset()
        s.bind(sourceID, at: 1)
        s.bind(Int64(span.line), at: 2)
        s.bind(SpanKeys.trace(span.traceID), at: 3)
        s.bind(SpanKeys.span(span.spanID), at: 4)
        if let p = span.parentID { s.bind(SpanKeys.span(p), at: 5) } else { s.bindNull(at: 5) }
        if let service = span.service { s.bind(try intern(service), at: 6) } else { s.bindNull(at: 6) }
        s.bind(try intern(span.name), at: 7)
        s.bind(Self.kindCode(span.kind), at: 8)
        s.bind(Int64(span.shared ? 1 : 0), at: 9)
        if let v = span.startMicros { s.bind(v, at: 10) } else { s.bindNull(at: 10) }
        if let v = span.durationMicros { s.bind(v, at: 11) } else { s.bindNull(at: 11) }
        s.bind(Self.statusCode(span.status), at: 12)
        if let v = span.httpStatus { s.bind(Int64(v), at: 13) } else { s.bindNull(at: 13) }
        if let r = span.requestID { s.bind(SpanKeys.request(r), at: 14) } else { s.bindNull(at: 14) }
        if span.attributes.isEmpty { s.bindNull(at: 15) } else { s.bind(span.attributesJSON, at: 15) }
        try s.execute()
    }

    /// Records a rejected span (call inside a transaction).
    public func reject(sourceID: Int64, line: Int, reason: String, text: String) throws {
        insertRejected.reset()
        try insertRejected.execute([.integer(sourceID), .integer(Int64(line)), .text(reason), .text(text)])
    }

    // MARK: - The span file's source and transactions

    /// Registers a span file as a source in progress; returns its id.
    public func beginSource(path: String, format: String) throws -> Int64 {
        try db.execute("INSERT INTO source(path, format, state) VALUES (?, ?, \(SourceState.partial.sql))",
                       [.text(path), .text(format)])
        return db.lastInsertRowID
    }

    /// Whether a transaction is open already (the span ingest then runs inside it).
    public var isInTransaction: Bool { db.isInTransaction }

    /// Opens a transaction that several spans share.
    public func begin() throws { try db.execute("BEGIN IMMEDIATE") }
    /// Commits the open transaction.
    public func commit() throws { try db.execute("COMMIT") }
    /// Rolls the open transaction back.
    public func rollback() { _ = try? db.execute("ROLLBACK") }

    /// Records a source's progress (inside the transaction of its spans).
    public func recordProgress(source id: Int64, spans: Int, rejected: Int, linesRead: Int) throws {
        try db.execute("UPDATE source SET records = ?, rejected = ?, lines_read = ? WHERE id = ?",
                       [.integer(Int64(spans)), .integer(Int64(rejected)), .integer(Int64(linesRead)), .integer(id)])
    }

    /// Finishes a span file's source in one transaction. When an earlier finished source of the same
    /// format has the same content (and this one did not fail), this one's spans and rejects are
    /// removed and it is marked a duplicate; returns that earlier source's id, else nil.
    public func finishSource(_ id: Int64, contentHash: Int64, bytes: Int64, format: String, failure: String?) throws -> Int64? {
        try db.inTransaction(.immediate) {
            let older = try db.scalar("""
                SELECT id FROM source WHERE content_hash = ? AND state = \(SourceState.done.sql) AND id <> ? AND format = ?
                ORDER BY id LIMIT 1
                """, [.integer(contentHash), .integer(id), .text(format)]).int64
            if let older, failure == nil {
                try db.execute("DELETE FROM span_entry WHERE source_id = ?", [.integer(id)])
                try db.execute("DELETE FROM rejected WHERE source_id = ?", [.integer(id)])
                try db.execute("""
                    UPDATE source SET state = \(SourceState.duplicate.sql), content_hash = ?, records = 0, rejected = 0,
                    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = 'same content as source ' || ?
                    WHERE id = ?
                    """, [.integer(contentHash), .integer(older), .integer(id)])
                return older
            }
            try db.execute("""
                UPDATE source SET state = ?, content_hash = ?, size = ?,
                finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = ? WHERE id = ?
                """, [.text((failure == nil ? SourceState.done : .failed).rawValue), .integer(contentHash), .integer(bytes),
                      failure.map { .text($0) } ?? .null, .integer(id)])
            return nil
        }
    }
}
