import Foundation
import MeshLogCore

/// Stores access-log batches in a ClickHouse store (``ClickHouseStore``): each line one row of
/// `log_line` with its names as text, streamed as one `RowBinary` INSERT per transaction (in
/// pieces of 4 MB as batches are encoded, so the server parses while the ingest reads on).
///
/// The ingest hands out dictionary, tuple and request ids as for SQLite (this writer reports none
/// stored, so every id a run uses arrives in some batch's `new*` lists); the writer keeps them and
/// writes the text. A transaction is the rows of the batches since `begin()`; `commit()` stores, in
/// order: the rows of sources begun in it (as `partial`, nothing read; before their first line is
/// sent), the end of the lines' INSERT (synchronously
/// on every shard, `insert_distributed_sync=1`), the rejected lines, the sources' progress (a new
/// `version` of their row), the pods. A run stopped between the lines and the progress resumes
/// from the recorded `lines_read`: the lines after it that are stored already are read back
/// (`storedLines`) and not sent again, so no line is lost or stored twice.
///
/// Rows are never deleted: a source with the same content as another finished one is marked
/// `duplicate`, and readers leave its rows out (``ClickHouseSchema/excludedSources``).
public final class ClickHouseAccessLogWriter: AccessLogWriter, @unchecked Sendable {
    public let store: ClickHouseStore
    /// The writer's connection for sources, rejects, pods and queries …
    let client: ClickHouseClient
    /// … and the one the lines stream through (both insert synchronously on every shard).
    /// Each shard's share of the open transaction's lines, sent straight to its `log_line_local`
    /// (``ClickHouseSchema/shard(ofRequest:shards:)``, as the Distributed table would place them):
    /// the servers store their shares in parallel, and no server forwards another's rows.
    private var shardStreams: [ShardStream] = []
    /// Bytes of lines gathered before they are sent on as a piece of the INSERT.
    static let pieceBytes = 4 << 20
    /// `log_line` (Distributed) or `log_line_local` (one server).
    private let lineTable: String

    /// The row being encoded, before it joins its shard's body.
    private var row: [UInt8] = []
    private var rejectedBody: [UInt8] = []
    private var podBodies: [String: [UInt8]] = [:]
    private var open = false

    /// The run's dictionary strings, request ids (flag: 3 UUID bytes, 2 text) and tuples, by id.
    private let strings = ByteTable()
    private let requests = ByteTable()
    private var destinations: [Int64] = []
    private var variants: [Int64] = []
    /// Reporters a cluster dump gave facts for: their `pod` rows come from the facts.
    private var podsWithFacts: Set<Int64> = []

    /// The sources this writer knows (begun by it, or found to resume), as they are now …
    private(set) var sources: [Int64: SourceRow] = [:]
    /// … and as the store has them (absent: not stored yet).
    private var storedSources: [Int64: SourceRow] = [:]
    /// Resumed sources not written to yet, with the lines their record says are stored.
    private var resumePoints: [Int64: Int] = [:]
    /// Lines of resumed sources stored after their record's `lines_read` (a run stopped between
    /// its lines and its progress): skipped rather than stored twice. Rejected lines likewise.
    private var storedLines: [Int64: Set<Int64>] = [:]
    private var storedRejects: [Int64: Set<Int64>] = [:]

    /// The last `source.version` written.
    private var version: UInt64 = 0
    /// The next span file's source id (see `spanSourceID`).
    private var nextSpanSourceID: Int64?
    /// The first source id this writer hands out (see `maxSourceID`).
    private var sourceIDBase: Int64?
    /// The largest source id this writer has seen or handed out.
    private var largestSourceID: Int64 = 0
    /// The span files of the run, staged in a temporary SQLite store (see `stagingStore`).
    var staging: SpanStaging?

    /// A writer into `store`, whose schema must be migrated (`ClickHouseStore.migrate()`).
    public init(store: ClickHouseStore) {
        self.store = store
        client = ClickHouseClient(endpoint: store.endpoint, settings: ["insert_distributed_sync": "1"])
        // The server parses the lines as they stream in, while the ingest reads on; it stores them
        // when the INSERT ends (blocks of up to a million rows: smaller ones made more parts to merge
        // and measured slower).
        row.reserveCapacity(4096)
        lineTable = store.table("log_line")
    }

    deinit { staging?.remove() }

    public var location: String { store.endpoint.description }

    // MARK: - Sources

    /// A source's row in `source`.
    struct SourceRow: Equatable {
        var id: Int64
        var path: String
        var size: Int64?
        var fingerprint: Int64?
        var contentHash: Int64?
        var format: String?
        var state: SourceState
        var linesRead: Int64 = 0
        var records: Int64 = 0
        var rejected: Int64 = 0
        var skipped: Int64 = 0
        var error: String?

        var record: SourceRecord {
            SourceRecord(id: id, path: path, state: state, linesRead: Int(linesRead), records: Int(records), rejected: Int(rejected),
                         skipped: Int(skipped), contentHash: contentHash, format: format)
        }
    }

    static let sourceSelect = "SELECT id, path, size, fingerprint, content_hash, format, state, lines_read, records, rejected, skipped, error"

    static func sourceRow(_ r: [String?]) -> SourceRow {
        func int(_ i: Int) -> Int64? { r[i].flatMap { Int64($0) } }
        return SourceRow(id: int(0) ?? 0, path: r[1] ?? "", size: int(2), fingerprint: int(3), contentHash: int(4), format: r[5],
                         state: SourceState(rawValue: r[6] ?? "") ?? .failed, linesRead: int(7) ?? 0, records: int(8) ?? 0,
                         rejected: int(9) ?? 0, skipped: int(10) ?? 0, error: r[11])
    }

    public func findSource(fingerprint: Int64, size: Int64?, path: String) throws -> SourceRecord? {
        let states = [SourceState.done, .partial, .duplicate].map(\.sql).joined(separator: ", ")
        let sizeTest = size.map { "size = \($0)" } ?? "isNull(size)"
        let rows = try client.rows("""
            \(Self.sourceSelect) FROM (\(ClickHouseSchema.latestSources))
            WHERE fingerprint = \(fingerprint) AND \(sizeTest) AND state IN (\(states))
            ORDER BY state = 'done' DESC, path = \(ClickHouseStore.literal(path)) DESC, id DESC LIMIT 1
            """)
        guard let row = rows.first.map(Self.sourceRow) else { return nil }
        if row.state == .partial {
            // The ingest resumes it: this writer records its progress from now on.
            sources[row.id] = row
            storedSources[row.id] = row
            resumePoints[row.id] = Int(row.linesRead)
            largestSourceID = max(largestSourceID, row.id)
        }
        return row.record
    }

    public func beginSource(path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64 {
        try beginSource(id: nil, path: path, size: size, fingerprint: fingerprint, format: format)
    }

    @discardableResult
    public func beginSource(id: Int64?, path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64 {
        let id = try id ?? (maxSourceID() + 1)
        largestSourceID = max(largestSourceID, id)
        sources[id] = SourceRow(id: id, path: path, size: size, fingerprint: fingerprint, format: format, state: .partial)
        if !open { try storeSources() }
        return id
    }

    public func setFormat(_ id: Int64, format: String) throws {
        sources[id]?.format = format
        if !open { try storeSources() }
    }

    /// A base of source ids no other run uses: the time in milliseconds and 16 random bits
    /// (`ms << 16 | random`), so two ingests into one cluster at once hand out disjoint ranges;
    /// never below an id this writer saw.
    public func maxSourceID() throws -> Int64 {
        try readStoredSources()
        return max(sourceIDBase! - 1, largestSourceID)
    }

    /// The next id for a span file's source. The ingest hands out the ids of its files itself,
    /// upwards from ``maxSourceID()`` + 1, before this writer sees them; span files take theirs
    /// from 2²⁰ above that, so the two never meet (a run of fewer than a million files).
    func spanSourceID() throws -> Int64 {
        try readStoredSources()
        let id = nextSpanSourceID ?? (sourceIDBase! + (1 << 20))
        nextSpanSourceID = id + 1
        return id
    }

    /// Reads, once, the largest source id and `version` stored: ids and versions go on above them
    /// (versions are microseconds of the clock otherwise, so a clock set back changes nothing).
    private func readStoredSources() throws {
        guard sourceIDBase == nil else { return }
        let row = try client.rows("SELECT max(id), max(version) FROM source").first ?? []
        let storedID = row.first.flatMap { $0.flatMap { Int64($0) } } ?? 0
        version = max(version, row.count > 1 ? row[1].flatMap { UInt64($0) } ?? 0 : 0)
        let milliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        sourceIDBase = max(milliseconds << 16 | Int64.random(in: 0..<(1 << 16)), storedID + 1)
    }

    public func olderCopy(of id: Int64, contentHash: Int64) throws -> Int64? {
        let local = sources.values.filter { $0.id != id && $0.state == .done && $0.contentHash == contentHash }.map(\.id).min()
        let stored = try client.rows("""
            SELECT min(id), count() FROM (\(ClickHouseSchema.latestSources))
            WHERE content_hash = \(contentHash) AND state = \(SourceState.done.sql) AND id <> \(id)
            """).first
        let remote = (stored?[1]).flatMap { $0 }.flatMap { Int($0) } ?? 0 > 0 ? (stored?[0]).flatMap { $0 }.flatMap { Int64($0) } : nil
        return [local, remote].compactMap { $0 }.min()
    }

    public func finishSource(_ id: Int64, contentHash: Int64, error: String?) throws -> Int64? {
        let older = error == nil ? try olderCopy(of: id, contentHash: contentHash) : nil
        guard var row = sources[id] else { return older }
        row.contentHash = contentHash
        if let older {
            // Its rows stay; readers leave them out (`ClickHouseSchema.excludedSources`).
            row.state = .duplicate
            row.error = "same content as source \(older)"
        } else {
            row.state = error == nil ? .done : .failed
            row.error = error
        }
        sources[id] = row
        if !open { try storeSources() }
        return older
    }

    /// Nothing to do: the summaries are kept by materialized views on the lines.
    public func rebuildSummaries(source id: Int64) throws {}

    /// Stores a first row (`partial`, nothing read) for the sources begun in the open transaction,
    /// before any of their lines: a run stopped after some lines were stored finds the source and
    /// resumes it, skipping what is stored.
    private func storeBegun() throws {
        let begun = sources.values.filter { storedSources[$0.id] == nil }.sorted { $0.id < $1.id }
        guard !begun.isEmpty else { return }
        let empty = begun.map { row -> SourceRow in
            var first = row
            first.state = .partial
            first.linesRead = 0; first.records = 0; first.rejected = 0; first.skipped = 0
            first.contentHash = nil; first.error = nil
            return first
        }
        try insertSources(empty)
        for row in empty { storedSources[row.id] = row }
    }

    /// Writes the row of every source that changed since it was last stored (a new version).
    private func storeSources() throws {
        let changed = sources.values.filter { storedSources[$0.id] != $0 }.sorted { $0.id < $1.id }
        guard !changed.isEmpty else { return }
        try insertSources(changed)
        for row in changed { storedSources[row.id] = row }
    }

    /// Inserts rows into `source` under a new version.
    func insertSources(_ rows: [SourceRow]) throws {
        try readStoredSources()
        version = max(version + 1, UInt64(Date().timeIntervalSince1970 * 1_000_000))
        var out: [UInt8] = []
        for row in rows {
            RowBinary.int64(row.id, &out)
            RowBinary.string(row.path, &out)
            RowBinary.nullableInt64(row.size, &out)
            RowBinary.nullableInt64(row.fingerprint, &out)
            RowBinary.nullableInt64(row.contentHash, &out)
            RowBinary.nullableString(row.format, &out)
            RowBinary.string(row.state.rawValue, &out)
            for v in [row.linesRead, row.records, row.rejected, row.skipped] { RowBinary.int64(v, &out) }
            RowBinary.nullableString(row.error, &out)
            RowBinary.uint64(version, &out)
        }
        try client.insert(into: "source", columns: ClickHouseSchema.sourceColumns.map(\.name), body: out)
    }

    // MARK: - Transactions

    public func begin() throws {
        if open { return }
        open = true
    }

    public func commit() throws {
        guard open else { return }
        open = false
        try storeBegun()
        // Every shard's rest first, then every answer: the servers finish their shares together.
        for stream in shardStreams where stream.streaming || !stream.body.isEmpty {
            if !stream.streaming { try stream.begin() }
            try stream.client.sendInsertData(stream.body)
            try stream.client.sendInsertEnd()
            stream.body.removeAll(keepingCapacity: true)
        }
        for stream in shardStreams where stream.streaming {
            stream.streaming = false
            try stream.client.awaitInsert()
        }
        if !rejectedBody.isEmpty {
            try client.insert(into: "rejected", columns: ["source_id", "line", "reason", "text"], body: rejectedBody)
            rejectedBody.removeAll(keepingCapacity: true)
        }
        try storeSources()
        for (table, rows) in podBodies.sorted(by: { $0.key < $1.key }) where !rows.isEmpty {
            try client.insert(into: table, columns: Self.podColumns[table]!, body: rows)
        }
        podBodies.removeAll(keepingCapacity: true)
    }

    public func rollback() {
        open = false
        for stream in shardStreams {
            if stream.streaming { stream.client.abandonInsert() }
            stream.streaming = false
            stream.body.removeAll(keepingCapacity: true)
        }
        rejectedBody.removeAll(keepingCapacity: true)
        podBodies.removeAll(keepingCapacity: true)
        // What the store does not have is forgotten (a begun source that was never stored too).
        sources = storedSources
    }

    public func write(_ batch: AccessLogBatch) throws {
        guard open else {
            try begin()
            do { try write(batch); try commit() } catch { rollback(); throw error }
            return
        }
        learn(batch)
        let id = batch.sourceID
        if let from = resumePoints.removeValue(forKey: id) {
            storedLines[id] = try storedLineNumbers(lineTable, source: id, after: from)
            storedRejects[id] = try storedLineNumbers("rejected", source: id, after: from)
        }
        if sources[id] != nil, storedSources[id] == nil { try storeBegun() }
        try appendLines(batch, skipping: storedLines[id])
        for stream in shardStreams where stream.body.count >= Self.pieceBytes {
            // Lines go out while the ingest reads on; a source's row is stored before its first line.
            if !stream.streaming { try stream.begin() }
            try stream.client.sendInsertData(stream.body)
            stream.body.removeAll(keepingCapacity: true)
        }
        let skipRejects = storedRejects[id]
        for r in batch.rejected where skipRejects?.contains(Int64(r.line)) != true {
            RowBinary.int64(id, &rejectedBody)
            RowBinary.int64(Int64(r.line), &rejectedBody)
            RowBinary.string(r.reason, &rejectedBody)
            r.text.withUnsafeBufferPointer { RowBinary.string($0, &rejectedBody) }
        }
        appendPods(batch)
        if var row = sources[id] {
            row.linesRead = Int64(batch.linesRead)
            row.records += Int64(batch.rowCount)
            row.rejected += Int64(batch.rejected.count)
            row.skipped += Int64(batch.skipped)
            sources[id] = row
        }
    }

    /// The line numbers of a source stored after line `after` in `table`.
    private func storedLineNumbers(_ table: String, source: Int64, after: Int) throws -> Set<Int64> {
        let rows = try client.rows("SELECT line FROM \(table) WHERE source_id = \(source) AND line > \(after)")
        return Set(rows.compactMap { $0.first.flatMap { $0.flatMap { Int64($0) } } })
    }

    /// Keeps the batch's new strings, requests and tuples.
    private func learn(_ batch: AccessLogBatch) {
        for s in batch.newStrings { strings.set(s.id, s.value) }
        for r in batch.newRequests { requests.set(r.id, r.value, flag: r.isBlob ? 3 : 2) }
        Self.learnTuples(batch.newDestinations, arity: AccessLogBatch.destinationColumns.count, into: &destinations)
        Self.learnTuples(batch.newVariants, arity: AccessLogBatch.variantColumns.count, into: &variants)
    }

    /// Stores flat tuples (id, then `arity` values) at `id * arity`.
    private static func learnTuples(_ flat: [Int64], arity: Int, into table: inout [Int64]) {
        var i = 0
        while i + arity < flat.count {
            let at = Int(flat[i]) * arity
            if at + arity > table.count { table.append(contentsOf: repeatElement(TupleInterner.null, count: at + arity - table.count)) }
            for k in 0..<arity { table[at + k] = flat[i + 1 + k] }
            i += arity + 1
        }
    }

    // MARK: - Rows

    /// Appends the batch's rows (but those in `stored`) to the transaction's body, in
    /// `ClickHouseSchema.logLineColumns` order.
    private func appendLines(_ batch: AccessLogBatch, skipping stored: Set<Int64>?) throws {
        if shardStreams.isEmpty {
            let shards = store.shards.isEmpty ? try store.discoverShards() : store.shards
            shardStreams = shards.map { ShardStream(client: ClickHouseClient(endpoint: $0)) }
        }
        let streams = shardStreams
        typealias C = AccessLogBatch.Column
        let columns = AccessLogBatch.columnCount
        let values = batch.values, kinds = batch.kinds, arena = batch.arena
        let destinationArity = AccessLogBatch.destinationColumns.count
        let variantArity = AccessLogBatch.variantColumns.count
        var missing: (String, Int64)?
        strings.arena.withUnsafeBufferPointer { dictArena in
        strings.cells.withUnsafeBufferPointer { dictCells in
        requests.arena.withUnsafeBufferPointer { requestArena in
        requests.cells.withUnsafeBufferPointer { requestCells in
        destinations.withUnsafeBufferPointer { destinationTable in
        variants.withUnsafeBufferPointer { variantTable in
            var out = row
            row = []
            defer { row = out }
            @inline(__always) func dictString(_ id: Int64) {
                guard id >= 0, Int(id) < dictCells.count, case let cell = dictCells[Int(id)], cell >= 0 else {
                    missing = missing ?? ("dictionary string", id)
                    RowBinary.null(&out)
                    return
                }
                RowBinary.notNull(&out)
                RowBinary.string(UnsafeBufferPointer(rebasing: dictArena[Int(cell >> 24)..<Int(cell >> 24) + Int(cell & 0xFF_FFFF)]), &out)
            }
            /// A tuple field: a dictionary id, or NULL.
            @inline(__always) func tupleString(_ id: Int64) {
                if id == TupleInterner.null { RowBinary.null(&out) } else { dictString(id) }
            }
            @inline(__always) func arenaBytes(_ v: Int64) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(start: arena + Int(v >> 24), count: Int(v & 0xFF_FFFF))
            }
            for index in 0..<batch.rowCount {
                let base = index * columns
                out.removeAll(keepingCapacity: true)
                var shardKey: UInt64 = 0
                @inline(__always) func kind(_ c: C) -> UInt8 { kinds[base + c.rawValue] }
                @inline(__always) func value(_ c: C) -> Int64 { values[base + c.rawValue] }
                if let stored, stored.contains(value(.line)) { continue }
                @inline(__always) func integer(_ c: C) {
                    if kind(c) == 1 { RowBinary.notNull(&out); RowBinary.int64(value(c), &out) } else { RowBinary.null(&out) }
                }
                /// A dictionary id, or text held in the row.
                @inline(__always) func text(_ c: C) {
                    switch kind(c) {
                    case 1: dictString(value(c))
                    case 2, 3: RowBinary.notNull(&out); RowBinary.string(arenaBytes(value(c)), &out)
                    default: RowBinary.null(&out)
                    }
                }
                /// An address: `ip << 16 | port` (`_int`), or text (`_text`).
                @inline(__always) func address(_ c: C) {
                    switch kind(c) {
                    case 1: integer(c); RowBinary.null(&out)
                    case 2, 3: RowBinary.null(&out); text(c)
                    default: RowBinary.null(&out); RowBinary.null(&out)
                    }
                }
                /// An id held as 16 bytes (kind 3), text (2) or absent (0).
                @inline(__always) func rawID(_ c: C) {
                    let k = kind(c)
                    if k == 2 || k == 3 {
                        RowBinary.string(arenaBytes(value(c)), &out)
                        RowBinary.uint8(k, &out)
                    } else {
                        RowBinary.length(0, &out)
                        RowBinary.uint8(0, &out)
                    }
                }
                RowBinary.int64(value(.sourceID), &out)
                RowBinary.int64(value(.line), &out)
                integer(.startMicros)
                integer(.loggedAt)
                text(.reporter)
                let destination = kind(.destination) == 1 ? Int(value(.destination)) * destinationArity : -1
                if destination >= 0, destination + destinationArity <= destinationTable.count {
                    tupleString(destinationTable[destination])
                    let direction = destinationTable[destination + 1]
                    if direction == TupleInterner.null { RowBinary.null(&out) } else { RowBinary.notNull(&out); RowBinary.int64(direction, &out) }
                    for k in 2..<destinationArity { tupleString(destinationTable[destination + k]) }
                } else {
                    if destination >= 0 { missing = missing ?? ("destination", value(.destination)) }
                    for _ in 0..<destinationArity { RowBinary.null(&out) }
                }
                let variant = kind(.variant) == 1 ? Int(value(.variant)) * variantArity : -1
                if variant >= 0, variant + variantArity <= variantTable.count {
                    for k in 0..<variantArity { tupleString(variantTable[variant + k]) }
                } else {
                    if variant >= 0 { missing = missing ?? ("variant", value(.variant)) }
                    for _ in 0..<variantArity { RowBinary.null(&out) }
                }
                text(.path)
                text(.route)
                integer(.status)
                text(.flags)
                text(.details)
                integer(.bytesReceived)
                integer(.bytesSent)
                integer(.duration)
                integer(.upstreamTime)
                if kind(.requestID) == 1, case let id = Int(value(.requestID)), id < requestCells.count, requestCells[id] >= 0 {
                    let cell = requestCells[id]
                    let bytes = UnsafeBufferPointer(rebasing: requestArena[Int(cell >> 24)..<Int(cell >> 24) + Int(cell & 0xFF_FFFF)])
                    shardKey = ClickHouseSchema.shardKey(bytes)
                    RowBinary.string(bytes, &out)
                    RowBinary.uint8(requests.flags[id], &out)
                } else {
                    if kind(.requestID) == 1 { missing = missing ?? ("request", value(.requestID)) }
                    if kind(.requestID) == 2 || kind(.requestID) == 3 { shardKey = ClickHouseSchema.shardKey(arenaBytes(value(.requestID))) }
                    rawID(.requestID)
                }
                rawID(.traceID)
                text(.upstreamHost)
                address(.upstreamLocal)
                text(.downstreamLocal)
                address(.downstreamRemote)
                text(.extra)
                streams[Int(shardKey % UInt64(streams.count))].body.append(contentsOf: out)
            }
        }}}}}}
        if let (what, id) = missing { throw ClickHouseWriterError.unknownID(what: what, id: id) }
    }

    /// One shard's share of a transaction's lines and its streamed INSERT into `log_line_local`.
    final class ShardStream {
        let client: ClickHouseClient
        var body: [UInt8] = []
        /// Whether the INSERT is under way.
        var streaming = false

        init(client: ClickHouseClient) { self.client = client }

        func begin() throws {
            try client.beginInsert(into: "log_line_local", columns: ClickHouseSchema.logLineColumns.map(\.name))
            streaming = true
        }
    }

    // MARK: - Pods

    static let podColumns: [String: [String]] = [
        "pod": ["reporter", "name", "workload", "namespace"],
        "pod_address": ["ip", "reporter"],
        "pod_ip": ["ip", "reporter"],
        "pod_fact": ["reporter", "namespace", "ip", "workload", "app", "version", "origin"],
    ]

    /// The text of a dictionary id (for the few pod rows).
    private func dictText(_ id: Int64) -> String? {
        guard strings.contains(id) else { return nil }
        let cell = strings.cells[Int(id)]
        return String(decoding: strings.arena[Int(cell >> 24)..<Int(cell >> 24) + Int(cell & 0xFF_FFFF)], as: UTF8.self)
    }

    /// Queues the batch's pods, pod addresses and cluster-dump facts (`ReplacingMergeTree` tables:
    /// storing one twice is harmless).
    private func appendPods(_ batch: AccessLogBatch) {
        for (reporterID, fact) in batch.newPodFacts {
            guard let reporter = dictText(reporterID) else { continue }
            podsWithFacts.insert(reporterID)
            var f: [UInt8] = []
            RowBinary.string(reporter, &f)
            RowBinary.string(fact.namespace, &f)
            RowBinary.nullableString(fact.ip, &f)
            RowBinary.string(fact.workload, &f)
            RowBinary.nullableString(fact.app, &f)
            RowBinary.nullableString(fact.version, &f)
            RowBinary.string(fact.origin, &f)
            podBodies["pod_fact", default: []].append(contentsOf: f)
            var p: [UInt8] = []
            RowBinary.string(reporter, &p)
            RowBinary.string(fact.name, &p)
            RowBinary.string(fact.workload, &p)
            RowBinary.nullableString(fact.namespace, &p)
            podBodies["pod", default: []].append(contentsOf: p)
            if let ip = fact.ip {
                appendAddress(ip, reporter)
                if let packed = SummarySchema.ipv4(ip) { appendPodIP(packed, reporter) }
            }
        }
        // A workload a cluster dump gave the pod stays: the name's is only inferred.
        for pod in batch.newPods where !podsWithFacts.contains(pod.reporter) {
            guard let reporter = dictText(pod.reporter) else { continue }
            var p: [UInt8] = []
            RowBinary.string(reporter, &p)
            RowBinary.string(pod.name, &p)
            RowBinary.string(pod.workload, &p)
            RowBinary.nullableString(pod.namespace, &p)
            podBodies["pod", default: []].append(contentsOf: p)
        }
        for address in batch.newPodAddresses {
            if let reporter = dictText(address.reporter) { appendAddress(address.ip, reporter) }
        }
        for p in batch.newPodIPs {
            if let reporter = dictText(p.reporter) { appendPodIP(p.ip, reporter) }
        }
    }

    private func appendAddress(_ ip: String, _ reporter: String) {
        var a: [UInt8] = []
        RowBinary.string(ip, &a)
        RowBinary.string(reporter, &a)
        podBodies["pod_address", default: []].append(contentsOf: a)
    }

    private func appendPodIP(_ ip: Int64, _ reporter: String) {
        var a: [UInt8] = []
        RowBinary.int64(ip, &a)
        RowBinary.string(reporter, &a)
        podBodies["pod_ip", default: []].append(contentsOf: a)
    }

    // MARK: - Ids earlier runs handed out: none (names are stored as text)

    public func maxRequestID() throws -> Int64 { 0 }
    public func maxDictionaryID() throws -> Int64 { 0 }
    public func loadDictionary(limit: Int, _ body: (Int64, String) -> Void) throws {}
    public func maxTupleID(_ table: String) throws -> Int64 { 0 }
    public func loadTuples(_ table: String, columns: [String], limit: Int, _ body: (Int64, [Int64]) -> Void) throws {}
    public func makeRequestLookup() throws -> (any RequestLookup)? { nil }

    // MARK: - Upkeep: none (no secondary indexes, no write-ahead log)

    public func dropIndexes(_ which: DeferredIndexes) throws {}
    public func buildIndexes(_ which: DeferredIndexes) throws {}
    @discardableResult
    public func ensureIndexes() throws -> [String] { [] }
    public func refreshStatistics() throws {}
    public func startCheckpoints() throws -> (any LogCheckpointer)? { nil }
    public func useShortCheckpoints() throws {}
}

/// A batch the ClickHouse writer cannot store.
public enum ClickHouseWriterError: Error, CustomStringConvertible, Sendable {
    /// A row names an id that no batch of the run introduced (a bug in the ingest).
    case unknownID(what: String, id: Int64)

    public var description: String {
        switch self {
        case .unknownID(let what, let id): "internal error: a row refers to \(what) id \(id), which no batch introduced"
        }
    }
}
