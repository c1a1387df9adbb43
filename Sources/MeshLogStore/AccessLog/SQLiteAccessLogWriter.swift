import MeshLogCore
import CSQLite

/// Stores access-log batches in SQLite through prepared statements kept hot for the whole ingest.
public final class SQLiteAccessLogWriter: AccessLogWriter, @unchecked Sendable {
    public let db: Database
    private let insertRow: Statement
    /// One statement inserting `rowsPerInsert` rows: amortises cursor set-up and VDBE start per row.
    private let insertRows: Statement
    static let rowsPerInsert = 64
    /// What `insertRow` and `insertRows` have bound (they are bound through `handle` directly).
    private let insertRowMemo: BindingMemo
    private let insertRowsMemo: BindingMemo
    private let insertString: BatchedInsert
    private let insertFlagSet: Statement
    private let insertRequest: BatchedInsert
    private let insertDestination: Statement
    private let upsertMinute: BatchedInsert
    private let insertHourLatency: BatchedInsert
    private let insertError: BatchedInsert
    private let insertTLS: BatchedInsert
    private let upsertHour: BatchedInsert
    private let insertPodIP: Statement
    private let insertVariant: Statement
    private let insertRejected: Statement
    private let updateProgress: Statement

    /// Prepares the writer's statements on `db`.
    public init(db: Database) throws {
        self.db = db
        let columns = AccessLogBatch.Column.allCases.map(\.sqlName)
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ",")
        insertRow = try db.prepare("INSERT OR FAIL INTO log_row(\(columns.joined(separator: ","))) VALUES (\(placeholders))")
        let many = Array(repeating: "(\(placeholders))", count: Self.rowsPerInsert).joined(separator: ",")
        insertRows = try db.prepare("INSERT OR FAIL INTO log_row(\(columns.joined(separator: ","))) VALUES \(many)")
        insertRowMemo = BindingMemo(parameters: columns.count)
        insertRowsMemo = BindingMemo(parameters: columns.count * Self.rowsPerInsert)
        insertString = try BatchedInsert(db, table: "dict", columns: ["id", "value"])
        insertFlagSet = try db.prepare("INSERT OR IGNORE INTO flag_set(flags, flag) VALUES (?, ?)")
        insertRequest = try BatchedInsert(db, table: "request", columns: ["id", "rid"])
        func insertTuple(_ table: String, _ columns: [String]) throws -> Statement {
            try db.prepare("INSERT INTO \(table)(id, \(columns.joined(separator: ", "))) VALUES (?\(String(repeating: ", ?", count: columns.count)))")
        }
        insertDestination = try insertTuple("destination", AccessLogBatch.destinationColumns)
        let minuteColumns = SummarySchema.minuteColumns.split(separator: ",").map { String($0.drop { $0 == " " }) }
            + ["slowest_ms", "slowest_req"]
        upsertMinute = try BatchedInsert(db, table: "summary_minute", columns: minuteColumns)
        insertHourLatency = try BatchedInsert(db, table: "summary_hour_latency", columns: minuteColumns)
        insertError = try BatchedInsert(db, table: "summary_error",
                                        columns: ["minute", "reporter", "dest", "caller", "status", "flags", "details", "route", "requests"])
        insertTLS = try BatchedInsert(db, table: "summary_tls", columns: ["minute", "reporter", "dest", "caller", "class", "requests"])
        upsertHour = try BatchedInsert(db, table: "summary_hour", columns: ["hour", "reporter", "dest", "caller", "status", "flags", "requests"])
        insertPodIP = try db.prepare("INSERT OR REPLACE INTO pod_ip(ip, reporter) VALUES (?, ?)")
        insertVariant = try insertTuple("variant", AccessLogBatch.variantColumns)
        insertRejected = try db.prepare("INSERT INTO rejected(source_id, line, reason, text) VALUES (?, ?, ?, ?)")
        updateProgress = try db.prepare("""
            UPDATE source SET lines_read = ?, records = records + ?, rejected = rejected + ?, skipped = skipped + ?
            WHERE id = ?
            """)
    }

    public func findSource(fingerprint: Int64, size: Int64?, path: String) throws -> SourceRecord? {
        let rows = try db.rows("""
            SELECT id, path, state, lines_read, records, rejected, skipped, content_hash, format FROM source
            WHERE fingerprint = ? AND size IS ? AND state IN (\(SourceState.done.sql), \(SourceState.partial.sql), \(SourceState.duplicate.sql))
            ORDER BY (state = \(SourceState.done.sql)) DESC, (path = ?) DESC, id DESC LIMIT 1
            """, [.integer(fingerprint), size.map { .integer($0) } ?? .null, .text(path)])
        return rows.first.map(Self.sourceRecord)
    }

    static func sourceRecord(_ r: [SQLValue]) -> SourceRecord {
        SourceRecord(id: r[0].int64 ?? 0, path: r[1].string ?? "", state: SourceState(rawValue: r[2].string ?? "") ?? .failed,
                     linesRead: Int(r[3].int64 ?? 0), records: Int(r[4].int64 ?? 0),
                     rejected: Int(r[5].int64 ?? 0), skipped: Int(r[6].int64 ?? 0),
                     contentHash: r[7].int64, format: r[8].string)
    }

    public func beginSource(path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64 {
        try beginSource(id: nil, path: path, size: size, fingerprint: fingerprint, format: format)
    }

    /// Registers a new input under `id` (the next free one when nil) and returns its id.
    public func beginSource(id: Int64?, path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64 {
        try db.execute("INSERT INTO source(id, path, size, fingerprint, format, state) VALUES (?, ?, ?, ?, ?, \(SourceState.partial.sql))",
                       [id.map { .integer($0) } ?? .null, .text(path), size.map { .integer($0) } ?? .null,
                        fingerprint.map { .integer($0) } ?? .null, format.map { .text($0) } ?? .null])
        return db.lastInsertRowID
    }

    /// Refreshes the planner's statistics of `log_row` (see `StoreSchema.refreshStatistics`).
    public func refreshStatistics() throws {
        try StoreSchema.refreshStatistics(db)
    }

    /// The largest source id in use.
    public func maxSourceID() throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM source").int64 ?? 0
    }

    /// Records the detected format of a source.
    public func setFormat(_ id: Int64, format: String) throws {
        try db.execute("UPDATE source SET format = ? WHERE id = ?", [.text(format), .integer(id)])
    }

    public func begin() throws { try db.execute("BEGIN IMMEDIATE") }

    public func commit() throws { try db.execute("COMMIT") }

    public func rollback() { _ = try? db.execute("ROLLBACK") }

    public func write(_ batch: AccessLogBatch) throws {
        // Inside an open transaction, write directly: a savepoint would copy every page it
        // touches to a sub-journal.
        if db.isInTransaction { return try writeRows(batch) }
        try db.inTransaction(.immediate) { try writeRows(batch) }
    }

    private func writeRows(_ batch: AccessLogBatch) throws {
        do {
            let strings = batch.newStrings
            try insertString.run(strings.count) { statement, row, base in
                statement.bind(strings[row].id, at: base + 1)
                strings[row].value.withUnsafeBufferPointer { statement.bindText($0, at: base + 2) }
            }
            for f in batch.newFlagSets {
                insertFlagSet.bind(f.flags, at: 1)
                insertFlagSet.bind(f.flag, at: 2)
                _ = try insertFlagSet.step()
                insertFlagSet.reset()
            }
            let requests = batch.newRequests
            try insertRequest.run(requests.count) { statement, row, base in
                let r = requests[row]
                statement.bind(r.id, at: base + 1)
                r.value.withUnsafeBufferPointer { bytes in
                    if r.isBlob { statement.bindBlob(UnsafeRawBufferPointer(bytes), at: base + 2) } else { statement.bindText(bytes, at: base + 2) }
                }
            }
            try insertTuples(insertDestination, batch.newDestinations, arity: AccessLogBatch.destinationColumns.count)
            try insertTuples(insertVariant, batch.newVariants, arity: AccessLogBatch.variantColumns.count)
            for pod in batch.newPods {
                // A workload a cluster dump gave the pod (`pod_fact`) stays: the name's is only inferred.
                try db.execute("""
                    INSERT INTO pod(reporter, name, workload, namespace) VALUES (?, ?, ?, ?)
                    ON CONFLICT(reporter) DO UPDATE SET name = excluded.name, namespace = coalesce(excluded.namespace, pod.namespace),
                      workload = CASE WHEN EXISTS (SELECT 1 FROM pod_fact f WHERE f.reporter = excluded.reporter) THEN pod.workload ELSE excluded.workload END
                    """, [.integer(pod.reporter), .text(pod.name), .text(pod.workload), pod.namespace.map { .text($0) } ?? .null])
            }
            try writePodFacts(batch.newPodFacts)
            for address in batch.newPodAddresses {
                try db.execute("INSERT OR REPLACE INTO pod_address(ip, reporter) VALUES (?, ?)", [.text(address.ip), .integer(address.reporter)])
            }
            try insertRows(batch)
            try writeSummaries(batch)
            for r in batch.rejected {
                insertRejected.bind(batch.sourceID, at: 1)
                insertRejected.bind(Int64(r.line), at: 2)
                insertRejected.bind(r.reason, at: 3)
                r.text.withUnsafeBufferPointer { insertRejected.bindText($0, at: 4) }
                _ = try insertRejected.step()
                insertRejected.reset()
            }
            updateProgress.bind(Int64(batch.linesRead), at: 1)
            updateProgress.bind(Int64(batch.rowCount), at: 2)
            updateProgress.bind(Int64(batch.rejected.count), at: 3)
            updateProgress.bind(Int64(batch.skipped), at: 4)
            updateProgress.bind(batch.sourceID, at: 5)
            _ = try updateProgress.step()
            updateProgress.reset()
        }
    }

    /// Stores what a cluster dump says about pods: the fact itself (`pod_fact`), the pod's
    /// workload (`pod`, over the one inferred from its name) and its IP (`pod_address`, `pod_ip`), so
    /// lines name it as a caller or callee even when it never logged.
    private func writePodFacts(_ facts: [(reporter: Int64, fact: PodFact)]) throws {
        for (reporter, fact) in facts {
            func text(_ value: String?) -> SQLValue { value.map { SQLValue.text($0) } ?? SQLValue.null }
            let values: [SQLValue] = [.integer(reporter), .text(fact.namespace), text(fact.ip), .text(fact.workload),
                                      text(fact.app), text(fact.version), .text(fact.origin)]
            try db.execute("INSERT OR REPLACE INTO pod_fact(reporter, namespace, ip, workload, app, version, origin) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            try db.execute("INSERT OR REPLACE INTO pod(reporter, name, workload, namespace) VALUES (?, ?, ?, ?)",
                           [.integer(reporter), .text(fact.name), .text(fact.workload), .text(fact.namespace)])
            guard let ip = fact.ip else { continue }
            try db.execute("INSERT OR REPLACE INTO pod_address(ip, reporter) VALUES (?, ?)", [.text(ip), .integer(reporter)])
            if let packed = SummarySchema.ipv4(ip) {
                try db.execute("INSERT OR REPLACE INTO pod_ip(ip, reporter) VALUES (?, ?)", [.integer(packed), .integer(reporter)])
            }
        }
    }

    /// Appends the batch's summary deltas and stores its pod addresses.
    private func writeSummaries(_ batch: AccessLogBatch) throws {
        for (insert, deltas) in [(upsertMinute, batch.summaryMinutes), (insertHourLatency, batch.summaryHourLatencies)] {
            try insert.run(deltas.count) { statement, row, base in
                let m = deltas[row]
                statement.bind(m.minute, at: base + 1)
                statement.bind(m.reporter, at: base + 2)
                statement.bind(m.dest, at: base + 3)
                statement.bind(m.caller, at: base + 4)
                for (i, c) in m.counts.enumerated() { statement.bind(c, at: base + Int32(5 + i)) }
                func bind(_ histogram: [UInt8]?, at index: Int32) {
                    if let histogram { histogram.withUnsafeBytes { statement.bindBlob($0, at: index) } } else { statement.bindNull(at: index) }
                }
                bind(m.duration, at: base + 14)
                bind(m.upstream, at: base + 15)
                if let v = m.slowestMs { statement.bind(v, at: base + 16) } else { statement.bindNull(at: base + 16) }
                if let v = m.slowestReq { statement.bind(v, at: base + 17) } else { statement.bindNull(at: base + 17) }
            }
        }
        let errors = batch.summaryErrors
        try insertError.run(errors.count) { statement, row, base in
            for (i, v) in errors[row].enumerated() { statement.bind(v, at: base + Int32(i + 1)) }
        }
        let tls = batch.summaryTLS
        try insertTLS.run(tls.count) { statement, row, base in
            for (i, v) in tls[row].enumerated() { statement.bind(v, at: base + Int32(i + 1)) }
        }
        let hours = batch.summaryHours
        try upsertHour.run(hours.count) { statement, row, base in
            let h = hours[row]
            statement.bind(h.hour, at: base + 1)
            statement.bind(h.reporter, at: base + 2)
            statement.bind(h.dest, at: base + 3)
            statement.bind(h.caller, at: base + 4)
            statement.bind(h.status, at: base + 5)
            statement.bind(h.flags, at: base + 6)
            statement.bind(h.requests, at: base + 7)
        }
        for p in batch.newPodIPs {
            insertPodIP.bind(p.ip, at: 1)
            insertPodIP.bind(p.reporter, at: 2)
            _ = try insertPodIP.step()
            insertPodIP.reset()
        }
    }

    /// Inserts flat tuples (id, then `arity` values; `TupleInterner.null` is NULL).
    private func insertTuples(_ statement: Statement, _ flat: [Int64], arity: Int) throws {
        var i = 0
        while i + arity < flat.count {
            statement.bind(flat[i], at: 1)
            for k in 1...arity {
                let v = flat[i + k]
                if v == TupleInterner.null { statement.bindNull(at: Int32(k + 1)) } else { statement.bind(v, at: Int32(k + 1)) }
            }
            _ = try statement.step()
            statement.reset()
            i += arity + 1
        }
    }

    private func insertRows(_ batch: AccessLogBatch) throws {
        let columns = AccessLogBatch.columnCount
        let values = batch.values
        let kinds = batch.kinds
        let arena = UnsafeMutableRawPointer(batch.arena)
        var row = 0
        // Integers and NULLs already bound at a parameter are not bound again (the batch's source
        // and reporter, absent fields); text and blobs point into this batch's arena, so always.
        @inline(__always) func bindRow(_ stmt: OpaquePointer, _ memo: BindingMemo, _ r: Int, parameterBase: Int32) {
            var cell = r * columns
            for c in 0..<columns {
                let index = parameterBase + Int32(c + 1)
                let v = values[cell]
                switch kinds[cell] {
                case 1: memo.bind(stmt, v, at: index)
                case 2:
                    memo.forget(index)
                    let p = (arena + Int(v >> 24)).assumingMemoryBound(to: CChar.self)
                    sqlite3_bind_text(stmt, index, p, Int32(v & 0xFF_FFFF), nil)
                case 3:
                    memo.forget(index)
                    sqlite3_bind_blob(stmt, index, arena + Int(v >> 24), Int32(v & 0xFF_FFFF), nil)
                default: memo.bindNull(stmt, at: index)
                }
                cell += 1
            }
        }
        func run(_ statement: Statement) throws {
            let rc = sqlite3_step(statement.handle)
            guard rc == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.handle))
                sqlite3_reset(statement.handle)
                throw SQLiteError(code: rc, message: message, sql: statement.sql)
            }
            sqlite3_reset(statement.handle)
        }
        let many = insertRows.handle
        while batch.rowCount - row >= Self.rowsPerInsert {
            for k in 0..<Self.rowsPerInsert { bindRow(many, insertRowsMemo, row + k, parameterBase: Int32(k * columns)) }
            try run(insertRows)
            row += Self.rowsPerInsert
        }
        while row < batch.rowCount {
            bindRow(insertRow.handle, insertRowMemo, row, parameterBase: 0)
            try run(insertRow)
            row += 1
        }
    }

    /// The oldest finished source with this content other than `id`, if any.
    public func olderCopy(of id: Int64, contentHash: Int64) throws -> Int64? {
        try db.scalar("SELECT id FROM source WHERE content_hash = ? AND state = \(SourceState.done.sql) AND id <> ? ORDER BY id LIMIT 1",
                      [.integer(contentHash), .integer(id)]).int64
    }

    public func finishSource(_ id: Int64, contentHash: Int64, error: String?) throws -> Int64? {
        try db.inTransaction(.immediate) {
            let older = try olderCopy(of: id, contentHash: contentHash)
            if let older, error == nil {
                let span = try minuteSpan(of: id)
                try db.execute("DELETE FROM log_row WHERE source_id = ?", [.integer(id)])
                // Take the deleted lines back out of the summaries.
                try recount(span)
                try db.execute("DELETE FROM rejected WHERE source_id = ?", [.integer(id)])
                try db.execute("""
                    UPDATE source SET state = \(SourceState.duplicate.sql), content_hash = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                    error = 'same content as source ' || ? WHERE id = ?
                    """, [.integer(contentHash), .integer(older), .integer(id)])
                return older
            }
            try db.execute("""
                UPDATE source SET state = ?, content_hash = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), error = ?
                WHERE id = ?
                """, [.text((error == nil ? SourceState.done : .failed).rawValue), .integer(contentHash), error.map { .text($0) } ?? .null, .integer(id)])
            return nil
        }
    }

    /// The first and last minute of a source's stored rows, and whether some have no start time.
    private func minuteSpan(of source: Int64) throws -> (first: Int64?, last: Int64?, untimed: Bool) {
        let row = try db.rows("SELECT min(start_us) / 60000000, max(start_us) / 60000000, sum(start_us IS NULL) FROM log_row WHERE source_id = ?",
                              [.integer(source)]).first
        return (row?[0].int64, row?[1].int64, (row?[2].int64 ?? 0) > 0)
    }

    /// Rebuilds the summaries of the minutes in `span`.
    private func recount(_ span: (first: Int64?, last: Int64?, untimed: Bool)) throws {
        if let first = span.first, let last = span.last {
            try SummarySchema.rebuild(db, firstMinute: first, lastMinute: last, withUntimed: span.untimed)
        } else if span.untimed {
            try SummarySchema.rebuild(db, firstMinute: 0, lastMinute: -1, withUntimed: true)
        }
    }

    /// Recounts the summaries of the minutes a source's stored rows fall in (after a killed run).
    public func rebuildSummaries(source id: Int64) throws {
        try db.inTransaction(.immediate) { try recount(try minuteSpan(of: id)) }
    }

    /// Rows already stored.
    public func storedRowCount() throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM log_row").int64 ?? 0
    }

    public var location: String { db.path }

    /// The indexes of a deferrable set, with their SQL.
    private static func indexes(_ which: DeferredIndexes) -> [(name: String, sql: String)] {
        switch which {
        case .rows: StoreSchema.logRowIndexes
        case .requestIDs: [StoreSchema.requestRidIndex]
        }
    }

    /// Drops a set of secondary indexes for a load (rebuilt by `buildIndexes` or `ensureIndexes`).
    public func dropIndexes(_ which: DeferredIndexes) throws {
        for index in Self.indexes(which) { try db.execute("DROP INDEX IF EXISTS \(index.name)") }
    }

    public func buildIndexes(_ which: DeferredIndexes) throws {
        for index in Self.indexes(which) { try db.execute(index.sql) }
    }

    /// Checkpoints on their own thread and connection, overlapping the writer: the log is copied
    /// back once it holds 128 MB (fewer copies of pages written again), and the writer waits past
    /// 256 MB. None for an in-memory store.
    public func startCheckpoints() throws -> (any LogCheckpointer)? {
        guard db.path != ":memory:" else { return nil }
        let pageSize = max(512, try db.scalar("PRAGMA page_size").int64 ?? 4096)
        return try WALCheckpointer(writer: db, minimumFrames: Int32((128 << 20) / pageSize),
                                   maximumFrames: Int32((256 << 20) / pageSize))
    }

    /// SQLite's default checkpoints (every 1,000 pages) keep each pause of the writer short.
    public func useShortCheckpoints() throws {
        try db.execute("PRAGMA wal_autocheckpoint=1000")
    }

    /// A second, read-only connection to find stored request ids (none for an in-memory store).
    public func makeRequestLookup() throws -> (any RequestLookup)? {
        db.path != ":memory:" ? try SQLiteRequestLookup(path: db.path) : nil
    }

    /// Creates any missing secondary index (after a bulk load, or a bulk load that was killed).
    /// - Returns: the names of the indexes it had to build.
    @discardableResult
    public func ensureIndexes() throws -> [String] {
        var built: [String] = []
        for (name, sql) in StoreSchema.logRowIndexes + [StoreSchema.requestRidIndex] {
            let exists = try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", [.text(name)]).int64 ?? 0
            if exists == 0 {
                try db.execute(sql)
                built.append(name)
            }
        }
        return built
    }

    /// The largest request id in use.
    public func maxRequestID() throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM request").int64 ?? 0
    }

    /// The largest id in a dimension table (`destination` or `variant`).
    public func maxTupleID(_ table: String) throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM \(table)").int64 ?? 0
    }

    /// Loads a dimension table's rows (`TupleInterner.null` for NULL), at most `limit`, newest first.
    public func loadTuples(_ table: String, columns: [String], limit: Int, _ body: (Int64, [Int64]) -> Void) throws {
        let stmt = try db.prepare("SELECT id, \(columns.joined(separator: ", ")) FROM \(table) ORDER BY id DESC LIMIT ?")
        stmt.bind(Int64(limit), at: 1)
        while try stmt.step() {
            body(stmt.int64(0), (1...columns.count).map { stmt.isNull(Int32($0)) ? TupleInterner.null : stmt.int64(Int32($0)) })
        }
    }

    public func maxDictionaryID() throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM dict").int64 ?? 0
    }

    public func loadDictionary(limit: Int, _ body: (Int64, String) -> Void) throws {
        let stmt = try db.prepare("SELECT id, value FROM dict ORDER BY id DESC LIMIT ?")
        stmt.bind(Int64(limit), at: 1)
        while try stmt.step() {
            body(stmt.int64(0), stmt.text(1) ?? "")
        }
    }
}
