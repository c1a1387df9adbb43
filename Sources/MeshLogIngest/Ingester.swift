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
    let db: Database
    let writer: SQLiteAccessLogWriter
    private let options: IngestOptions
    private let interner: StringInterner
    private let requests: StringInterner
    private let requestLookup: RequestLookup?
    private let requestsStoredBefore: Bool
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
    private var checkpointer: WALCheckpointer?
    private let variantIDs: TupleInterner
    private var knownPods: Set<Int64> = []
    private let fixedParser: (name: String, parser: AccessLogLineParser)?
    private var summary = IngestSummary()
    private var onEvent: (IngestEvent) -> Void = { _ in }
    private var startTime = Date()
    private var runBytes: Int64 = 0
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
    public init(db: Database, options: IngestOptions) throws {
        self.db = db
        self.options = options
        writer = try SQLiteAccessLogWriter(db: db)
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
        requestsStoredBefore = firstRequest > 1
        requestLookup = db.path != ":memory:" ? try RequestLookup(path: db.path) : nil
        fixedParser = try options.format.resolve()
        nextSourceID = try writer.maxSourceID() + 1
        summary.database = db.path
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
    private func sharedRunPipeline() -> BatchPipeline {
        if let runPipeline { return runPipeline }
        let checkpointer = self.checkpointer
        // Commits every 32 batches (about a second, the other bound): a bundle's index pages
        // are dirtied all over, and each commit writes every dirty page to the WAL again.
        // Six batches in flight (about 12 MB) let either thread run ahead through the other's
        // slow moments (a summary drain, a commit): the run's idle CPU time went from about
        // 1.1 to 0.8 s on a bundle.
        let made = BatchPipeline(writer: writer, batches: 6, capacity: options.batchSize, rowsPerCommit: options.batchSize * 32,
                                 beforeBegin: { checkpointer?.waitIfLogIsLong() })
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
        try db.execute(StoreSchema.requestRidIndex.sql)
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
    private func finished(_ report: FileReport) -> FileReport {
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
        // Checkpoints run on their own thread and connection, overlapping the writer.
        // Checkpoints copy the log back once it holds 128 MB (fewer copies of pages written
        // again), and the writer waits for them past 256 MB.
        let pageSize = max(512, try db.scalar("PRAGMA page_size").int64 ?? 4096)
        let checkpointer = db.path == ":memory:" ? nil
            : try WALCheckpointer(writer: db, minimumFrames: Int32((128 << 20) / pageSize), maximumFrames: Int32((256 << 20) / pageSize))
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
        if bulk { try writer.dropIndexes(StoreSchema.logRowIndexes.map(\.name)) }
        if !requestsStoredBefore {
            try writer.dropIndexes([StoreSchema.requestRidIndex.name])
            requestIndexDeferred = true
        }
        for (index, input) in inputs.enumerated() {
            onEvent(.fileStarted(path: input.path, index: index, count: inputs.count))
            try ingestInput(input)
        }
        try endRunPipeline()
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
            let fingerprint = input.isStdin ? nil : try? Self.fingerprint(path: input.path, size: input.size ?? 0)
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
        // SQLite's default checkpoints (every 1,000 pages) keep each pause of the writer short.
        try db.execute("PRAGMA wal_autocheckpoint=1000")
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

    /// Fingerprint of a regular file: its size with its first and last 64 KiB.
    static func fingerprint(path: String, size: Int64) throws -> Int64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError.notFound(path: path) }
        defer { try? handle.close() }
        var hasher = ContentHasher(seed: UInt64(bitPattern: size))
        let head = try handle.read(upToCount: 65_536) ?? Data()
        head.withUnsafeBytes { hasher.update($0) }
        if size > 131_072 {
            try handle.seek(toOffset: UInt64(size - 65_536))
            let tail = try handle.read(upToCount: 65_536) ?? Data()
            tail.withUnsafeBytes { hasher.update($0) }
        }
        return Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// Sends a stream to the span ingester when its head is a span file (Zipkin, Jaeger, OTLP,
    /// Tempo JSON), else to the access-log ingest.
    private func route(name: String, size: Int64?, fingerprint: Int64?, stream: ByteStream, input: InputFile? = nil) throws {
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
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
           let format = head.withUnsafeBytes({ SpanFormatSniffer.sniff($0) }) {
            try ingestSpans(name: name, stream: prefixed, format: format)
        } else {
            try ingestStream(name: name, size: size, fingerprint: fingerprint, stream: prefixed, input: input)
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
        let report = try spanIngester().ingest(name: name, stream: stream, format: format)
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
        let made = try SpanIngester(db: db)
        spans = made
        return made
    }

    /// Ingests one stream of lines (a file, stdin or an archive member).
    private func ingestStream(name: String, size: Int64?, fingerprint: Int64?, stream: ByteStream, input: InputFile? = nil) throws {
        guard let session = try beginStream(name: name, size: size, fingerprint: fingerprint, input: input) else { return }
        defer { session.close() }
        let reader = LineReader(stream)
        session.rawBytes = { reader.rawBytesRead }
        do {
            try reader.forEachLine(session.line, oversized: session.oversized)
        } catch let error as InputError {
            session.streamError = error.description
        }
        _ = try session.end(.endOfInput)
    }

    /// Starts ingesting one stream of lines: registers its source (or resumes it) and returns the
    /// session its lines are fed to, or nil when the input was ingested before and is skipped.
    ///
    /// - Parameters:
    ///   - source: the source row and the lines already stored, when the caller looked the input
    ///     up itself (`Follower`); else it is looked up by `fingerprint`.
    ///   - shared: a writer pipeline several sessions take turns on (`Follower`); else the
    ///     session runs its own. With a shared pipeline a session holds a batch only while it is
    ///     fed, and waits for the writer before touching the source row.
    ///   - follow: the input grows: a pause detects the format on the lines seen so far, and a
    ///     file whose first lines match no format is not given up on.
    func beginStream(name: String, size: Int64?, fingerprint: Int64?, input: InputFile? = nil,
                     source: (id: Int64, resumeFrom: Int)? = nil, pipeline shared: BatchPipeline? = nil,
                     follow: Bool = false) throws -> StreamSession? {
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
            if known.state == "done" || known.state == "duplicate", let input,
               try Self.contentHash(of: input) == known.contentHash {
                summary.filesSkipped += 1
                runBytes += size ?? 0
                let report = FileReport(path: name, format: known.format, state: .alreadyIngested, lines: 0, records: 0,
                                        rejected: 0, skipped: 0, error: nil)
                summary.reports.append(report)
                onEvent(.fileFinished(report))
                return nil
            }
            if known.state == "partial" {
                sourceID = known.id
                resumeFrom = known.linesRead
                resumed = true
                // A killed run may have committed rows whose summary deltas were still waiting
                // to be written (they go out every few batches): recount the minutes they touched.
                try writer.rebuildSummaries(source: sourceID)
            } else {
                sourceID = try beginSource(path: name, size: size, fingerprint: fingerprint, queuedOn: queued ? pipeline : nil)
            }
        } else {
            sourceID = try beginSource(path: name, size: size, fingerprint: fingerprint, queuedOn: queued ? pipeline : nil)
        }
        let reporterName = options.reporter ?? Self.reporterName(for: name)
        let reporterID = interner.intern(reporterName)
        var podPending: (reporter: Int64, name: String, workload: String, namespace: String?)? =
            knownPods.contains(reporterID) ? nil
            : (reporterID, reporterName, PodName.workload(reporterName), options.reporter == nil ? PodName.fromPath(name)?.namespace : nil)
        knownPods.insert(reporterID)
        var podAddresses: Set<Int64> = []
        var podIPs: Set<Int64> = []
        let summaries = SummaryAggregator()
        var flushesSinceDrain = 0

        let fileState = FileIngest(sourceID: sourceID, resumeFrom: resumeFrom)
        let session = StreamSession(name: name, sourceID: sourceID)
        var parser: AccessLogLineParser? = fixedParser?.parser
        var formatName = fixedParser?.name
        var encoder: AccessLogRowEncoder?
        var hasher = ContentHasher()
        let record = AccessLogRecord()
        // With a shared pipeline the batch is taken when lines come and handed back at a pause.
        var batch: AccessLogBatch! = shared == nil ? try pipeline.takeFree() : nil
        batch?.sourceID = sourceID
        var handedOver = false
        defer {
            // A stream that failed to start gives its batch back.
            if !handedOver, let taken = batch { pipeline.recycle(taken) }
        }
        func acquire() throws {
            guard batch == nil else { return }
            batch = try pipeline.takeFree()
            batch.sourceID = sourceID
        }
        var sample: [(Int, [UInt8])] = []
        var unwrapper: LineUnwrapper?
        var streamError: String?
        let newline: [UInt8] = [10]
        let rawBefore = runBytes

        /// Hands the batch to the writer; `release` lets go of it (a pause with a shared pipeline).
        func flush(final: Bool, release: Bool = false) throws {
            guard batch != nil else { return }
            if let pod = podPending {
                batch.newPods.append(pod)
                podPending = nil
            }
            batch.newStrings = interner.takePending()
            // Summary deltas go out every eight batches (they add up across batches, so fewer
            // and fuller rows), and at every pause of a followed file.
            flushesSinceDrain += 1
            if final || release || follow || flushesSinceDrain >= 8 {
                summaries.drain(into: batch)
                flushesSinceDrain = 0
            }
            batch.newDestinations = destinationIDs.takePending()
            batch.newVariants = variantIDs.takePending()
            // Progress stops before a partial line still being joined, so a resume reads its fragments again.
            batch.linesRead = unwrapper?.openFragmentLine.map { min(fileState.lineNumber, $0 - 1) } ?? fileState.lineNumber
            if batch.rowCount > 0 || !batch.newStrings.isEmpty || !batch.rejected.isEmpty || batch.skipped > 0 || final
                || !batch.newPods.isEmpty || !batch.newDestinations.isEmpty || !batch.newVariants.isEmpty {
                try pipeline.submit(batch)
                if release {
                    batch = nil
                } else {
                    batch = try pipeline.takeFree()
                    batch.sourceID = sourceID
                }
            } else if release {
                pipeline.recycle(batch)
                batch = nil
            }
            if queued { announceFinishedFiles() }
            interner.trimIfNeeded()
            requests.trimIfNeeded()
            // From now on request ids are also looked up in the store, through `request_rid`.
            if requests.generation > 0 { try restoreRequestIndex() }
            requestLookup?.refresh()
            destinationIDs.trimIfNeeded()
            variantIDs.trimIfNeeded()
            encoder?.syncGeneration()
            if follow { return }  // a `Follower` reports progress for all its files
            runBytes = rawBefore + session.rawBytes()
            let now = Date()
            if final || now.timeIntervalSince(lastProgress) > 0.2 {
                lastProgress = now
                onEvent(.progress(bytes: runBytes, totalBytes: totalBytes, lines: summary.linesRead + fileState.lines,
                                  seconds: now.timeIntervalSince(startTime)))
            }
        }

        func choose(_ p: AccessLogLineParser, _ name: String) {
            parser = p
            formatName = name
            let lookup = requestLookup
            let requests = self.requests
            let storedBefore = requestsStoredBefore
            let seen = seenRequests
            encoder = AccessLogRowEncoder(interner: interner, requests: requests, cache: destinations,
                                          destinationIDs: destinationIDs, variantIDs: variantIDs,
                                          resolveRequest: lookup.map { l in
                                              { value, isBlob in
                                                  // Ids stored by earlier runs are not in `seen`: always ask.
                                                  if storedBefore { return l.find(value, isBlob: isBlob) }
                                                  if requests.generation > 0, seen.mightContain(value),
                                                     let id = l.find(value, isBlob: isBlob) {
                                                      return id
                                                  }
                                                  seen.insert(value)  // it gets a new id
                                                  return nil
                                              }
                                          },
                                          extraNames: { [unowned p] in p.extraNames })
        }

        func handle(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
            guard parser != nil, let unwrapper else { return }
            fileState.lineNumber = number
            fileState.lines += 1
            _ = unwrapper.unwrap(line, lineNumber: number) { payload in
                store(payload, line: unwrapper.firstLineNumber, loggedAt: unwrapper.loggedAtMicros, original: line)
            }
            if batch.rowCount >= options.batchSize || batch.rejected.count >= 4096 { try flush(final: false) }
        }

        /// Parses one unwrapped line and stores it as a row, a rejected line or a skipped one.
        func store(_ payload: UnsafeBufferPointer<UInt8>, line first: Int, loggedAt: Int64?, original: UnsafeBufferPointer<UInt8>) {
            guard let parser, let encoder else { return }
            if payload.isEmpty || Self.isBlank(payload) {
                batch.skipped += 1
                fileState.skipped += 1
            } else if parser.parse(payload, into: record) {
                encoder.encode(record, line: first, reporter: reporterID, into: batch)
                batch.set(.loggedAt, loggedAt)
                fileState.records += 1
                summaries.add(batch, row: batch.rowCount - 1, direction: encoder.lastDirection)
                // An inbound line's downstream_local is this pod's own address.
                if encoder.lastDirection == 1, let id = encoder.lastDownstreamLocal, let local = record.value(.downstreamLocal) {
                    if !podAddresses.contains(id) {
                        podAddresses.insert(id)
                        if let ip = Self.hostIP(String(decoding: local, as: UTF8.self)) {
                            batch.newPodAddresses.append((ip, reporterID))
                            if let packed = SummarySchema.ipv4(ip), podIPs.insert(packed).inserted {
                                batch.newPodIPs.append((packed, reporterID))
                            }
                        }
                    }
                }
                // So is an outbound line's upstream_local (the connection it opened).
                if encoder.lastDirection == 2 {
                    let local = batch.cell(row: batch.rowCount - 1, .upstreamLocal)
                    if local.kind == .integer, podIPs.insert(local.value >> 16).inserted {
                        batch.newPodIPs.append((local.value >> 16, reporterID))
                    }
                }
            } else if Self.isNotAccessLog(payload, parser: parser, record: record) {
                batch.skipped += 1
                fileState.skipped += 1
            } else {
                let keep = UnsafeBufferPointer(rebasing: original[0..<min(original.count, 1024)])
                batch.rejected.append((first, "does not match the \(formatName ?? "?") format", Array(keep)))
                fileState.rejected += 1
            }
        }

        func detectAndDrain() throws {
            let wrapper = unwrapper?.wrapper ?? LineUnwrapper.detect(sample.map(\.1))
            if unwrapper == nil { unwrapper = LineUnwrapper(wrapper) }
            if parser == nil {
                // Detect the format on the payloads, with the wrapper taken off.
                let peel = LineUnwrapper(wrapper)
                var payloads: [[UInt8]] = []
                for (number, bytes) in sample {
                    bytes.withUnsafeBufferPointer { line in
                        _ = peel.unwrap(line, lineNumber: number) { payloads.append(Array($0)) }
                    }
                }
                if let detection = FormatDetector.detect(payloads) {
                    choose(detection.parser, detection.preset.name)
                    let label = wrapper == .none ? detection.preset.name : "\(wrapper.rawValue)+\(detection.preset.name)"
                    formatName = label
                    onEvent(.formatChosen(path: name, format: label, matched: detection.matched, sampled: detection.sampled))
                    try setFormat(label, of: sourceID, on: pipeline, queued: queued)
                }
            }
            guard parser != nil else { return }
            for (number, bytes) in sample { try bytes.withUnsafeBufferPointer { try handle($0, number) } }
            sample.removeAll()
        }

        if let fixed = fixedParser {
            choose(fixed.parser, fixed.name)
            onEvent(.formatChosen(path: name, format: fixed.name, matched: 0, sampled: 0))
            try setFormat(fixed.name, of: sourceID, on: pipeline, queued: queued)
        }
        var sampling = true

        /// Follow: the first lines matched no format; they are rejected and the next lines sampled.
        func rejectSample() {
            for (number, bytes) in sample {
                fileState.lineNumber = number
                fileState.lines += 1
                let text = textParser
                if bytes.isEmpty || bytes.withUnsafeBufferPointer({ Self.isBlank($0) || Self.isNotAccessLog($0, parser: text, record: record) }) {
                    batch.skipped += 1
                    fileState.skipped += 1
                } else {
                    batch.rejected.append((number, "no access-log format matches (tried \(FormatCatalog.presets.map(\.name).joined(separator: ", ")))",
                                           Array(bytes.prefix(1024))))
                    fileState.rejected += 1
                }
            }
            sample.removeAll()
        }

        session.line = { line, number in
            line.withUnsafeBytes { hasher.update($0) }
            newline.withUnsafeBytes { hasher.update($0) }
            if number <= resumeFrom { return true }
            if batch == nil { try acquire() }
            if sampling {
                // The first lines decide the wrapper (and the format, unless given).
                sample.append((number, Array(line)))
                if sample.count >= FormatDetector.sampleSize {
                    sampling = false
                    try detectAndDrain()
                    if parser == nil {
                        guard follow else { return false }
                        rejectSample()
                        sampling = true
                    }
                }
                return true
            }
            try handle(line, number)
            return true
        }
        session.oversized = { number, prefix, total in
            newline.withUnsafeBytes { hasher.update($0) }
            if number <= resumeFrom { return }
            try acquire()
            fileState.lineNumber = number
            fileState.lines += 1
            fileState.rejected += 1
            batch.rejected.append((number, "line is \(total) bytes, longer than the 1 MiB limit",
                                   Array(UnsafeBufferPointer(rebasing: prefix[0..<min(prefix.count, 1024)]))))
        }
        session.pause = {
            // Lines that trickle in are not held back for a full detection sample.
            if sampling, !sample.isEmpty {
                try acquire()
                try detectAndDrain()
                if parser != nil { sampling = false }
            }
            try flush(final: false, release: true)
        }
        session.counts = { (fileState.lines, fileState.records) }
        session.end = { [unowned session] ending in
            // The closures hold this stream's state (batches, encoder, summaries) and the session
            // holds them: once it has ended, let go of both.
            defer { session.release() }
            try acquire()
            streamError = session.streamError
            if !sample.isEmpty { sampling = false; try detectAndDrain() }
            if ending == .endOfInput {
                // A partial line (CRI `P`, Docker without its newline) still open at the end is a line too.
                unwrapper?.finish { payload, first, loggedAt in store(payload, line: first, loggedAt: loggedAt, original: payload) }
            }
            return try finishStream(ending)
        }
        func finishStream(_ ending: StreamSession.Ending) throws -> FileReport {
            if parser == nil, ending != .stopped {
                // Nothing parsed: keep the lines aside as rejected so nothing is silently dropped.
                fileState.lineNumber = max(fileState.lineNumber, sample.last?.0 ?? 0)
                for (number, bytes) in sample {
                    batch.rejected.append((number, "no access-log format matches (tried \(FormatCatalog.presets.map(\.name).joined(separator: ", ")))",
                                           Array(bytes.prefix(1024))))
                    fileState.lines += 1
                    fileState.rejected += 1
                }
            }
            try flush(final: true, release: true)
            if !queued { try pipeline.drain() }
            if ending == .stopped {
                // Still growing: the source stays partial and the next follow run continues it.
                return finished(FileReport(path: name, format: formatName, state: .following, lines: fileState.lines,
                                         records: fileState.records, rejected: fileState.rejected, skipped: fileState.skipped, error: nil))
            }
            let contentHash = Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
            var state: FileReport.State = resumed ? .resumed : .ingested
            if fileState.records == 0, fileState.lines > 0, !resumed { state = .noAccessLogs }
            if streamError != nil, fileState.records == 0 { state = .failed }
            var error = streamError
            if state == .noAccessLogs {
                let first = sample.first.map { String(decoding: $0.1.prefix(120), as: UTF8.self) } ?? ""
                let tried = (fixedParser.map { [$0.name] } ?? FormatCatalog.presets.map(\.name)).joined(separator: ", ")
                error = "no line matches a known access-log format (tried \(tried)); first line: \(first)"
            }
            let report = FileReport(path: name, format: formatName, state: state, lines: fileState.lines,
                                    records: fileState.records, rejected: fileState.rejected,
                                    skipped: fileState.skipped, error: error)
            // The source is finished by the writer thread after the file's last rows, in the same
            // transaction; the file is announced once that has committed (with a follow pipeline,
            // right away). A copy of an older file is committed first, then taken out again in a
            // transaction of its own.
            let result = FinishResult()
            let writer = self.writer
            let finish: (BatchPipeline.JobContext) throws -> Void = { [streamError, sourceID] context in
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

        handedOver = true
        return session
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
    private func setFormat(_ format: String, of source: Int64, on pipeline: BatchPipeline, queued: Bool) throws {
        let writer = self.writer
        if queued { return try pipeline.perform { _ in try writer.setFormat(source, format: format) } }
        try pipeline.drain()  // the connection is the writer thread's while it writes
        try writer.setFormat(source, format: format)
    }

    /// A text-format parser for telling Envoy's own log lines from access logs before a format is known.
    private lazy var textParser: AccessLogLineParser = try! FormatCatalog.preset(named: "istio")!.makeParser()

    /// Per-input counters.
    private final class FileIngest {
        let sourceID: Int64
        let resumeFrom: Int
        var lineNumber: Int
        var lines = 0
        var records = 0
        var rejected = 0
        var skipped = 0

        init(sourceID: Int64, resumeFrom: Int) {
            self.sourceID = sourceID
            self.resumeFrom = resumeFrom
            self.lineNumber = resumeFrom
        }
    }

    /// The content hash of an input's decompressed lines, as ingest computes it.
    static func contentHash(of input: InputFile) throws -> Int64 {
        let reader = LineReader(try InputOpener.open(input))
        var hasher = ContentHasher()
        let newline: [UInt8] = [10]
        try reader.forEachLine({ line, _ in
            line.withUnsafeBytes { hasher.update($0) }
            newline.withUnsafeBytes { hasher.update($0) }
            return true
        }, oversized: { _, _, _ in newline.withUnsafeBytes { hasher.update($0) } })
        return Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// The pod a file's lines came from: from `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log`
    /// or `/var/log/containers/<pod>_<ns>_<container>-<id>.log` (also inside archives), else the
    /// file name without directories and log extensions.
    static func reporterName(for path: String) -> String {
        if path == "-" { return "stdin" }
        if let pod = PodName.fromPath(path) { return pod.pod }
        let inner = path.split(separator: ":").last.map(String.init) ?? path
        let parts = inner.split(separator: "/").map(String.init)
        var name = Substring(parts.last ?? inner)
        var changed = true
        while changed {
            changed = false
            for ext in [".gz", ".log", ".txt", ".json", ".jsonl"] where name.hasSuffix(ext) {
                name = name.dropLast(ext.count)
                changed = true
            }
            // Rotated files: `0.log.20261125-101500`.
            if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy({ $0.isNumber || $0 == "-" }),
               name.distance(from: dot, to: name.endIndex) > 8 {
                name = name[..<dot]
                changed = true
            }
        }
        return String(name)
    }

    /// The IP of `a.b.c.d:port` or `[v6]:port`.
    static func hostIP(_ address: String) -> String? {
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { return nil }
            return String(address[address.index(after: address.startIndex)..<close])
        }
        guard let colon = address.firstIndex(of: ":") else { return nil }
        let ip = address[..<colon]
        return ip.allSatisfy({ $0.isNumber || $0 == "." }) ? String(ip) : nil
    }

    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where c != 32 && c != 9 && c != 13 { return false }
        return true
    }

    /// Lines that are not access logs: Envoy's and pilot-agent's own log lines, JSON status lines.
    static func isNotAccessLog(_ line: UnsafeBufferPointer<UInt8>, parser: AccessLogLineParser, record: AccessLogRecord) -> Bool {
        if let json = parser as? JSONAccessLogParser {
            return json.classify(line, into: record) == .notAccessLog
        }
        // `2024-03-21T07:52:44.407739Z\twarn\t…` (istio-proxy / pilot-agent)
        if line.count > 20, line[0] &- 48 < 10, line[4] == 45, let tab = line.firstIndex(of: 9), tab < 40 {
            return true
        }
        // `[2024-03-21 07:52:44.407][15][info][main] …` (Envoy's own log)
        if line.count > 25, line[0] == UInt8(ascii: "["), line[1] &- 48 < 10, line[11] == 32,
           line.firstIndex(of: UInt8(ascii: "]")).map({ $0 < 32 && $0 + 1 < line.count && line[$0 + 1] == UInt8(ascii: "[") }) == true {
            return true
        }
        // A JSON line in a text stream (status lines).
        if line.first == UInt8(ascii: "{") { return true }
        return false
    }
}

/// How ingest reads its inputs.
public struct IngestOptions: Sendable {
    /// Which access-log format to use.
    public enum FormatChoice: Sendable, Equatable {
        /// Detect per file from its first lines.
        case auto
        /// A preset by name.
        case preset(String)
        /// An Envoy format string.
        case formatString(String)

        /// Parses `--format`: a preset name, `@FILE`, or an Envoy format string.
        public static func parse(_ value: String?) throws -> FormatChoice {
            guard let value, !value.isEmpty, value != "auto" else { return .auto }
            if value.hasPrefix("@") {
                let path = String(value.dropFirst())
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw IngestError.unreadableFormatFile(path)
                }
                return .formatString(text)
            }
            if value.contains("%") { return .formatString(value) }
            guard FormatCatalog.preset(named: value) != nil else { throw IngestError.unknownFormat(value) }
            return .preset(value)
        }

        func resolve() throws -> (name: String, parser: AccessLogLineParser)? {
            switch self {
            case .auto: return nil
            case .preset(let name):
                guard let preset = FormatCatalog.preset(named: name) else { throw IngestError.unknownFormat(name) }
                return (name, try preset.makeParser())
            case .formatString(let format):
                do { return ("custom", try CompiledAccessLogFormat(format: format)) } catch {
                    throw IngestError.badFormat(error)
                }
            }
        }
    }

    public var format: FormatChoice
    /// The reporter (pod) name for inputs without one (stdin).
    public var reporter: String?
    /// Rows per transaction.
    public var batchSize: Int
    /// Build secondary indexes after the load (true), during it (false), or decide by size (nil).
    public var bulkLoad: Bool?
    /// Request ids held in memory before the table is cleared and ids are looked up in the store
    /// (smaller in tests, to reach that path).
    var requestTableEntries = 1 << 18

    public init(format: FormatChoice = .auto, reporter: String? = nil, batchSize: Int = 8192, bulkLoad: Bool? = nil) {
        self.format = format
        self.reporter = reporter
        self.batchSize = batchSize
        self.bulkLoad = bulkLoad
    }
}
