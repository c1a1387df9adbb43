import Foundation
import MeshLogCore
import MeshLogStore

/// Ingests access-log inputs into the store: detects each input's format, parses on this
/// thread, writes on a writer thread, and records progress so a killed run resumes exactly.
///
/// For example:
/// ```swift
/// let db = try SQLiteStore.openForWriting(path: "meshlog.db")
/// let ingester = try Ingester(db: db, options: IngestOptions())
/// let summary = try ingester.run(try InputDiscovery.expand(["samples"])) { event in … }
/// ```
public final class Ingester {
    /// The connection, for the span ingest and the follower's bookkeeping (SQLite stores; nil
    /// for a writer of another kind, which takes access logs only).
    let db: Database?
    /// Everything the run writes goes through this contract.
    let writer: any AccessLogWriter
    let options: IngestOptions
    let interner: StringInterner
    private let requests: StringInterner
    private let requestLookup: (any RequestLookup)?
    /// Whether request ids may be in the store already (then each new one is looked up there).
    private let requestsStored: RequestsStored
    /// The request ids this run handed out, so that once `requests` has overflowed only ids it
    /// may have seen are looked up in the store.
    private let seenRequests = SeenRequests()
    /// `request_rid` is left out while this run's requests all fit the in-memory table (the store
    /// had none): built when the table first overflows, before spans, and at the end.
    private var requestIndexDeferred = false
    private let destinations = DestinationCache()
    /// Ids of the `destination` and `variant` dimension rows, shared by every file of the run.
    private let destinationIDs: TupleInterner
    /// Copies the WAL back into the database on its own thread during `run`.
    private var checkpointer: (any LogCheckpointer)?
    private let variantIDs: TupleInterner
    var knownPods: Set<Int64> = []
    let fixedParser: (name: String, parser: AccessLogLineParser)?
    var summary = IngestSummary()
    /// The cluster dumps of the run (`ClusterDumpIngest.swift`).
    let dumps = ClusterDumpState()
    private(set) var onEvent: (IngestEvent) -> Void = { _ in }
    private var startTime = Date()
    var runBytes: Int64 = 0
    private var totalBytes: Int64?
    private var lastProgress = Date.distantPast
    /// The writer pipeline every file of a `run` shares, so one file's tail is written while the
    /// next is parsed (nil between runs, and in a follow run, which has its own).
    private var runPipeline: BatchPipeline?
    /// The next `source` id to hand out: ids are given out here so a file's rows can be queued
    /// before the writer thread has stored its source row.
    private var nextSourceID: Int64
    /// Files whose rows are all queued, in order, with the report each gets once the writer
    /// thread has finished its source (it may turn out a duplicate).
    private var finishing: [(report: FileReport, streamError: String?, result: FinishResult)] = []

    /// Prepares an ingest into `db` (opened with `SQLiteStore.openForWriting`).
    ///
    /// - Throws: `IngestError` for an unknown preset or a bad format string.
    public convenience init(db: Database, options: IngestOptions) throws {
        try self.init(writer: try SQLiteAccessLogWriter(db: db), db: db, options: options)
    }

    /// Prepares an ingest through any writer (no spans or follow runs without a SQLite `db`).
    ///
    /// - Throws: `IngestError` for an unknown preset or a bad format string.
    public init(writer: any AccessLogWriter, db: Database? = nil, options: IngestOptions) throws {
        self.db = db
        self.options = options
        self.writer = writer
        interner = StringInterner(firstID: try writer.maxDictionaryID() + 1)
        var preload: [(Int64, String)] = []
        try writer.loadDictionary(limit: 200_000) { preload.append(($0, $1)) }
        for (id, value) in preload.reversed() { interner.preload(id: id, value: value) }
        let destinationIDs = TupleInterner(arity: AccessLogBatch.destinationColumns.count,
                                           firstID: try writer.maxTupleID("destination") + 1, maxEntries: 1 << 14)
        let variantIDs = TupleInterner(arity: AccessLogBatch.variantColumns.count,
                                       firstID: try writer.maxTupleID("variant") + 1, maxEntries: 1 << 16)
        // Tuples are keyed by dictionary ids, so a stored tuple matches again when its strings
        // were preloaded above (and is stored once more under a new id when not).
        try writer.loadTuples("destination", columns: AccessLogBatch.destinationColumns, limit: 1 << 13) { destinationIDs.preload(id: $0, values: $1) }
        try writer.loadTuples("variant", columns: AccessLogBatch.variantColumns, limit: 1 << 15) { variantIDs.preload(id: $0, values: $1) }
        self.destinationIDs = destinationIDs
        self.variantIDs = variantIDs
        let firstRequest = try writer.maxRequestID() + 1
        // A request's lines are spread over every pod it passed through, which a bundle holds as
        // separate files, so the table holds a whole day of a busy mesh's requests (about 16 MB
        // at its fullest) before it is cleared and ids are looked up in the store instead.
        requests = StringInterner(firstID: firstRequest, maxEntries: options.requestTableEntries, maxArenaBytes: 8 << 20, auxSlots: 0)
        // Request ids are looked up in the store (from a second, read-only connection) once they
        // may have been stored before: by an earlier run, or earlier in this run before the
        // bounded table forgot them. So one request keeps one id across files.
        requestsStored = RequestsStored(firstRequest > 1)
        requestLookup = try writer.makeRequestLookup()
        fixedParser = try options.format.resolve()
        nextSourceID = try writer.maxSourceID() + 1
        summary.database = writer.location
    }

    /// What the writer thread found when it finished a file's source.
    private final class FinishResult: @unchecked Sendable {
        enum Outcome {
            /// The file's rows stay.
            case stored
            /// Same content as the older source `of`: the file's rows were taken out again.
            case duplicate(of: Int64)
        }
        private let lock = NSLock()
        private var value: Outcome?
        /// Nil until the writer thread has finished the source.
        var outcome: Outcome? {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    /// The run's shared writer pipeline, started on first use.
    func sharedRunPipeline() -> BatchPipeline {
        if let runPipeline { return runPipeline }
        let checkpointer = self.checkpointer
        // Commits every 32 batches (about a second, the other bound): a bundle's index pages
        // are dirtied all over, and each commit writes every dirty page to the WAL again.
        // Six batches in flight (about 12 MB) let either thread run ahead through the other's
        // slow moments (a summary drain, a commit): the run's idle CPU time went from about
        // 1.1 to 0.8 s on a bundle.
        let made = BatchPipeline(writer: writer, batches: 6, capacity: options.batchSize, rowsPerCommit: options.batchSize * 32,
                                 beforeBegin: { checkpointer?.waitIfLogIsLong(patience: 2) })
        runPipeline = made
        return made
    }

    /// Waits until the run's pipeline has written everything queued (so this thread may use the
    /// connection), and announces the files it finished.
    private func settleRunPipeline() throws {
        guard let runPipeline else { return }
        defer { announceFinishedFiles() }
        try runPipeline.drain()
    }

    /// Writes out and stops the run's pipeline, and announces the last finished files.
    func endRunPipeline() throws {
        guard let pipeline = runPipeline else { return }
        // Everything is read: the log is copied back while the writer stores the last batches.
        checkpointer?.hurry()
        defer { stopRunPipeline() }
        try settleRunPipeline()
        stopRunPipeline()
        summary.timing = IngestSummary.Timing(writerSeconds: pipeline.writeSeconds, writerCPUSeconds: pipeline.writerCPUSeconds,
                                              parserCPUSeconds: BatchPipeline.threadCPUSeconds(), waitSeconds: pipeline.waitSeconds)
    }

    /// Lets the run's writer thread go (after an error, with batches still queued).
    private func stopRunPipeline() {
        guard let pipeline = runPipeline else { return }
        pipeline.close()
        pipeline.join()
        runPipeline = nil
    }

    /// Builds `request_rid` if this run left it out (once the writer thread is idle).
    private func restoreRequestIndex() throws {
        guard requestIndexDeferred else { return }
        try settleRunPipeline()
        try writer.buildIndexes(.requestIDs)
        requestIndexDeferred = false
    }

    /// Reports, in order, the files whose source the writer thread has finished.
    private func announceFinishedFiles() {
        while let first = finishing.first, let outcome = first.result.outcome {
            finishing.removeFirst()
            var report = first.report
            if case .duplicate = outcome {
                // Same content as a file stored before: its rows were taken out again.
                if report.state != .failed { report.state = .duplicate }
                report.records = 0
                report.rejected = 0
                report.error = first.streamError
            }
            finished(report)
        }
    }

    /// Adds a finished file's report to the run's summary and announces it.
    @discardableResult
    func finished(_ report: FileReport) -> FileReport {
        if dumps.absorb(report) {  // a dump's member without access logs is not a failure (counted with the dump)
            summary.files -= 1
            return report
        }
        summary.linesRead += report.lines
        summary.recordsStored += report.records
        summary.linesRejected += report.rejected
        summary.linesSkipped += report.skipped
        summary.reports.append(report)
        onEvent(.fileFinished(report))
        return report
    }

    /// Ingests every input in order and returns the summary.
    public func run(_ unordered: [InputFile], onEvent: @escaping (IngestEvent) -> Void = { _ in }) throws -> IngestSummary {
        self.onEvent = onEvent
        let inputs = RotatedLogOrder.sort(unordered)
        startTime = Date()
        let sizes = inputs.compactMap(\.size)
        totalBytes = sizes.count == inputs.count ? sizes.reduce(0, +) : nil
        // A load killed while indexes were being rebuilt leaves them missing: build them now.
        try writer.ensureIndexes()
        // Checkpoints run beside the writer for the length of the run (see `startCheckpoints`).
        let checkpointer = try writer.startCheckpoints()
        self.checkpointer = checkpointer
        defer {
            stopRunPipeline()  // an error ended the run: let the writer thread go before the checkpointer
            self.checkpointer?.stop()
            self.checkpointer = nil
        }
        // `--bulk yes` skips the secondary indexes during the load and builds them at the end (a
        // killed load gets them back at the start of the next run, above). Measured slower here
        // than keeping them up to date, which overlaps with parsing, so it is off by default.
        let bulk = options.bulkLoad ?? false
        if bulk { try writer.dropIndexes(.rows) }
        if !requestsStored.value {
            try writer.dropIndexes(.requestIDs)
            requestIndexDeferred = true
        }
        dumps.begin(inputs)
        for (index, input) in inputs.enumerated() {
            onEvent(.fileStarted(path: input.path, index: index, count: inputs.count))
            try ingestInput(input)
        }
        try endRunPipeline()
        finishDumps()
        try restoreRequestIndex()
        if bulk {
            onEvent(.indexing)
            try writer.ensureIndexes()
        }
        // The planner reads time ranges from `log_row_dest_start` once it knows how few
        // destinations there are.
        if summary.recordsStored > 0 { try writer.refreshStatistics() }
        // Copying the log back and truncating it (up to 256 MB) is part of the run's time.
        checkpointer?.stop()
        self.checkpointer = nil
        summary.seconds = Date().timeIntervalSince(startTime)
        summary.bytesRead = runBytes
        return summary
    }

    /// Ingests one input whole: a file, stdin or a tar bundle.
    func ingestInput(_ input: InputFile) throws {
        let (stream, format) = try InputOpener.openDetectingFormat(input, detectArchives: true)
        if format.isArchive {
            let tar = TarReader(stream, archiveName: input.path)
            var archiveBytesBefore = runBytes
            dumps.beginArchive(input.path)
            defer { dumps.endArchive() }
            do {
                try tar.forEachMember { name, size, member in
                    try route(name: name, size: size, fingerprint: nil, stream: member)
                    archiveBytesBefore = runBytes
                }
            } catch let error as InputError {
                summary.reports.append(FileReport(path: input.path, format: nil, state: .failed, lines: 0, records: 0,
                                                  rejected: 0, skipped: 0, error: error.description))
            }
            runBytes = max(runBytes, archiveBytesBefore)
        } else {
            let fingerprint = input.isStdin ? nil : try? SourceIdentity.fingerprint(path: input.path, size: input.size ?? 0)
            try route(name: input.path, size: input.size, fingerprint: fingerprint, stream: stream, input: input)
        }
    }

    /// Starts a follow run (`Follower`): indexes in place, and one writer pipeline the followed
    /// files share, committing at least every `commitInterval` seconds.
    func beginFollow(commitInterval: Double, onEvent: @escaping (IngestEvent) -> Void) throws -> BatchPipeline {
        self.onEvent = onEvent
        startTime = Date()
        try writer.ensureIndexes()
        try writer.refreshStatistics()
        try writer.useShortCheckpoints()
        return BatchPipeline(writer: writer, capacity: options.batchSize, rowsPerCommit: options.batchSize * 8,
                             secondsPerCommit: commitInterval)
    }

    /// The summary of a follow run that read `bytes` bytes.
    func endFollow(bytes: Int64) -> IngestSummary {
        try? writer.refreshStatistics()
        summary.seconds = Date().timeIntervalSince(startTime)
        summary.bytesRead = runBytes + bytes
        return summary
    }

    /// Lines read and rows stored by inputs that ended (or stopped) in this run.
    var endedCounts: (lines: Int, records: Int) { (summary.linesRead, summary.recordsStored) }

    /// Sends a stream to the span ingester when its head is a span file (Zipkin, Jaeger, OTLP,
    /// Tempo JSON, OTLP protobuf), else to the access-log ingest.
    private func route(name: String, size: Int64?, fingerprint: Int64?, stream given: ByteStream, input: InputFile? = nil) throws {
        // A cluster dump's members that are not access logs are taken (and counted) here.
        guard let stream = try routeDumpMember(name: name, size: size, stream: given) else { return }
        let head: [UInt8]
        do {
            head = try PrefixedByteStream.head(of: stream, count: SpanFormatSniffer.recommendedHeadSize)
        } catch let error as InputError {
            summary.files += 1
            let report = FileReport(path: name, format: nil, state: .failed, lines: 0, records: 0, rejected: 0, skipped: 0, error: error.description)
            summary.reports.append(report)
            onEvent(.fileFinished(report))
            return
        }
        let prefixed = PrefixedByteStream(prefix: head, rest: stream)
        let first = head.first { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }
        // OTLP protobuf starts with 0x0A (a single message) or 0x00 (the file exporter's 4-byte lengths).
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || head.first == 0x0A || head.first == 0x00,
           let format = head.withUnsafeBytes({ SpanFormatSniffer.sniff($0) }) {
            try ingestSpans(name: name, stream: prefixed, format: format)
        } else {
            // JSON that is no span file may still be access logs; if it is not, the error says what
            // document it is when the span readers know it (a Tempo search result, jaeger-ui state, Zipkin v1).
            let notSpans = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
                ? head.withUnsafeBytes({ SpanFormatSniffer.recognizedDocument($0) }) : nil
            try ingestStream(name: name, size: size, fingerprint: fingerprint, stream: prefixed, input: input, notSpans: notSpans)
        }
    }

    /// Ingests a span file.
    private func ingestSpans(name: String, stream: ByteStream, format: SpanFormat) throws {
        // Span files are written on this thread, through the same connection, and find the
        // access-log lines of their requests through `request_rid`.
        try settleRunPipeline()
        try restoreRequestIndex()
        summary.files += 1
        onEvent(.formatChosen(path: name, format: format.rawValue, matched: 0, sampled: 0))
        var report = try spanIngester().ingest(name: name, stream: stream, format: format)
        // A store other than SQLite had the file staged: it takes it over now (once).
        if let sink = writer as? any SpanSink, report.state != .alreadyIngested,
           let older = try sink.storeStagedSpans(source: report.sourceID) {
            report.state = .alreadyIngested
            report.error = "same content as source \(older)"
        }
        nextSourceID = max(nextSourceID, try writer.maxSourceID() + 1)  // the span file's own source row
        runBytes += stream.rawBytesRead
        let state: FileReport.State
        switch report.state {
        case .ingested: state = .ingested
        case .alreadyIngested: state = .alreadyIngested
        case .failed: state = .failed
        }
        if state == .alreadyIngested { summary.filesSkipped += 1 }
        let file = FileReport(path: name, format: report.format, state: state, lines: report.lines,
                              records: state == .ingested ? report.spans : 0, rejected: report.rejected, skipped: 0, error: report.error)
        summary.linesRead += report.lines
        summary.spansStored += file.records
        summary.linesRejected += file.rejected
        summary.reports.append(file)
        onEvent(.fileFinished(file))
    }

    private var spans: SpanIngester?
    private func spanIngester() throws -> SpanIngester {
        if let spans { return spans }
        // Without a SQLite store, the writer's span sink stages the files in one.
        guard let db = try db ?? (writer as? any SpanSink)?.stagingStore() else { throw IngestError.spansNeedSQLite }
        let made = try SpanIngester(db: db)
        spans = made
        return made
    }

    /// Ingests one stream of lines (a file, stdin or an archive member).
    private func ingestStream(name: String, size: Int64?, fingerprint: Int64?, stream: ByteStream, input: InputFile? = nil,
                              notSpans: String? = nil) throws {
        let reader = LineReader(stream)
        guard let accessLog = try beginStream(name: name, size: size, fingerprint: fingerprint, input: input, reader: reader) else { return }
        accessLog.notSpans = notSpans
        do {
            try reader.forEachLine({ line, number in try accessLog.feed(line: line, number: number) }, oversized: { number, prefix, total in
                try accessLog.oversized(number: number, prefix: prefix, totalLength: total)
            })
        } catch let error as InputError {
            accessLog.streamError = error.description
        }
        try accessLog.end(.endOfInput)
    }

    /// Starts ingesting one stream of lines: registers its source (or resumes it) and returns the
    /// stream its lines are fed to, or nil when the input was ingested before and is skipped.
    ///
    /// - Parameters:
    ///   - source: the source row and the lines already stored, when the caller looked the input
    ///     up itself (`Follower`); else it is looked up by `fingerprint`.
    ///   - shared: a writer pipeline several streams take turns on (`Follower`); else the
    ///     stream joins the run's. With a shared pipeline a stream holds a batch only while it is
    ///     fed, and waits for the writer before touching the source row.
    ///   - follow: the input grows: a pause detects the format on the lines seen so far, and a
    ///     file whose first lines match no format is not given up on.
    ///   - reader: where the lines come from, for progress.
    func beginStream(name: String, size: Int64?, fingerprint: Int64?, input: InputFile? = nil,
                     source: (id: Int64, resumeFrom: Int)? = nil, pipeline shared: BatchPipeline? = nil,
                     follow: Bool = false, reader: LineReader? = nil) throws -> AccessLogStream? {
        summary.files += 1
        // Without a shared pipeline the stream joins the run's: its source row is begun and
        // finished by the writer thread, in order with the rows, so files overlap.
        let pipeline = shared ?? sharedRunPipeline()
        let queued = shared == nil
        var resumeFrom = 0
        var sourceID: Int64
        var resumed = false
        // A file seen before is looked up on this thread, once the writer thread is idle.
        if fingerprint != nil, source == nil, queued { try settleRunPipeline() }
        if let source {
            sourceID = source.id
            resumeFrom = source.resumeFrom
            resumed = source.resumeFrom > 0
        } else if let fingerprint, let known = try writer.findSource(fingerprint: fingerprint, size: size, path: name) {
            let decision = try SourceResume.decide(state: known.state, linesRead: known.linesRead) {
                guard let input else { return false }
                return try SourceIdentity.contentHash(of: input) == known.contentHash
            }
            switch decision {
            case .alreadyIngested:
                summary.filesSkipped += 1
                runBytes += size ?? 0
                let report = FileReport(path: name, format: known.format, state: .alreadyIngested, lines: 0, records: 0,
                                        rejected: 0, skipped: 0, error: nil)
                summary.reports.append(report)
                onEvent(.fileFinished(report))
                return nil
            case .resume(let lines):
                sourceID = known.id
                resumeFrom = lines
                resumed = true
                // A killed run may have committed rows whose summary deltas were still waiting
                // to be written (they go out every few batches): recount the minutes they touched.
                try writer.rebuildSummaries(source: sourceID)
            case .startNew:
                sourceID = try beginSource(path: name, size: size, fingerprint: fingerprint, queuedOn: queued ? pipeline : nil)
            }
        } else {
            sourceID = try beginSource(path: name, size: size, fingerprint: fingerprint, queuedOn: queued ? pipeline : nil)
        }
        let reporter = options.reporter ?? ReporterName.forPath(name)
        let reporterID = interner.intern(reporter)
        let newPod = knownPods.insert(reporterID).inserted
        let stream = AccessLogStream(ingester: self, name: name, sourceID: sourceID, resumeFrom: resumeFrom, resumed: resumed,
                                     reporter: reporter, reporterID: reporterID, newPod: newPod,
                                     pipeline: pipeline, queued: queued, follow: follow, reader: reader)
        try stream.start(fixed: fixedParser)
        return stream
    }

    /// The store's writer lock, when the caller took one: a follower lets go of it while its
    /// files are quiet, so other ingests can write the store meanwhile.
    public var storeLock: StoreWriteLock?

    /// Takes the store's writer lock back before writing (a follower with lines to store), and
    /// catches up with the ids other writers handed out while it was let go.
    func holdStore() throws {
        guard let lock = storeLock, !lock.isHeld else { return }
        try lock.acquire { holder in onEvent(.follow(.waiting(holder: holder))) }
        if lock.othersMayHaveWritten {
            try catchUpWithStore()
            lock.refreshed()
        }
    }

    /// Lets go of the store's writer lock; everything written must be committed.
    func letGoOfStore() { storeLock?.release() }

    /// Hands out no id another writer stored since this ingest read the store: strings, tuples,
    /// requests (looked up in the store from now on, as another writer may have stored the same
    /// request) and sources.
    func catchUpWithStore() throws {
        interner.skipIDs(below: try writer.maxDictionaryID() + 1)
        destinationIDs.skipIDs(below: try writer.maxTupleID("destination") + 1)
        variantIDs.skipIDs(below: try writer.maxTupleID("variant") + 1)
        let lastRequest = try writer.maxRequestID()
        if lastRequest >= requests.nextID {
            requests.skipIDs(below: lastRequest + 1)
            requestsStored.value = true
        }
        requestLookup?.refresh()
        nextSourceID = max(nextSourceID, try writer.maxSourceID() + 1)
    }

    /// The dictionary id of a pod that names itself line by line, and whether the run sees it first.
    func registerReporter(_ name: UnsafeBufferPointer<UInt8>) -> (id: Int64, isNew: Bool) {
        let id = interner.intern(name)
        return (id, knownPods.insert(id).inserted)
    }

    /// An encoder of `parser`'s records into rows, with the run's dictionaries and request ids.
    func makeEncoder(for parser: AccessLogLineParser) -> AccessLogRowEncoder {
        let lookup = requestLookup
        let requests = self.requests
        let storedBefore = requestsStored
        let seen = seenRequests
        return AccessLogRowEncoder(interner: interner, requests: requests, cache: destinations,
                                   destinationIDs: destinationIDs, variantIDs: variantIDs,
                                   resolveRequest: lookup.map { l in
                                       { value, isBlob in
                                           // Ids stored by earlier runs are not in `seen`: always ask.
                                           if storedBefore.value { return l.find(value, isBlob: isBlob) }
                                           if requests.generation > 0, seen.mightContain(value),
                                              let id = l.find(value, isBlob: isBlob) {
                                               return id
                                           }
                                           seen.insert(value)  // it gets a new id
                                           return nil
                                       }
                                   },
                                   extraNames: { [unowned parser] in parser.extraNames })
    }

    /// Moves the strings and dimension tuples the run's encoders added since the last batch into `batch`.
    func takeNewEntries(into batch: AccessLogBatch) {
        batch.newStrings = interner.takePending()
        batch.newDestinations = destinationIDs.takePending()
        batch.newVariants = variantIDs.takePending()
    }

    /// After a stream handed a batch to the writer: announces finished files (`queued`: the run's
    /// pipeline) and trims the run's tables.
    func batchHandedOver(queued: Bool) throws {
        if queued { announceFinishedFiles() }
        interner.trimIfNeeded()
        requests.trimIfNeeded()
        // From now on request ids are also looked up in the store, through `request_rid`.
        if requests.generation > 0 { try restoreRequestIndex() }
        requestLookup?.refresh()
        destinationIDs.trimIfNeeded()
        variantIDs.trimIfNeeded()
    }

    /// Reports progress (at most every 0.2 s, and at the end of a file): the run has read
    /// `runBytes`, and the current file `lines` lines.
    func reportProgress(runBytes: Int64, lines: Int, final: Bool) {
        self.runBytes = runBytes
        let now = Date()
        if final || now.timeIntervalSince(lastProgress) > 0.2 {
            lastProgress = now
            onEvent(.progress(bytes: runBytes, totalBytes: totalBytes, lines: summary.linesRead + lines,
                              seconds: now.timeIntervalSince(startTime)))
        }
    }

    /// Finishes a stream's source once its rows are written, and returns its report.
    ///
    /// The source is finished by the writer thread after the file's last rows, in the same
    /// transaction; the file is announced once that has committed (with a follow pipeline,
    /// right away). A copy of an older file is committed first, then taken out again in a
    /// transaction of its own.
    func finishSource(_ sourceID: Int64, report: FileReport, contentHash: Int64, streamError: String?,
                      on pipeline: BatchPipeline, queued: Bool) throws -> FileReport {
        let result = FinishResult()
        let writer = self.writer
        let finish: (BatchPipeline.JobContext) throws -> Void = { context in
            if streamError == nil, try writer.olderCopy(of: sourceID, contentHash: contentHash) != nil { try context.commit() }
            let older = try writer.finishSource(sourceID, contentHash: contentHash, error: streamError)
            context.afterCommit { result.outcome = older.map { .duplicate(of: $0) } ?? .stored }
        }
        finishing.append((report, streamError, result))
        if queued {
            try pipeline.perform(finish)
            announceFinishedFiles()
            return report
        }
        try finish(.immediate)
        announceFinishedFiles()
        return summary.reports.last ?? report
    }


    /// Registers a new source: at once, or (`queuedOn`) under an id handed out here, by the
    /// writer thread before the rows queued after it.
    private func beginSource(path: String, size: Int64?, fingerprint: Int64?, queuedOn pipeline: BatchPipeline?) throws -> Int64 {
        guard let pipeline else {
            let id = try writer.beginSource(path: path, size: size, fingerprint: fingerprint, format: nil)
            nextSourceID = max(nextSourceID, id + 1)
            return id
        }
        let id = nextSourceID
        nextSourceID += 1
        let writer = self.writer
        try pipeline.perform { _ in _ = try writer.beginSource(id: id, path: path, size: size, fingerprint: fingerprint, format: nil) }
        return id
    }

    /// Records a source's format: queued behind its rows, or (a shared pipeline) once the writer is idle.
    func setFormat(_ format: String, of source: Int64, on pipeline: BatchPipeline, queued: Bool) throws {
        let writer = self.writer
        if queued { return try pipeline.perform { _ in try writer.setFormat(source, format: format) } }
        try pipeline.drain()  // the connection is the writer thread's while it writes
        try writer.setFormat(source, format: format)
    }

    /// A text-format parser for telling Envoy's own log lines from access logs before a format is known.
    lazy var textParser: AccessLogLineParser = try! FormatCatalog.preset(named: "istio")!.makeParser()
}

/// Whether request ids may be in the store already, shared with the run's encoders.
final class RequestsStored {
    @exclusivity(unchecked) var value: Bool
    init(_ value: Bool) { self.value = value }
}
