import Foundation
import MeshLogCore
import MeshLogStore

/// What a run found in one cluster dump (`ingest --json`: `dumps`).
public struct ClusterDumpReport: Sendable, Codable, Equatable {
    /// The dump: the archive, or the folder the layout starts at.
    public var path: String
    /// `bug-report`, `cluster-info` or `must-gather` (`ClusterDump.Layout`).
    public var layout: String
    /// Pods the dump names (by a log or a pod fact).
    public var pods = 0
    /// Pods the dump has facts for (pod lists, resource YAML, config dumps): IP, workload, version.
    public var podFacts = 0
    /// Proxy containers' logs read as access logs (files, or segments of a `logs.txt`).
    public var proxyLogs = 0
    /// Other containers' logs (files or segments), skipped.
    public var skippedContainers = 0
    /// Lines of skipped segments (and outside any segment) of cluster-info `logs.txt` files.
    public var skippedContainerLines = 0
    /// Members that are not access logs: config dumps, resource lists, istiod and operator logs,
    /// analyzer output, and anything else in the dump without an access-log line.
    public var notAccessLogs = 0
    /// Access-log rows stored from the dump.
    public var records = 0

    enum CodingKeys: String, CodingKey {
        case path, layout, pods, records
        case podFacts = "pod_facts"
        case proxyLogs = "proxy_logs"
        case skippedContainers = "skipped_containers"
        case skippedContainerLines = "skipped_container_lines"
        case notAccessLogs = "not_access_logs"
    }
}

/// The cluster dumps of one run: which inputs belong to which dump, and what was found in each.
final class ClusterDumpState {
    struct Dump {
        var report: ClusterDumpReport
        var pods: Set<String> = []
        var facts: Set<String> = []
    }

    /// Dumps by key (an archive's path, or a folder dump's root), in the order first seen.
    private(set) var dumps: [String: Dump] = [:]
    private(set) var order: [String] = []
    /// Roots of folder dumps, known from the run's inputs before any is read.
    private var folderRoots: [String] = []
    /// The archive being read, and whether a member showed it to be a dump.
    private var archive: String?
    /// `noAccessLogs` reports of archive members read before the archive showed itself a dump.
    private var held: [FileReport] = []
    /// Every pod fact of the run, by `namespace/pod`, merged across members.
    var facts: [String: PodFact] = [:]
    /// A parser of every preset, made on first use (to tell a member's first lines as access logs).
    lazy var presetParsers: [AccessLogLineParser] = FormatCatalog.presets.compactMap { try? $0.makeParser() }

    var isEmpty: Bool { order.isEmpty }

    /// Notes the folder dumps among `inputs` (files of a dump that is a folder).
    func begin(_ inputs: [InputFile]) {
        for input in inputs where !input.isStdin {
            guard let member = ClusterDump.classify(input.path) else { continue }
            if !folderRoots.contains(member.root) { folderRoots.append(member.root) }
            open(member.root, member.layout)
        }
    }

    /// Every archive the run opened (a file's report may be announced after its archive ended).
    private var archives: [String] = []

    func beginArchive(_ path: String) {
        archive = path
        archives.append(path)
    }
    func endArchive() { archive = nil }

    /// The archive `path` is a member of.
    private func archive(of path: String) -> String? {
        if let archive, path.hasPrefix(archive + ":") { return archive }
        return archives.last { path.hasPrefix($0 + ":") }
    }

    private func open(_ key: String, _ layout: ClusterDump.Layout) {
        guard dumps[key] == nil else { return }
        dumps[key] = Dump(report: ClusterDumpReport(path: key, layout: layout.rawValue))
        order.append(key)
    }

    /// The dump `path` belongs to (`member` is its classification), registering an archive as a dump
    /// the first time one of its members is recognised.
    func key(for path: String, member: ClusterDump.Member?) -> String? {
        if let owner = archive(of: path) {
            if let member { open(owner, member.layout) }
            return dumps[owner] != nil ? owner : nil
        }
        if let member, dumps[member.root] != nil { return member.root }
        return folderRoots.first { ClusterDump.path(path, isUnder: $0) }
    }

    func update(_ key: String, _ change: (inout Dump) -> Void) {
        guard var dump = dumps[key] else { return }
        change(&dump)
        dumps[key] = dump
    }

    /// Takes a report of an input without access logs when it is a dump's member (counted as not
    /// an access log), or holds it while its archive may still turn out a dump; false otherwise.
    func absorb(_ report: FileReport) -> Bool {
        guard report.state == .noAccessLogs else { return false }
        if let key = key(for: report.path, member: ClusterDump.classify(report.path)) {
            update(key) { $0.report.notAccessLogs += 1 }
            return true
        }
        if let archive, self.archive(of: report.path) == archive {
            held.append(report)  // its archive may still show itself a dump
            return true
        }
        return false
    }

    /// Held reports whose archive never showed itself a dump (the rest are counted).
    func releaseHeld() -> [FileReport] {
        var released: [FileReport] = []
        for report in held {
            let archive = dumps.keys.first { report.path.hasPrefix($0 + ":") }
            if let archive { update(archive) { $0.report.notAccessLogs += 1 } } else { released.append(report) }
        }
        held.removeAll()
        return released
    }

    /// The dumps' reports, with `records` counted from the run's file reports.
    func reports(from files: [FileReport]) -> [(report: ClusterDumpReport, hasAccessLogs: Bool)] {
        order.compactMap { key in
            guard var dump = dumps[key] else { return nil }
            dump.report.pods = dump.pods.count
            dump.report.podFacts = dump.facts.count
            let prefix = dump.report.path
            let members = files.filter { ClusterDump.path($0.path, isUnder: prefix) || $0.path.hasPrefix(prefix + ":") }
            dump.report.records = members.reduce(0) { $0 + $1.records }
            // A dump read before (its logs already stored, or copies of them) still holds access logs.
            let hasAccessLogs = members.contains { $0.records > 0 || $0.state == .duplicate || $0.state == .alreadyIngested || $0.state == .resumed }
            return (dump.report, hasAccessLogs)
        }
    }
}

extension Ingester {
    /// Takes a member of a cluster dump that is no access log of its own (returns nil): pod lists
    /// and config dumps give pod facts, a cluster-info `logs.txt` is read segment by segment, other
    /// containers' logs and every other member are counted. Proxy logs, members of a dump that are
    /// not recognised but look like access logs, and inputs of no dump go on to the usual ingest
    /// (returns the stream to read them from).
    func routeDumpMember(name: String, size: Int64?, stream: ByteStream) throws -> ByteStream? {
        let member = ClusterDump.classify(name)
        guard let key = dumps.key(for: name, member: member) else { return stream }
        switch member?.kind {
        case .containerLog(let namespace, let pod, let container)?:
            // An empty log (must-gather's `previous.log` of a container that never restarted) is nothing.
            if size == 0 { return nil }
            let isProxy = LineUnwrapper.isProxyContainer(container.utf8)
            dumps.update(key) {
                $0.pods.insert(namespace + "/" + pod)
                if isProxy { $0.report.proxyLogs += 1 } else { $0.report.skippedContainers += 1 }
            }
            return isProxy ? stream : nil
        case .containerSegments(let namespace, let pod)?:
            // Only a file that starts with a START line is cluster-info's; any other `logs.txt` is
            // read as a file of its own.
            let head = try PrefixedByteStream.head(of: stream, count: ContainerLogMarker.startPrefix.count)
            let rest = PrefixedByteStream(prefix: head, rest: stream)
            guard head == ContainerLogMarker.startPrefix else { return rest }
            dumps.update(key) { $0.pods.insert(namespace + "/" + pod) }
            try ingestSegments(name: name, stream: rest, key: key)
            return nil
        case .podList?:
            let bytes = try Self.readAll(stream, limit: 1 << 30)
            runBytes += stream.rawBytesRead
            try recordPodFacts(PodFacts.fromResources(bytes), key: key)
            dumps.update(key) { $0.report.notAccessLogs += 1 }
            return nil
        case .configDump(let namespace, let pod)?:
            // The bootstrap, with the node, comes first in a config dump: its start is enough.
            let head = try PrefixedByteStream.head(of: stream, count: 4 << 20)
            runBytes += stream.rawBytesRead
            if let fact = PodFacts.fromConfigDump(head, namespace: namespace, pod: pod) { try recordPodFacts([fact], key: key) }
            dumps.update(key) { $0.report.notAccessLogs += 1 }
            return nil
        case .notAccessLog?:
            dumps.update(key) { $0.report.notAccessLogs += 1 }
            return nil
        case nil:
            // A member of the dump no layout names: ingested when its first lines are access logs.
            let head = try PrefixedByteStream.head(of: stream, count: 64 << 10)
            if looksLikeAccessLog(head) { return PrefixedByteStream(prefix: head, rest: stream) }
            runBytes += stream.rawBytesRead
            dumps.update(key) { $0.report.notAccessLogs += 1 }
            return nil
        }
    }

    /// Whether the first lines of `head` (a wrapper taken off) fit an access-log preset.
    func looksLikeAccessLog(_ head: [UInt8]) -> Bool {
        var lines = head.split(separator: 10, omittingEmptySubsequences: true).prefix(FormatDetector.sampleSize).map(Array.init)
        if head.count == 64 << 10, lines.count > 1 { lines.removeLast() }  // cut short by the head
        return looksLikeAccessLog(lines)
    }

    /// Whether `lines` (a wrapper taken off) hold an access log: the first line a preset parses
    /// decides, so a log of access lines costs a parse or two, not a whole detection.
    func looksLikeAccessLog(_ lines: [[UInt8]]) -> Bool {
        let lines = lines.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return false }
        let wrapper = LineUnwrapper.detect(lines)
        let record = AccessLogRecord()
        for payload in LineUnwrapper.payloads(lines, wrapper: wrapper) where !payload.isEmpty {
            let fits = payload.withUnsafeBufferPointer { line in dumps.presetParsers.contains { $0.parse(line, into: record) } }
            if fits { return true }
        }
        return Self.detectsAccessLog(lines)  // an access log behind someone else's prefix
    }

    /// Whether `lines` fit an access-log preset as detection decides it (for a line behind a prefix too).
    static func detectsAccessLog(_ lines: [[UInt8]]) -> Bool {
        let lines = lines.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return false }
        let wrapper = LineUnwrapper.detect(lines)
        return FormatDetector.detect(LineUnwrapper.payloads(lines, wrapper: wrapper)) != nil
    }

    /// Reads a stream to its end (at most `limit` bytes).
    static func readAll(_ stream: ByteStream, limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < limit {
            let n = try chunk.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// Hands pod facts to the writer (through a batch of their own, in order with the rows, so the
    /// pods' names are in the dictionary): each pod is known by its name as a reporter, so a log of
    /// the pod read before or after is the same pod.
    func recordPodFacts(_ found: [PodFact], key: String) throws {
        guard !found.isEmpty else { return }
        let pipeline = sharedRunPipeline()
        let batch = try pipeline.takeFree()
        batch.sourceID = 0  // no source: the batch's progress update touches no row
        batch.linesRead = 0
        for fact in found {
            let podKey = fact.namespace + "/" + fact.name
            let merged = dumps.facts[podKey].map { $0.merged(with: fact) } ?? fact
            dumps.facts[podKey] = merged
            let id = interner.intern(merged.name)
            knownPods.insert(id)  // a later log of the pod keeps this workload
            batch.newPodFacts.append((id, merged))
            dumps.update(key) {
                $0.pods.insert(podKey)
                $0.facts.insert(podKey)
            }
        }
        takeNewEntries(into: batch)
        try pipeline.submit(batch)
        try batchHandedOver(queued: true)
    }

    /// Reads a cluster-info `logs.txt`: each proxy container's segment (between its START and END
    /// lines) is a stream of its own under the pod; other containers' segments are counted and skipped.
    /// A proxy segment whose first lines hold no access log (a log request's error, only the proxy's
    /// own start-up lines) is skipped too, rather than rejected.
    func ingestSegments(name: String, stream: ByteStream, key: String) throws {
        let reader = LineReader(stream)
        var current: AccessLogStream?
        var taking = false
        /// The open proxy segment's first lines, until they show whether it holds access logs.
        var pending: [(Int, [UInt8])]?
        var skippedLines = 0
        var proxies = 0
        var others = 0
        func decide() throws {
            guard let lines = pending else { return }
            pending = nil
            guard looksLikeAccessLog(lines.map(\.1)) else {
                skippedLines += lines.count
                return
            }
            proxies += 1
            current = try beginStream(name: name, size: nil, fingerprint: nil)
            taking = current != nil
            for (number, bytes) in lines where taking {
                taking = try bytes.withUnsafeBufferPointer { try current!.feed(line: $0, number: number) }
            }
        }
        func endSegment() throws {
            try decide()
            if let open = current { try open.end(.endOfInput) }
            current = nil
            taking = false
        }
        do {
            try reader.forEachLine({ line, number in
                // Marker lines start with `====`; any other line is the open segment's.
                if line.count > 40, line[0] == UInt8(ascii: "="), let marker = ContainerLogMarker.parse(line) {
                    try endSegment()
                    if marker.edge == .start {
                        if LineUnwrapper.isProxyContainer(marker.container.utf8) { pending = [] } else { others += 1 }
                    }
                    return true
                }
                if let open = current {
                    if taking { taking = try open.feed(line: line, number: number) }
                } else if pending != nil {
                    pending!.append((number, Array(line)))
                    if pending!.count >= FormatDetector.sampleSize { try decide() }
                } else {
                    skippedLines += 1
                }
                return true
            }, oversized: { number, prefix, total in
                if let open = current, taking { try open.oversized(number: number, prefix: prefix, totalLength: total) } else { skippedLines += 1 }
            })
        } catch let error as InputError {
            current?.streamError = error.description
        }
        try endSegment()
        runBytes += reader.rawBytesRead
        dumps.update(key) {
            $0.report.proxyLogs += proxies
            $0.report.skippedContainers += others
            $0.report.skippedContainerLines += skippedLines
        }
    }

    /// The dumps' reports for the summary, and the dumps without any access log as failed inputs.
    func finishDumps() {
        for report in dumps.releaseHeld() {
            summary.files += 1  // taken off when it was held
            finished(report)
        }
        guard !dumps.isEmpty else { return }
        let reports = dumps.reports(from: summary.reports)
        summary.dumps = reports.map(\.report)
        for (dump, hasAccessLogs) in reports where !hasAccessLogs {
            let report = FileReport(path: dump.path, format: nil, state: .noAccessLogs, lines: 0, records: 0, rejected: 0, skipped: 0,
                                    error: "no access log in this \(dump.layout) dump (\(dump.proxyLogs) proxy logs, \(dump.skippedContainers) other containers skipped, \(dump.notAccessLogs) members that are not access logs)")
            summary.reports.append(report)
            onEvent(.fileFinished(report))
        }
    }
}
