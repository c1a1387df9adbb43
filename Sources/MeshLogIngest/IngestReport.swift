import MeshLogCore

/// What happened to one input.
public struct FileReport: Sendable, Codable, Equatable {
    /// How the input ended.
    public enum State: String, Sendable, Codable {
        case ingested, resumed
        case alreadyIngested = "already ingested"
        case duplicate
        case noAccessLogs = "no access logs"
        case failed
        /// Followed (`ingest --follow`) and still growing when the run stopped: the next follow
        /// run continues it.
        case following
    }

    public var path: String
    public var format: String?
    public var state: State
    /// Lines read in this run (not counting lines skipped over when resuming).
    public var lines: Int
    public var records: Int
    public var rejected: Int
    public var skipped: Int
    /// Why the input failed or stopped early, with its position.
    public var error: String?
    /// Lines stored only on a second try (`recovered` in JSON, left out when there were none).
    public var recovered: LineRecovery?
    /// The pods told apart by their addresses in an input that names none (`pods_by_address` in
    /// JSON, left out for one pod's input).
    public var podsByAddress: AddressPods?

    enum CodingKeys: String, CodingKey {
        case path, format, state, lines, records, rejected, skipped, error, recovered
        case podsByAddress = "pods_by_address"
    }
}

/// The pods of an input that names none, told apart by each line's own address (`AddressReporters`).
public struct AddressPods: Sendable, Codable, Equatable {
    /// One pod: its address, the name its lines are stored under (the address, or the input's name
    /// for the first pod), the workload it serves as the lines name it, and its lines.
    public struct Pod: Sendable, Codable, Equatable {
        public var ip: String
        public var pod: String
        /// `course-v1` (service and subset), `course`, or `gateway`; nil when no line names a service it serves.
        public var workload: String?
        public var lines: Int
        /// It has no service but receives its outbound calls on its own address: a gateway.
        public var gateway: Bool
    }

    public var pods: [Pod]
    /// Lines whose own address was not known (an outbound line that opened no connection, from
    /// an address no other line showed): stored under the input's name.
    public var untold: Int

    /// What to say on stderr, e.g. `lines of 14 pods told apart by their addresses (no pod is named
    /// in the input): course-v1 ×3 (10.244.3.13, …), …`.
    public var notes: [String] {
        var groups: [String: [Pod]] = [:]
        for pod in pods { groups[pod.workload ?? "no service named", default: []].append(pod) }
        let named = groups.sorted { $0.key < $1.key }.map { name, pods in
            "\(name) (\(pods.map { $0.pod == $0.ip ? $0.ip : "\($0.ip), stored as \($0.pod)" }.joined(separator: ", ")))"
        }
        var notes = ["lines of \(pods.count) pods told apart by their addresses (the input names no pod): " + named.joined(separator: "; ")]
        if untold > 0 { notes.append("\(untold == 1 ? "1 line" : "\(untold) lines") with no address of a known pod stored under the input's name") }
        return notes
    }
}

/// Lines of one input stored only on a second try, by what made them fit.
///
/// A line can count under more than one (a JSON record in a CRI line among plain ones).
public struct LineRecovery: Sendable, Codable, Equatable {
    /// Stored after taking off another wrapper than the file's (a plain line among CRI ones, an `ACCESS ` line among plain ones).
    public var otherWrapper = 0
    /// Stored with a preset of the other kind than the file's format (a JSON record in a text file, or the reverse).
    public var otherFormat = 0
    /// Stored after text before the access log (a log shipper's or a console's prefix) was taken off.
    public var prefixRemoved = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case otherWrapper = "other_wrapper"
        case otherFormat = "other_format"
        case prefixRemoved = "prefix_removed"
    }

    /// Whether no line needed a second try.
    public var isEmpty: Bool { otherWrapper == 0 && otherFormat == 0 && prefixRemoved == 0 }

    /// One sentence per kind with lines, e.g. `12 lines stored after a prefix was taken off`.
    public var notes: [String] {
        func lines(_ n: Int) -> String { n == 1 ? "1 line" : "\(n) lines" }
        var notes: [String] = []
        if otherWrapper > 0 { notes.append("\(lines(otherWrapper)) stored after a wrapper other than the file's was taken off") }
        if otherFormat > 0 { notes.append("\(lines(otherFormat)) stored with a format of the other kind (JSON or text) than the file's") }
        if prefixRemoved > 0 { notes.append("\(lines(prefixRemoved)) stored after a prefix was taken off") }
        return notes
    }
}

/// The outcome of one `meshlog ingest` run.
public struct IngestSummary: Sendable, Codable, Equatable {
    public var files: Int = 0
    public var filesSkipped: Int = 0
    public var linesRead: Int = 0
    public var recordsStored: Int = 0
    /// Trace spans stored (from Zipkin, Jaeger, OTLP or Tempo files).
    public var spansStored: Int = 0
    public var linesRejected: Int = 0
    public var linesSkipped: Int = 0
    public var bytesRead: Int64 = 0
    public var seconds: Double = 0
    public var database: String = ""
    /// The library that inflates gzip input in this process, "isa-l" or "zlib" (`GzipInflater`),
    /// given whether or not an input was gzipped.
    public var inflater: String = GzipInflater.preferred.name
    public var reports: [FileReport] = []
    /// What was found in each cluster dump read (`istioctl bug-report`, `kubectl cluster-info
    /// dump`, must-gather); nil (left out of the JSON) when the run read none.
    public var dumps: [ClusterDumpReport]?
    /// Where the run's time went, for tuning (not part of the JSON summary); nil when no writer
    /// thread ran.
    public var timing: Timing?

    /// Time spent by the run's two busy threads, in seconds.
    public struct Timing: Sendable, Equatable {
        /// Wall time the writer thread spent storing batches, and its CPU time.
        public var writerSeconds: Double
        public var writerCPUSeconds: Double
        /// CPU time of the parsing thread (the caller's), and how long it waited for a free batch.
        public var parserCPUSeconds: Double
        public var waitSeconds: Double
    }

    enum CodingKeys: String, CodingKey {
        case files, database, seconds, reports, inflater, dumps
        case filesSkipped = "files_skipped"
        case linesRead = "lines_read"
        case recordsStored = "records_stored"
        case spansStored = "spans_stored"
        case linesRejected = "lines_rejected"
        case linesSkipped = "lines_skipped"
        case bytesRead = "bytes_read"
    }

    /// Inputs that had no access-log line at all.
    public var filesWithoutAccessLogs: [FileReport] { reports.filter { $0.state == .noAccessLogs } }
}

/// Progress and milestones reported while ingesting.
public enum IngestEvent: Sendable {
    /// An input is being opened.
    case fileStarted(path: String, index: Int, count: Int)
    /// The format of an input was detected (or given); `inferred` is the format string when no
    /// preset fitted and `FormatInference` was sure of one (`format` is then `inferred`).
    case formatChosen(path: String, format: String, matched: Int, sampled: Int, inferred: String? = nil)
    /// Periodic progress: raw bytes read so far in this run, lines read, elapsed seconds.
    case progress(bytes: Int64, totalBytes: Int64?, lines: Int, seconds: Double)
    /// An input is done.
    case fileFinished(FileReport)
    /// Building indexes after a bulk load.
    case indexing
    /// Something `ingest --follow` noticed about a followed file.
    case follow(FollowEvent)
}

/// What `Follower` reports besides the usual ingest events.
public enum FollowEvent: Sendable, Equatable {
    /// A file is being followed, from line `fromLine + 1` (lines before it were stored by an earlier run).
    case started(path: String, fromLine: Int)
    /// The file at `path` was renamed away (rotated) or deleted; its last lines were read and it is done.
    case rotated(path: String)
    /// The file at `path` was truncated in place (copytruncate); what follows is read as a new file.
    case truncated(path: String)
    /// About once a second: files followed, lines read and rows stored in this run, elapsed seconds.
    case progress(files: Int, lines: Int, records: Int, seconds: Double)
    /// Another process writes the store: the follower waits for it (reading nothing meanwhile;
    /// the files keep their lines). `holder` says who it is.
    case waiting(holder: String)
}

/// Ingest problems that stop an input or the run.
public enum IngestError: Error, CustomStringConvertible, Sendable {
    /// `--format NAME` names no preset.
    case unknownFormat(String)
    /// A `--format` string that does not compile.
    case badFormat(EnvoyFormatError)
    /// `--format @file` could not be read.
    case unreadableFormatFile(String)
    /// Span files go into a SQLite store only (the writer given is of another kind).
    case spansNeedSQLite
    /// Following files keeps its bookkeeping in a SQLite store only.
    case followNeedsSQLite

    public var description: String {
        switch self {
        case .unknownFormat(let name):
            "unknown format '\(name)'; use one of \(FormatCatalog.presets.map(\.name).joined(separator: ", ")), an Envoy format string, or @FILE (see `meshlog formats`)"
        case .badFormat(let e): e.description
        case .unreadableFormatFile(let path): "cannot read the format file \(path)"
        case .spansNeedSQLite: "span files are stored in a SQLite store only"
        case .followNeedsSQLite: "--follow keeps its bookkeeping in a SQLite store only"
        }
    }
}
