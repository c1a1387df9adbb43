import Foundation
import MeshLogCore
import MeshLogStore
import MeshLogTerminal

/// One access-log input being ingested: owns its batch, parser, counters and summaries, and is fed its lines as they are read.
///
/// Made by `Ingester.beginStream`, which registers (or resumes) the input's source. A file's lines
/// are fed all at once; a followed file's a few at a time, with a `pause()` between. `end(_:)`
/// stores what is left and records the source's state. Used from one thread.
final class AccessLogStream {
    /// How the input ends.
    enum Ending: Equatable {
        /// It ended: a partial line still open is a line too, and the source is done.
        case endOfInput
        /// The run stops while the input may still grow: what was read is stored, a partial line
        /// is left for the next run, and the source stays partial.
        case stopped
        /// The file was truncated under us: the lines read are kept and the source is done; an
        /// unfinished line is gone with the bytes it was in.
        case truncated
    }

    /// The input's name (its source path).
    let name: String
    /// Its row in `source`.
    let sourceID: Int64
    /// A read error that ended the input early, recorded with the source.
    @exclusivity(unchecked) var streamError: String?
    /// What a JSON input is when the span readers know it but do not read it, said when it holds no access log.
    var notSpans: String?

    private let ingester: Ingester
    private let pipeline: BatchPipeline
    /// The stream is on the run's shared pipeline: its source row is begun and finished by the
    /// writer thread, in order with its rows (else it is on a follow run's pipeline).
    private let queued: Bool
    /// The input grows: a pause detects the format on the lines seen so far, and a file whose
    /// first lines match no format is not given up on.
    private let follow: Bool
    /// The reader the lines come from, for `rawBytes`.
    private let reader: LineReader?
    /// Lines an earlier run stored: they are hashed but not stored again.
    private let resumeFrom: Int
    /// The stream continues a source an earlier run left partial.
    private let resumed: Bool
    private let batchSize: Int
    /// `runBytes` of the ingester when the stream began.
    private let rawBefore: Int64

    // Where the rows come from.
    private let reporterID: Int64
    /// The container the last line named, and whether it is a proxy.
    @exclusivity(unchecked) private var lastContainer: (name: [UInt8], isProxy: Bool)?
    /// The reporter's `pod` row, until a batch carries it to the writer.
    @exclusivity(unchecked) private var podPending: (reporter: Int64, name: String, workload: String, namespace: String?)?
    @exclusivity(unchecked) private var podAddresses: Set<Int64> = []
    @exclusivity(unchecked) private var podIPs: Set<Int64> = []
    /// Tells pods apart by their addresses when the input names none (nil when its path, `--reporter`
    /// or its lines name the pod).
    @exclusivity(unchecked) private var addresses: AddressReporters?

    // Parsing.
    @exclusivity(unchecked) private var parser: AccessLogLineParser?
    @exclusivity(unchecked) private var formatName: String?
    /// The last format inferred for the sample when no preset fitted it.
    private var inference: FormatInference?
    @exclusivity(unchecked) private var encoder: AccessLogRowEncoder?
    /// The detected preset's companion (its TCP format beside its HTTP one), for the lines it rejects.
    private var companion: (parser: AccessLogLineParser, encoder: AccessLogRowEncoder)?
    private let record = AccessLogRecord()
    @exclusivity(unchecked) private var unwrapper: LineUnwrapper?
    /// Parsers tried on lines the format rejects, built on the first such line.
    private var fallbacks: FallbackParsers?
    /// Lines stored only on a second try.
    private var recovery = LineRecovery()
    /// Still collecting the first lines, which decide the wrapper (and the format, unless given).
    @exclusivity(unchecked) private var sampling = true
    @exclusivity(unchecked) private var sample: [(Int, [UInt8])] = []
    @exclusivity(unchecked) private var hasher = ContentHasher()
    private let newline: [UInt8] = [10]

    // Writing.
    /// The batch being filled; with a follow pipeline it is taken when lines come and handed back at a pause.
    @exclusivity(unchecked) private var batch: AccessLogBatch!
    private let summaries = SummaryAggregator()
    @exclusivity(unchecked) private var flushesSinceDrain = 0

    // Counters of this run.
    @exclusivity(unchecked) private var lineNumber: Int
    @exclusivity(unchecked) private var lines = 0
    @exclusivity(unchecked) private var records = 0
    @exclusivity(unchecked) private var rejected = 0
    @exclusivity(unchecked) private var skipped = 0

    /// A stream of `name` into source `sourceID`, after the `resumeFrom` lines stored before.
    init(ingester: Ingester, name: String, sourceID: Int64, resumeFrom: Int, resumed: Bool, reporter: String, reporterID: Int64, newPod: Bool,
         pipeline: BatchPipeline, queued: Bool, follow: Bool, reader: LineReader?) {
        self.ingester = ingester
        self.name = name
        self.sourceID = sourceID
        self.resumeFrom = resumeFrom
        self.resumed = resumed
        self.lineNumber = resumeFrom
        self.reporterID = reporterID
        self.pipeline = pipeline
        self.queued = queued
        self.follow = follow
        self.reader = reader
        batchSize = ingester.options.batchSize
        rawBefore = ingester.runBytes
        let pathPod = ingester.options.reporter == nil ? PodName.fromPath(name) : nil
        if newPod { podPending = (reporterID, reporter, PodName.workload(reporter), pathPod?.namespace) }
        if ingester.options.reporter == nil, pathPod == nil {
            addresses = AddressReporters(inputReporter: reporterID, inputName: reporter) { [unowned self] ip in
                ip.utf8.withContiguousStorageIfAvailable { lineReporter($0) } ?? lineReporter(Array(ip.utf8).withUnsafeBufferPointer { $0 })
            }
        }
    }

    /// Lines read and rows stored in this run.
    var counts: (lines: Int, records: Int) { (lines, records) }

    /// Raw bytes read from the input, for progress.
    var rawBytes: Int64 { reader?.rawBytesRead ?? 0 }

    /// Starts with `fixed`, the format given for every input, instead of detecting one.
    func start(fixed: (name: String, parser: AccessLogLineParser)?) throws {
        if queued { try acquire() }
        guard let fixed else { return }
        do {
            choose(fixed.parser, fixed.name)
            ingester.onEvent(.formatChosen(path: name, format: fixed.name, matched: 0, sampled: 0))
            try ingester.setFormat(fixed.name, of: sourceID, on: pipeline, queued: queued)
        } catch {
            // A stream that failed to start gives its batch back.
            if let batch { pipeline.recycle(batch) }
            batch = nil
            throw error
        }
    }

    // MARK: - Feeding

    /// Takes one line with its 1-based number; false stops reading (no format found).
    func feed(line: UnsafeBufferPointer<UInt8>, number: Int) throws -> Bool {
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

    /// Takes a line longer than the reader's limit: it is rejected.
    func oversized(number: Int, prefix: UnsafeBufferPointer<UInt8>, totalLength: Int) throws {
        newline.withUnsafeBytes { hasher.update($0) }
        if number <= resumeFrom { return }
        try acquire()
        lineNumber = number
        lines += 1
        rejected += 1
        batch.rejected.append((number, "line is \(totalLength) bytes, longer than the 1 MiB limit",
                               Array(UnsafeBufferPointer(rebasing: prefix[0..<min(prefix.count, 1024)]))))
    }

    /// The input has no more bytes for now: hands what was read to the writer and lets go of the batch.
    func pause() throws {
        // Lines that trickle in are not held back for a full detection sample.
        if sampling, !sample.isEmpty {
            try acquire()
            try detectAndDrain()
            if parser != nil { sampling = false }
        }
        try flush(final: false, release: true)
    }

    /// Ends the input: stores what is left, records the source's state and returns its report.
    @discardableResult
    func end(_ ending: Ending) throws -> FileReport {
        try acquire()
        if !sample.isEmpty { sampling = false; try detectAndDrain() }
        if ending == .endOfInput, let unwrapper {
            // A partial line (CRI `P`, Docker without its newline) still open at the end is a line too.
            unwrapper.finish { payload, first, loggedAt in store(payload, line: first, loggedAt: loggedAt, original: payload, reporter: reporterID) }
        }
        if parser == nil, ending != .stopped {
            // Nothing parsed: keep the lines aside as rejected so nothing is silently dropped.
            lineNumber = max(lineNumber, sample.last?.0 ?? 0)
            for (number, bytes) in sample {
                batch.rejected.append((number, Self.noFormatMatches, Array(bytes.prefix(1024))))
                lines += 1
                rejected += 1
            }
        }
        let podsByAddress = nameAddressPods()
        try flush(final: true, release: true)
        if !queued { try pipeline.drain() }
        if ending == .stopped {
            // Still growing: the source stays partial and the next follow run continues it.
            return ingester.finished(FileReport(path: name, format: formatName, state: .following, lines: lines,
                                                records: records, rejected: rejected, skipped: skipped, error: nil,
                                                recovered: recovery.isEmpty ? nil : recovery, podsByAddress: podsByAddress))
        }
        let contentHash = Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
        var state: FileReport.State = resumed ? .resumed : .ingested
        if records == 0, lines > 0, !resumed { state = .noAccessLogs }
        if streamError != nil, records == 0 { state = .failed }
        var error = streamError
        if state == .noAccessLogs {
            // The line's bytes as a terminal may show them: controls and invalid UTF-8 as `\xNN` (issue #14).
            let first = sample.first.map { TerminalText.escaped(bytes: $0.1.prefix(120)) } ?? ""
            let tried = (ingester.fixedParser.map { [$0.name] } ?? FormatCatalog.presets.map(\.name)).joined(separator: ", ")
            error = "no line matches a known access-log format (tried \(tried)); first line: \(first)"
            if sample.contains(where: { Self.isZtunnelRecord($0.1) }) {
                error = "these are ztunnel's connection records (Istio ambient mode's L4 proxy: src.addr=… dst.addr=…), "
                    + "not Envoy access logs, and meshlog does not read them yet; the waypoint proxies' logs are Envoy's and are read; "
                    + "first line: \(first)"
            } else if let notSpans {
                // A document the span readers know: say what it is instead.
                error = "no access log and no spans: \(notSpans)"
            } else if let inference, inference.columns.contains(where: { $0.field != nil }) {
                error! += "; an inferred format is unsure (\(inference.problem ?? "")); best candidate: --format '\(inference.format)'"
            } else if ingester.fixedParser == nil, let closest = FormatDetector.closestJSON(sample.map(\.1)) {
                // JSON no preset parses (a record cut in two, a prefix before it): name the preset its keys are.
                let why = closest.spread ? "each record spans several lines (pretty-printed?): one record a line is needed, as `jq -c .` writes"
                    : "no line parses whole"
                error! += "; its JSON keys are \(closest.preset.name)'s (\(closest.known) of \(closest.keys) known) but \(why); best candidate: --format '\(closest.preset.name)'"
            }
        }
        let report = FileReport(path: name, format: formatName, state: state, lines: lines, records: records,
                                rejected: rejected, skipped: skipped, error: error, recovered: recovery.isEmpty ? nil : recovery,
                                podsByAddress: podsByAddress)
        return try ingester.finishSource(sourceID, report: report, contentHash: contentHash, streamError: streamError,
                                         on: pipeline, queued: queued)
    }

    /// Gives the pods of a mixed input that names none the workloads their lines show (after
    /// the input's own `pod` row, which it replaces), and returns what to report.
    private func nameAddressPods() -> AddressPods? {
        guard let found = addresses?.finish() else { return nil }
        if let pod = podPending {
            batch.newPods.append(pod)
            podPending = nil
        }
        batch.newPods.append(contentsOf: found.pods)
        return found.report
    }

    // MARK: - Batches

    /// Takes a free batch to fill, unless the stream holds one.
    private func acquire() throws {
        guard batch == nil else { return }
        batch = try pipeline.takeFree()
        batch.sourceID = sourceID
    }

    /// Hands the batch to the writer; `release` lets go of it (a pause with a follow pipeline).
    private func flush(final: Bool, release: Bool = false) throws {
        guard batch != nil else { return }
        if let pod = podPending {
            batch.newPods.append(pod)
            podPending = nil
        }
        // Summary deltas go out every eight batches (they add up across batches, so fewer
        // and fuller rows), and at every pause of a followed file.
        flushesSinceDrain += 1
        if final || release || follow || flushesSinceDrain >= 8 {
            summaries.drain(into: batch)
            flushesSinceDrain = 0
        }
        ingester.takeNewEntries(into: batch)
        // Progress stops before a partial line still being joined, so a resume reads its fragments again.
        batch.linesRead = unwrapper?.openFragmentLine.map { min(lineNumber, $0 - 1) } ?? lineNumber
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
        try ingester.batchHandedOver(queued: queued)
        encoder?.syncGeneration()
        if follow { return }  // a `Follower` reports progress for all its files
        ingester.reportProgress(runBytes: rawBefore + rawBytes, lines: lines, final: final)
    }

    // MARK: - Formats

    /// Parses with `parser` from now on.
    private func choose(_ parser: AccessLogLineParser, _ name: String) {
        self.parser = parser
        formatName = name
        encoder = ingester.makeEncoder(for: parser)
    }

    /// Picks the wrapper (and the format, unless given) from the sample, then stores the sample's
    /// lines; without a format they stay in the sample.
    private func detectAndDrain() throws {
        let wrapper = unwrapper?.wrapper ?? LineUnwrapper.detect(sample.map(\.1))
        if parser == nil {
            // Detect the format on the payloads, with the wrapper taken off.
            let payloads = LineUnwrapper.payloads(sample.map(\.1), wrapper: wrapper)
            if let detection = FormatDetector.detect(payloads) {
                if unwrapper == nil { unwrapper = LineUnwrapper(wrapper) }
                choose(detection.parser, detection.preset.name)
                if let name = detection.preset.companion, let other = try? FormatCatalog.preset(named: name)?.makeParser() {
                    companion = (other, ingester.makeEncoder(for: other))
                }
                let label = (wrapper == .none ? "" : "\(wrapper.rawValue)+") + detection.preset.name
                formatName = label
                ingester.onEvent(.formatChosen(path: name, format: label, matched: detection.matched, sampled: detection.sampled))
                try ingester.setFormat(label, of: sourceID, on: pipeline, queued: queued)
            } else {
                // No preset fits: infer a format from the sample's shapes, once per sample.
                let (inference, inferredWrapper) = FormatInference.infer(sample.map(\.1), wrapper: wrapper)
                self.inference = inference
                if inference.isSure, let parser = try? inference.makeParser() {
                    // No line went through the unwrapper yet: a bare leading time is the format's own, not kubectl's.
                    unwrapper = LineUnwrapper(inferredWrapper)
                    let label = (inferredWrapper == .none ? "" : "\(inferredWrapper.rawValue)+") + FormatInference.label
                    choose(parser, label)
                    ingester.onEvent(.formatChosen(path: name, format: label, matched: inference.matched, sampled: inference.sampled,
                                                   inferred: inference.format))
                    try ingester.setFormat(label, of: sourceID, on: pipeline, queued: queued)
                }
            }
        }
        if unwrapper == nil { unwrapper = LineUnwrapper(wrapper) }
        guard parser != nil else { return }
        for (number, bytes) in sample { try bytes.withUnsafeBufferPointer { try handle($0, number) } }
        sample.removeAll()
    }

    /// Follow: the first lines matched no format; they are rejected and the next lines sampled.
    private func rejectSample() {
        for (number, bytes) in sample {
            lineNumber = number
            lines += 1
            let text = ingester.textParser
            let notAccessLog = bytes.withUnsafeBufferPointer {
                LineFilter.isBlank($0) || LineFilter.isNotAccessLog($0, parser: text, record: record)
            }
            if bytes.isEmpty || notAccessLog {
                batch.skipped += 1
                skipped += 1
            } else {
                batch.rejected.append((number, Self.noFormatMatches, Array(bytes.prefix(1024))))
                rejected += 1
            }
        }
        sample.removeAll()
    }

    /// Whether a line is one of ztunnel's access records (`… info\taccess\tconnection complete\tsrc.addr=… dst.addr=…`).
    private static func isZtunnelRecord(_ line: [UInt8]) -> Bool {
        let text = String(decoding: line, as: UTF8.self)
        return text.contains("src.addr=") && text.contains("dst.addr=") && text.contains("direction=")
    }

    /// Why lines are rejected when no format matches the sample.
    private static var noFormatMatches: String {
        "no access-log format matches (tried \(FormatCatalog.presets.map(\.name).joined(separator: ", ")))"
    }

    // MARK: - Lines

    /// Counts one line and stores it once its wrapper's fragments are joined.
    private func handle(_ line: UnsafeBufferPointer<UInt8>, _ number: Int) throws {
        guard parser != nil, let unwrapper else { return }
        lineNumber = number
        lines += 1
        _ = unwrapper.unwrap(line, lineNumber: number) { payload in
            // A line that names its pod (`kubectl logs --prefix`) is that pod's; others are the file's.
            guard let pod = unwrapper.podRange else {
                return store(payload, line: unwrapper.firstLineNumber, loggedAt: unwrapper.loggedAtMicros, original: line,
                             reporter: reporterID)
            }
            if let container = unwrapper.containerRange, !isProxyContainer(UnsafeBufferPointer(rebasing: line[container])) {
                batch.skipped += 1  // an application container's own lines are not access logs
                skipped += 1
                return
            }
            store(payload, line: unwrapper.firstLineNumber, loggedAt: unwrapper.loggedAtMicros, original: line,
                  reporter: lineReporter(UnsafeBufferPointer(rebasing: line[pod])))
        }
        if batch.rowCount >= batchSize || batch.rejected.count >= 4096 { try flush(final: false) }
    }

    /// Parses one unwrapped line and stores it as a row, a rejected line or a skipped one.
    private func store(_ payload: UnsafeBufferPointer<UInt8>, line first: Int, loggedAt: Int64?, original: UnsafeBufferPointer<UInt8>,
                       reporter: Int64) {
        guard let parser, let encoder else { return }
        if payload.isEmpty || LineFilter.isBlank(payload) {
            batch.skipped += 1
            skipped += 1
        } else if parser.parse(payload, into: record) {
            storeRecord(encoder, line: first, loggedAt: loggedAt, reporter: reporter)
        } else if let companion, companion.parser.parse(payload, into: record) {
            storeRecord(companion.encoder, line: first, loggedAt: loggedAt, reporter: reporter)
        } else if !(parser is JSONAccessLogParser), LineFilter.isProxyOwnLog(payload) {
            batch.skipped += 1
            skipped += 1
        } else if recover(payload, line: first, loggedAt: loggedAt, original: original, reporter: reporter) {
            // Stored on a second try.
        } else if LineFilter.isNotAccessLog(payload, parser: parser, record: record) {
            batch.skipped += 1
            skipped += 1
        } else {
            let keep = UnsafeBufferPointer(rebasing: original[0..<min(original.count, 1024)])
            batch.rejected.append((first, "does not match the \(formatName ?? "?") format", Array(keep)))
            rejected += 1
        }
    }

    /// Stores the parsed `record` as a row, noting the pod addresses it shows.
    @inline(__always)
    private func storeRecord(_ encoder: AccessLogRowEncoder, line first: Int, loggedAt: Int64?, reporter: Int64) {
        encoder.encode(record, line: first, reporter: reporter, into: batch)
        var reporter = reporter
        if addresses != nil, reporter == reporterID {
            // An input that names no pod: the line's own address tells whose it is.
            reporter = addresses!.reporter(row: batch.rowCount - 1, in: batch, direction: encoder.lastDirection,
                                           downstreamLocal: encoder.lastDownstreamLocal, record: record)
            if reporter != reporterID { batch.set(.reporter, reporter) }
        }
        batch.set(.loggedAt, loggedAt)
        records += 1
        summaries.add(batch, row: batch.rowCount - 1, direction: encoder.lastDirection, tls: encoder.lastTLS)
        // An inbound line's downstream_local is this pod's own address.
        if encoder.lastDirection == 1, let id = encoder.lastDownstreamLocal, let local = record.value(.downstreamLocal) {
            if !podAddresses.contains(id) {
                podAddresses.insert(id)
                if let ip = Self.hostIP(String(decoding: local, as: UTF8.self)) {
                    batch.newPodAddresses.append((ip, reporter))
                    if let packed = SummarySchema.ipv4(ip), podIPs.insert(packed).inserted {
                        batch.newPodIPs.append((packed, reporter))
                    }
                }
            }
        }
        // So is an outbound line's upstream_local (the connection it opened).
        if encoder.lastDirection == 2 {
            let local = batch.cell(row: batch.rowCount - 1, .upstreamLocal)
            if local.kind == .integer, podIPs.insert(local.value >> 16).inserted {
                batch.newPodIPs.append((local.value >> 16, reporter))
            }
        }
    }

    /// The reporter id of a pod a line names, registering the pod the first time the run sees it
    /// (through the run's interner: no allocation for a pod seen before).
    private func lineReporter(_ pod: UnsafeBufferPointer<UInt8>) -> Int64 {
        let (id, isNew) = ingester.registerReporter(pod)
        if isNew {
            let name = String(decoding: pod, as: UTF8.self)
            batch.newPods.append((id, name, PodName.workload(name), nil))
        }
        return id
    }

    /// Whether lines of this container are a proxy's (cached per container name).
    private func isProxyContainer(_ container: UnsafeBufferPointer<UInt8>) -> Bool {
        if let last = lastContainer, last.name.elementsEqual(container) { return last.isProxy }
        let isProxy = LineUnwrapper.isProxyContainer(container)
        lastContainer = (Array(container), isProxy)
        return isProxy
    }

    /// Gives a line the format rejected its second tries; stores it and returns true when one fits.
    ///
    /// In order: the presets of the other kind (JSON or text); each other wrapper on the line alone
    /// (keeping that wrapper's time); and an access log's start inside the line (`[` and an ISO
    /// time, or `{`), keeping a time in the prefix.
    private func recover(_ payload: UnsafeBufferPointer<UInt8>, line first: Int, loggedAt: Int64?,
                         original: UnsafeBufferPointer<UInt8>, reporter: Int64) -> Bool {
        guard let parser, let encoder else { return false }
        if fallbacks == nil { fallbacks = FallbackParsers(for: parser) { ingester.makeEncoder(for: $0) } }
        guard let fallbacks else { return false }
        /// Parses `candidate` with the format (and its companion), then the fallbacks, and stores it.
        func attempt(_ candidate: UnsafeBufferPointer<UInt8>, loggedAt: Int64?) -> Bool {
            guard !LineFilter.isBlank(candidate) else { return false }
            var used: AccessLogRowEncoder?
            // The payload itself already failed the format.
            let again = candidate.baseAddress != payload.baseAddress || candidate.count != payload.count
            if again, parser.parse(candidate, into: record) {
                used = encoder
            } else if again, let companion, companion.parser.parse(candidate, into: record) {
                used = companion.encoder
            } else {
                for entry in fallbacks.entries where entry.parser.parse(candidate, into: record) {
                    used = entry.encoder
                    recovery.otherFormat += 1
                    break
                }
            }
            guard let used else { return false }
            storeRecord(used, line: first, loggedAt: loggedAt, reporter: reporter)
            return true
        }
        if attempt(payload, loggedAt: loggedAt) { return true }
        // Another wrapper, on the line as read (a line joined from fragments is left as it is).
        let wrapper = unwrapper?.wrapper ?? .none
        if first == lineNumber {
            for other in FallbackParsers.wrappers where other != wrapper {
                let stored = LineUnwrapper.unwrapAlone(other, original, scratch: &fallbacks.scratch) { candidate, time in
                    if candidate.baseAddress == payload.baseAddress, candidate.count == payload.count { return false }
                    guard attempt(candidate, loggedAt: time) else { return false }
                    recovery.otherWrapper += 1
                    return true
                }
                if stored { return true }
            }
        }
        // An access log that starts inside the line, after a prefix of someone else's.
        /// Tries `text` from each access-log start inside it.
        func afterPrefix(_ text: UnsafeBufferPointer<UInt8>, wrapperTime: Int64?) -> Bool {
            EmbeddedAccessLog.forEachStart(in: text) { start in
                let prefixTime = EmbeddedAccessLog.time(in: UnsafeBufferPointer(rebasing: text[0..<start]))
                guard attempt(UnsafeBufferPointer(rebasing: text[start...]), loggedAt: prefixTime ?? wrapperTime) else { return false }
                recovery.prefixRemoved += 1
                return true
            }
        }
        if afterPrefix(payload, wrapperTime: loggedAt) { return true }
        if original.baseAddress == payload.baseAddress, original.count == payload.count { return false }
        return afterPrefix(original, wrapperTime: nil)
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
}
