import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogGenerate
import MeshLogStore
import MeshLogTerminal

/// `meshlog-bench`: the project's own ingest and answer benchmark, kept out of the shipped `meshlog`.
@main
struct MeshLogBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshlog-bench",
        abstract: "Measure parse-only and end-to-end ingest speed, peak memory and database size.",
        discussion: """
            Uses --input FILE, or generates --lines of synthetic Istio traffic first. Run it on a release build:
              swift run -c release meshlog-bench --lines 1000000

            --bundle generates (or takes as --input) a cluster dump instead: a tar.gz laid out like \
            /var/log/pods, one CRI-wrapped istio-proxy log per pod, and measures its ingest:
              swift run -c release meshlog-bench --bundle --lines 1000000

            --follow measures `meshlog ingest --follow` instead: a writer appends lines to a file at --rate \
            lines/s for --seconds while a follower process reads it, and a separate read-only connection \
            reports how long each line took to become a visible row:
              swift run -c release meshlog-bench --follow --rate 50000 --seconds 20

            --answers DB times the answers on an existing store instead: status --by service, hops,
            timeline --bucket 1m over its first whole day, graph, compare of its first whole day with the next, \
            a trace by x-request-id, and critical-path over 10:00 to 13:20 of that day (about 100,000 requests \
            on the 10M-line store; best of three runs each).

            --pages STORE times `meshlog serve`'s pages on an existing store (a file or a clickhouse:// URL), in \
            process without the socket: each page's whole response, best of three.

            --store clickhouse://HOST:8123/DATABASE?cluster=NAME ingests into that ClickHouse store instead of \
            SQLite (its database is dropped and created again on every shard first), and --answers with such a URL \
            times the answers there (status, hops and timeline over the first day, graph, a trace).

            Example:
              meshlog-bench --lines 20000 --workdir bench-data --json
              meshlog-bench --bundle --lines 20000 --workdir bench-data
              meshlog-bench --answers meshlog.db
              meshlog-bench --pages meshlog.db
            """
    )

    @Option(help: "An existing access-log file to measure (plain or gzipped).")
    var input: String?

    @Option(help: "Lines to generate when no --input is given.")
    var lines = 1_000_000

    @Option(help: "Working folder for generated data and the database.")
    var workdir: String?

    @Flag(help: "Generate (or read) the input gzipped.")
    var gzip = false

    @Flag(help: "Generate (or read as --input) a tar.gz bundle of CRI-wrapped pod logs and time its ingest (no parse-only pass).")
    var bundle = false

    @Flag(help: "Only the parse-only pass.")
    var parseOnly = false

    @Flag(help: "Print results as JSON.")
    var json = false

    @Flag(help: "Measure ingest --follow: lag from a line appended to its row visible, at --rate.")
    var follow = false

    @Option(help: "With --follow: lines appended per second.")
    var rate = 50_000

    @Option(help: "With --follow: seconds to append for.")
    var seconds = 10.0

    @Option(help: ArgumentHelp("Time the answers on this existing store (a SQLite file or a clickhouse:// URL) instead of ingesting.", valueName: "store"))
    var answers: String?

    @Option(help: ArgumentHelp("Time meshlog serve's pages on this existing store (a SQLite file or a clickhouse:// URL).", valueName: "store"))
    var pages: String?

    @Option(help: ArgumentHelp("Ingest into this ClickHouse store (clickhouse://HOST:8123/DATABASE?cluster=NAME; its database is dropped first) instead of SQLite.", valueName: "url"))
    var store: String?

    func validate() throws {
        if bundle, parseOnly { throw ValidationError("--parse-only reads one log file; a --bundle is measured end to end only.") }
        if bundle, gzip { throw ValidationError("A --bundle is a tar.gz already; leave out --gzip.") }
    }

    func run() throws {
        if let pages { return try PageBench(location: StoreLocation.parse(pages)).run(json: json) }
        if let answers {
            if case .clickhouse(let endpoint) = try StoreLocation.parse(answers) { return try benchClickHouseAnswers(endpoint) }
            return try benchAnswers(answers)
        }
        let dir = workdir ?? FileManager.default.temporaryDirectory.appendingPathComponent("meshlog-bench").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if follow { return try runFollow(dir: dir) }
        let path: String
        if let input {
            path = input
        } else if bundle {
            Terminal.err("generating a bundle of \(lines) lines (cached in \(dir))…\n")
            path = try BenchData.generateBundle(lines: lines, into: dir)
        } else {
            Terminal.err("generating \(lines) lines (cached in \(dir))…\n")
            path = try BenchData.generate(lines: lines, gzip: gzip, into: dir)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        var results: [(String, String)] = [("input", path), ("input_bytes", String(size))]
        if try InputOpener.detectFormat(InputFile(path: path)).isGzip {
            if let note = GzipInflater.selection.note { Terminal.err("meshlog: note: \(note)\n") }
            results.append(("inflater", GzipInflater.preferred.name))
        }
        if !bundle {
            // Parse only: read, split, match the format, typed values (what lnav or GoAccess do).
            let parse = try ParseBenchmark.run(path: path, encode: false)
            results.append(("parse_lines_per_s", String(Int(Double(parse.lines) / parse.seconds))))
            results.append(("parse_mb_per_s", String(format: "%.1f", Double(parse.bytes) / 1e6 / parse.seconds)))
            results.append(("format", parse.format))
            // Parse and encode: also intern strings, derive routes and destinations, pack rows.
            let encode = try ParseBenchmark.run(path: path, encode: true)
            results.append(("parse_encode_lines_per_s", String(Int(Double(encode.lines) / encode.seconds))))
        }
        if !parseOnly, let store {
            guard case .clickhouse(let endpoint) = try StoreLocation.parse(store) else {
                throw ValidationError("--store takes a clickhouse:// URL (without it the benchmark ingests into SQLite)")
            }
            results += try benchClickHouseIngest(endpoint, paths: [path])
        } else if !parseOnly {
            let db = (dir as NSString).appendingPathComponent("bench.db")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
            let start = Date()
            let database = try SQLiteStore.openForWriting(path: db)
            let summary = try Ingester(db: database, options: IngestOptions()).run([InputFile(path: path, size: size)])
            try database.execute(BenchmarkQueries.truncateLog)
            let seconds = Date().timeIntervalSince(start)
            let dbBytes = ["", "-wal"].reduce(Int64(0)) { total, s in
                total + ((try? FileManager.default.attributesOfItem(atPath: db + s)[.size] as? NSNumber)?.int64Value ?? 0)
            }
            results.append(("ingest_seconds", String(format: "%.3f", seconds)))
            results.append(("ingest_lines_per_s", String(Int(Double(summary.linesRead) / seconds))))
            results.append(("ingest_mb_per_s", String(format: "%.1f", Double(size) / 1e6 / seconds)))
            results.append(("records_stored", String(summary.recordsStored)))
            if bundle { results.append(("files", String(summary.files))) }
            results.append(("db_bytes_per_line", String(format: "%.1f", Double(dbBytes) / Double(max(1, summary.recordsStored)))))
        }
        results.append(("peak_rss_mb", String(format: "%.1f", BenchData.peakRSSMegabytes())))
        print(results)
    }

    /// `--follow`: appends at `rate` while `meshlog ingest --follow` follows, and reports the lag.
    func runFollow(dir: String) throws {
        let total = Int(Double(rate) * seconds)
        let source: String
        if let input {
            source = input
        } else {
            let count = min(lines, max(total, 10_000))
            Terminal.err("generating \(count) lines (cached in \(dir))…\n")
            source = try BenchData.generate(lines: count, gzip: false, into: dir)
        }
        // The follower is the shipped `meshlog`, built beside this benchmark.
        let own = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let executable = own.deletingLastPathComponent().appendingPathComponent("meshlog").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CommandFailure("--follow runs \(executable), which is not built: swift build -c release --product meshlog")
        }
        Terminal.err("appending \(Terminal.count(total)) lines at \(Terminal.count(rate)) lines/s while ingest --follow reads them…\n")
        let r = try FollowBench.run(source: source, dir: dir, rate: rate, seconds: seconds, executable: executable)
        print([
            ("target_lines_per_s", String(rate)),
            ("lines_written", String(r.linesWritten)),
            ("written_lines_per_s", String(Int(Double(r.linesWritten) / max(r.writeSeconds, 0.001)))),
            ("lines_visible", String(r.linesVisible)),
            ("lag_p50_s", String(format: "%.3f", r.p50Lag)),
            ("lag_p99_s", String(format: "%.3f", r.p99Lag)),
            ("lag_max_s", String(format: "%.3f", r.maxLag)),
            ("catch_up_s", String(format: "%.3f", r.catchUpSeconds)),
            ("follower_peak_rss_mb", String(format: "%.1f", r.followerPeakRSSMegabytes)),
        ])
    }

    /// Prints `results` as aligned `key value` lines, or one JSON object with `--json`.
    func print(_ results: [(String, String)]) {
        if json {
            // Figures are JSON numbers; names (paths, formats, yes/no) are strings.
            let fields = results.map { key, value in
                "\"\(key)\": " + (Double(value) != nil && value.first?.isNumber == true ? value : "\"\(value)\"")
            }
            Terminal.out("{" + fields.joined(separator: ", ") + "}\n")
        } else {
            for (k, v) in results { Terminal.out(k.padding(toLength: 26, withPad: " ", startingAt: 0) + v + "\n") }
        }
    }

    /// The shortest of three runs of `body`, in seconds.
    static func bestOfThree(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<3 {
            let start = Date()
            try body()
            times.append(Date().timeIntervalSince(start))
        }
        return times.min() ?? 0
    }

    /// Times each answer on the store at `path`: the best of three fresh sessions, in seconds.
    private func benchAnswers(_ path: String) throws {
        let best = Self.bestOfThree
        func session(since: String? = nil, until: String? = nil) throws -> AnswerSession {
            try AnswerSession(path: path, since: since, until: until, services: [])
        }
        let probe = try session()
        guard let span = probe.span else { throw CommandFailure("\(path) holds no timed line") }
        let lines = try SQLiteStore.openForReading(path: path).scalar(BenchmarkQueries.rowCount).int64 ?? 0
        var results: [(String, String)] = [("store", path), ("lines", String(lines))]
        var usedSummaries = false
        results.append(("status_by_service_s", String(format: "%.3f", try best {
            let s = try session()
            _ = try StatusReport(session: s, by: [.service], side: .hop)
            usedSummaries = s.reader.usedSummaries
        })))
        results.append(("hops_s", String(format: "%.3f", try best { _ = try HopsReport(session: session()) })))
        let day: Int64 = 86_400_000_000
        let dayStart = (span.first + day - 1) / day * day
        let since = AnswerFormat.timestamp(dayStart), until = AnswerFormat.timestamp(dayStart + day)
        results.append(("timeline_1m_day_s", String(format: "%.3f", try best {
            _ = try TimelineReport(session: session(since: since, until: until), bucketMicros: 60_000_000, side: .hop)
        })))
        results.append(("graph_s", String(format: "%.3f", try best { _ = try ServiceGraph(session: session()) })))
        results.append(("compare_two_days_s", String(format: "%.3f", try best {
            let s = try session()
            let sides = try CompareRequest(baselineDay: String(since.prefix(10)),
                                           candidateDay: String(AnswerFormat.timestamp(dayStart + day).prefix(10))).resolve(s)
            _ = try CompareReport(reader: s.reader, baseline: sides.baseline, candidate: sides.candidate)
        })))
        let db = try SQLiteStore.openForReading(path: path)
        let rid = try db.scalar(BenchmarkQueries.requestOfRow, [.integer(max(1, lines / 2))]).string
        if let rid {
            results.append(("trace_by_request_id_s", String(format: "%.4f", try best {
                _ = try TraceLoader(db: SQLiteStore.openForReading(path: path)).load(rid)
            })))
        }
        // Critical path over about 100,000 requests on the 10M-line store: 10:00 to 13:20 of the first whole day.
        var cpRequests = 0
        var cpOptions = CriticalPathAnalysis.Options()
        cpOptions.sinceUs = dayStart + 10 * 3_600_000_000
        cpOptions.untilUs = dayStart + 10 * 3_600_000_000 + 200 * 60_000_000
        results.append(("critical_path_100k_s", String(format: "%.3f", try best {
            cpRequests = try CriticalPathAnalysis(db: SQLiteStore.openForReading(path: path)).run(cpOptions).requests.count
        })))
        results.append(("critical_path_requests", String(cpRequests)))
        results.append(("from_summaries", usedSummaries ? "yes" : "no"))
        print(results)
    }
}
