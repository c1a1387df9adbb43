import Foundation

/// A temporary SQLite store in a folder of its own, removed at the end of the run.
final class SpanStaging {
    let folder: URL
    let db: Database

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("meshlog-spans-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        db = try SQLiteStore.openForWriting(path: folder.appendingPathComponent("staging.db").path)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// Span files into ClickHouse: staged in SQLite by the span ingest, then copied into `span` one
/// finished file at a time, with a `source` row of their own.
///
/// Exactly once: a staged file whose content a `done` source of the same format holds is not
/// copied. Otherwise its source row is stored first (`partial`, with its content hash), then its
/// spans and rejects, then the row `done` (or `failed`). A run stopped part way leaves the row
/// `partial`: the next run that stages the same content continues that source, and sends only
/// the spans not stored yet (counted by line, trace, span id, kind and `shared`).
extension ClickHouseAccessLogWriter: SpanSink {
    public func stagingStore() throws -> Database {
        if let staging { return staging.db }
        let made = try SpanStaging()
        staging = made
        return made.db
    }

    public func storeStagedSpans(source staged: Int64) throws -> Int64? {
        guard let db = staging?.db,
              let s = try db.rows("SELECT path, format, state, content_hash, lines_read, records, rejected, error, size FROM source WHERE id = ?",
                                  [.integer(staged)]).first else { return nil }
        let format = s[1].string ?? ""
        let failed = s[2].string == SourceState.failed.rawValue
        let hash = s[3].int64 ?? 0
        var row = SourceRow(id: 0, path: s[0].string ?? "", size: s[8].int64, fingerprint: nil, contentHash: hash, format: format,
                            state: .partial, linesRead: 0, records: 0, rejected: 0, skipped: 0, error: nil)
        let sameContent = try client.rows("""
            \(Self.sourceSelect) FROM (\(ClickHouseSchema.latestSources))
            WHERE content_hash = \(hash) AND format = \(ClickHouseStore.literal(format)) AND state IN ('done', 'partial')
            ORDER BY state = 'done' DESC, id LIMIT 1
            """).first.map(Self.sourceRow)
        if !failed, let older = sameContent, older.state == .done {
            row.id = try spanSourceID()
            row.state = .duplicate
            row.error = "same content as source \(older.id)"
            try record(row)
            return older.id
        }
        var storedSpans: [String: Int] = [:]
        var storedRejects: [Int64: Int] = [:]
        if let partial = sameContent, partial.state == .partial {
            // A run stopped while copying this content: continue its source.
            row.id = partial.id
            for r in try client.rows("SELECT \(Self.spanKey) FROM \(store.table("span")) WHERE source_id = \(partial.id)") {
                storedSpans[r.map { $0 ?? "" }.joined(separator: "|"), default: 0] += 1
            }
            for r in try client.rows("SELECT line FROM rejected WHERE source_id = \(partial.id)") {
                if let line = r.first.flatMap({ $0.flatMap { Int64($0) } }) { storedRejects[line, default: 0] += 1 }
            }
        } else {
            row.id = try spanSourceID()
            try record(row)
        }
        try copySpans(of: staged, as: row.id, skipping: &storedSpans)
        var rejects: [UInt8] = []
        for r in try db.rows("SELECT line, reason, text FROM rejected WHERE source_id = ? ORDER BY rowid", [.integer(staged)]) {
            let line = r[0].int64 ?? 0
            if let n = storedRejects[line], n > 0 { storedRejects[line] = n - 1; continue }
            RowBinary.int64(row.id, &rejects)
            RowBinary.int64(line, &rejects)
            RowBinary.string(r[1].string ?? "", &rejects)
            RowBinary.string(r[2].string ?? "", &rejects)
        }
        if !rejects.isEmpty { try client.insert(into: "rejected", columns: ["source_id", "line", "reason", "text"], body: rejects) }
        row.state = failed ? .failed : .done
        row.linesRead = s[4].int64 ?? 0
        row.records = s[5].int64 ?? 0
        row.rejected = s[6].int64 ?? 0
        row.error = s[7].string
        try record(row)
        return nil
    }

    /// Stores a source row at once (outside any transaction of lines).
    private func record(_ row: SourceRow) throws {
        try insertSources([row])
    }

    /// A span's identity within its file, as `span` renders it and as `stagedKey` spells it.
    static let spanKey = "line, hex(trace), ifNull(toString(span_int), ''), ifNull(span_text, ''), toString(kind), toString(shared)"

    /// Copies a staged source's spans into `span` under `id`, in inserts of up to 100,000 spans,
    /// leaving out those counted in `stored`.
    private func copySpans(of staged: Int64, as id: Int64, skipping stored: inout [String: Int]) throws {
        guard let db = staging?.db else { return }
        let statement = try db.prepare("""
            SELECT s.line, s.trace_id, s.span_id, s.parent_id, (SELECT value FROM span_dict WHERE id = s.service),
              (SELECT value FROM span_dict WHERE id = s.name), s.kind, s.shared, s.start_us, s.duration_us, s.status,
              s.http_status, s.req, s.attributes
            FROM span_entry s WHERE s.source_id = ? ORDER BY s.id
            """)
        statement.bind(staged, at: 1)
        let table = store.table("span")
        let columns = ClickHouseSchema.spanColumns.map(\.name)
        var out: [UInt8] = []
        var count = 0
        func rawID(_ v: SQLValue) {
            switch v {
            case .blob(let b): b.withUnsafeBufferPointer { RowBinary.string($0, &out) }; RowBinary.uint8(3, &out)
            case .text(let t): RowBinary.string(t, &out); RowBinary.uint8(2, &out)
            default: RowBinary.length(0, &out); RowBinary.uint8(0, &out)
            }
        }
        func spanID(_ v: SQLValue) {
            switch v {
            case .integer(let i): RowBinary.nullableInt64(i, &out); RowBinary.null(&out)
            case .text(let t): RowBinary.null(&out); RowBinary.nullableString(t, &out)
            default: RowBinary.null(&out); RowBinary.null(&out)
            }
        }
        while try statement.step() {
            let r = statement.row()
            let line = r[0].int64 ?? 0
            if !stored.isEmpty {
                let key = Self.stagedKey(line: line, trace: r[1], span: r[2], kind: r[6].int64 ?? 0, shared: r[7].int64 ?? 0)
                if let n = stored[key], n > 0 {
                    stored[key] = n - 1
                    continue
                }
            }
            RowBinary.int64(id, &out)
            RowBinary.int64(line, &out)
            rawID(r[1])
            spanID(r[2])
            spanID(r[3])
            RowBinary.nullableString(r[4].string, &out)
            RowBinary.string(r[5].string ?? "", &out)
            RowBinary.int64(r[6].int64 ?? 0, &out)
            RowBinary.int64(r[7].int64 ?? 0, &out)
            RowBinary.nullableInt64(r[8].int64, &out)
            RowBinary.nullableInt64(r[9].int64, &out)
            RowBinary.int64(r[10].int64 ?? 0, &out)
            RowBinary.nullableInt64(r[11].int64, &out)
            rawID(r[12])
            RowBinary.nullableString(r[13].string, &out)
            count += 1
            if count == 100_000 {
                try client.insert(into: table, columns: columns, body: out)
                out.removeAll(keepingCapacity: true)
                count = 0
            }
        }
        if count > 0 { try client.insert(into: table, columns: columns, body: out) }
    }

    /// `spanKey` of a staged span.
    static func stagedKey(line: Int64, trace: SQLValue, span: SQLValue, kind: Int64, shared: Int64) -> String {
        let traceHex: String
        switch trace {
        case .blob(let b): traceHex = b.map { String(format: "%02X", $0) }.joined()
        case .text(let t): traceHex = Array(t.utf8).map { String(format: "%02X", $0) }.joined()
        default: traceHex = ""
        }
        var spanInt = "", spanText = ""
        switch span {
        case .integer(let i): spanInt = String(i)
        case .text(let t): spanText = t
        default: break
        }
        return [String(line), traceHex, spanInt, spanText, String(kind), String(shared)].joined(separator: "|")
    }
}
