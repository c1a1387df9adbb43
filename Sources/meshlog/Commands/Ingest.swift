import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore

extension MeshLog {
    /// `meshlog ingest`: load access logs into the store.
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load Envoy/Istio access logs (and span files) into the store.",
            discussion: """
                Reads files, directories (recursively), tar/tar.gz bundles and - (stdin), plain or gzipped. \
                Each file's format is detected from its first lines unless --format is given. A file already \
                ingested is skipped; a file left half-done by a killed run resumes where it stopped. Lines that \
                do not parse go to the `rejected` table and are counted.

                With --follow, files are tailed as they grow, and files that appear in the folders given are \
                read too, until Ctrl-C or SIGTERM; rotated (renamed or copied and truncated) files are read to \
                their end. Rows are committed at least every second, so `meshlog sql` sees them as they come. \
                A later --follow run continues each file where this one stopped.

                With --store clickhouse://HOST:8123/DATABASE?cluster=NAME (or $MESHLOG_STORE) the rows go to a \
                ClickHouse server or cluster, whose tables are created first (see `meshlog init`); a killed or \
                failed run resumes there too, with no line stored twice. --follow needs a SQLite store.

                Example:
                  meshlog ingest samples --db incident.db
                  kubectl logs course-v2-x2kqp istio-proxy | meshlog ingest - --reporter c2
                  meshlog ingest --follow samples/ --from-end --db live.db
                """
        )

        @Argument(help: ArgumentHelp("Files, directories or tar bundles to read; - reads stdin.", valueName: "path"))
        var paths: [String]

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("A preset (see `meshlog formats`), an Envoy format string or json_format object ({\"code\": \"%RESPONSE_CODE%\", …}), or @FILE holding one.", valueName: "format"))
        var format: String?

        @Option(help: ArgumentHelp("Pod or workload name for lines read from stdin.", valueName: "name"))
        var reporter: String?

        @Flag(help: "Print the summary as one JSON object on stdout.")
        var json = false

        @Flag(help: "Exit with status 1 if any line is rejected or any input fails.")
        var strict = false

        @Option(help: ArgumentHelp("Rows per batch handed to the writer thread (a transaction holds several).", visibility: .hidden))
        var batchSize = IngestOptions().batchSize

        @Option(help: ArgumentHelp("Build the row indexes after the load: yes, or no (auto: no, measured faster).", visibility: .hidden))
        var bulk = "auto"

        @Flag(name: .shortAndLong, help: "No progress or per-file lines on stderr.")
        var quiet = false

        @Flag(help: "Keep reading files as they grow, and new files in the folders given, until Ctrl-C or SIGTERM.")
        var follow = false

        @Option(help: ArgumentHelp("With --follow: seconds between looks at files that had nothing new.", valueName: "seconds"))
        var pollInterval = 0.2

        @Flag(help: "With --follow: start files that no earlier run has read at their end, not their start.")
        var fromEnd = false

        func validate() throws {
            if paths.isEmpty { throw ValidationError("Give at least one file, directory or - for stdin.") }
            if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("Read stdin (-) only once.") }
            if !follow, fromEnd { throw ValidationError("--from-end goes with --follow.") }
            if follow, !(0.01...60).contains(pollInterval) { throw ValidationError("--poll-interval must be between 0.01 and 60 seconds.") }
        }

        func run() throws {
            let choice: IngestOptions.FormatChoice
            do { choice = try IngestOptions.FormatChoice.parse(format) } catch let error as IngestError {
                throw ValidationError(error.description)
            }
            // The summary's seconds run from here to the store closed: discovery, opening the store,
            // the run, the index and statistics work at its end, and the last checkpoint.
            let started = Date()
            let inputs = try InputDiscovery.expand(paths)
            let summaryOrNil: IngestSummary?
            do {
                summaryOrNil = try ingest(inputs, format: choice)
            } catch let error as SQLiteError {
                guard let fault = error.fault else { throw error }
                throw CommandFailure(Self.faultMessage(fault, store: database.path, since: started))
            }
            guard var summary = summaryOrNil else { return }
            summary.seconds = Date().timeIntervalSince(started)
            if ProcessInfo.processInfo.environment["MESHLOG_TIMING"] != nil, let t = summary.timing {
                Terminal.err(String(format: "timing: writer %.2fs wall %.2fs cpu; parser %.2fs cpu, waited %.2fs\n",
                                    t.writerSeconds, t.writerCPUSeconds, t.parserCPUSeconds, t.waitSeconds))
            }
            try printSummary(summary)
            let failed = summary.filesWithoutAccessLogs
            if !failed.isEmpty {
                throw CommandFailure("\(failed.count) input(s) had no parsable access-log line: \(failed.map(\.path).joined(separator: ", ")). Check the file, or give --format (see `meshlog formats`).")
            }
            if strict, summary.linesRejected > 0 || summary.reports.contains(where: { $0.state == .failed || $0.error != nil }) {
                Terminal.err("meshlog: --strict: \(summary.linesRejected) line(s) rejected; see `meshlog sql \"SELECT * FROM rejected\"`\n")
                throw ExitCode.failure
            }
        }

        /// Opens the store, ingests `inputs` with progress on stderr and closes the store again (its
        /// last checkpoint included); nil when `--follow` ran instead.
        private func ingest(_ inputs: [InputFile], format choice: IngestOptions.FormatChoice) throws -> IngestSummary? {
            let options = IngestOptions(format: choice, reporter: reporter, batchSize: batchSize, bulkLoad: bulk == "auto" ? nil : bulk == "yes")
            let ingester: Ingester
            var lock: StoreWriteLock?
            defer { lock?.release() }
            if let endpoint = database.clickhouse {
                // Writers of a ClickHouse store need no lock: each run's sources have ids of their own.
                if follow { throw CommandFailure("--follow is not supported on a ClickHouse store yet; follow into a SQLite store (--db PATH)") }
                let store = ClickHouseStore(endpoint: endpoint)
                try store.migrate()
                ingester = try Ingester(writer: ClickHouseAccessLogWriter(store: store), options: options)
            } else {
                // One writer at a time: wait for another ingest of the same store, saying for whom.
                lock = StoreWriteLock(storePath: database.path, holder: Self.holderName)
                try lock?.acquire { holder in
                    if !quiet { Terminal.err(TerminalText.escaped("meshlog: waiting: \(database.path) is being written by \(holder)") + "\n") }
                }
                let db = try SQLiteStore.openForWriting(path: database.path)
                ingester = try Ingester(db: db, options: options)
                ingester.storeLock = lock
            }
            if !quiet, let note = GzipInflater.selection.note { Terminal.err("meshlog: note: \(TerminalText.escaped(note))\n") }
            if follow {
                try runFollow(ingester)
                return nil
            }
            let showProgress = !quiet && Terminal.stderrIsTTY
            var progressShown = false
            let summary = try ingester.run(inputs) { event in
                switch event {
                case .formatChosen(let file, let format, let matched, let sampled, let inferred):
                    if !quiet, sampled > 0 {
                        if progressShown { Terminal.err("\r\u{1B}[K"); progressShown = false }
                        Terminal.err(Self.formatNote(file, format, matched, sampled, inferred) + "\n")
                    }
                case .progress(let bytes, let total, let lines, let seconds):
                    guard showProgress else { return }
                    let rate = seconds > 0 ? Double(lines) / seconds : 0
                    let pct = total.map { $0 > 0 ? String(format: " %3.0f%%", 100 * Double(bytes) / Double($0)) : "" } ?? ""
                    Terminal.err("\r\u{1B}[K\(pct) \(Terminal.bytes(bytes)) read, \(Terminal.count(lines)) lines, \(Terminal.count(Int(rate))) lines/s")
                    progressShown = true
                case .fileFinished(let report):
                    if progressShown { Terminal.err("\r\u{1B}[K"); progressShown = false }
                    if let error = report.error {
                        Terminal.err("meshlog: \(report.state == .noAccessLogs ? "error" : "warning"): \(TerminalText.escaped(report.path)): \(TerminalText.escaped("\(error)", keepingNewlines: true))\n")
                    } else if !quiet, report.state == .alreadyIngested {
                        Terminal.err("\(TerminalText.escaped(report.path)): already ingested, skipped\n")
                    }
                    if !quiet, let recovered = report.recovered {
                        for note in recovered.notes { Terminal.err(TerminalText.escaped("\(report.path): \(note)") + "\n") }
                    }
                    if !quiet, let pods = report.podsByAddress {
                        for note in pods.notes { Terminal.err(TerminalText.escaped("\(report.path): \(note)") + "\n") }
                    }
                case .fileStarted, .follow:
                    break
                case .indexing:
                    if showProgress { Terminal.err("\r\u{1B}[K building indexes…"); progressShown = true }
                }
            }
            if progressShown { Terminal.err("\r\u{1B}[K") }
            return summary
        }

        /// A fault of the machine under the store, said plainly with what the run had committed, e.g.
        /// `disk full writing meshlog.db: 262,144 rows of access.log committed; free space and run the
        /// same command to continue`.
        static func faultMessage(_ fault: StoreFault, store: String, since started: Date) -> String {
            // `started_at` has millisecond precision; a second's margin keeps the run's first source.
            let since = RunProgress.timestamp(started.addingTimeInterval(-1))
            var out = "\(fault.summary) writing \(store)"
            if let progress = try? RunProgress.read(store: store, since: since) {
                let finished = progress.sources.filter(\.finished)
                let partial = progress.sources.filter { !$0.finished && $0.linesRead > 0 }
                var parts: [String] = []
                if !finished.isEmpty {
                    parts.append(finished.count == 1 ? "\(finished[0].path) complete" : "\(finished.count) files complete")
                }
                for source in partial {
                    parts.append("\(source.path) up to line \(Terminal.count(source.linesRead))")
                }
                out += ": \(Terminal.count(progress.records)) rows of this run committed"
                if !parts.isEmpty { out += " (\(parts.joined(separator: ", ")))" }
            }
            return out + "; \(fault.advice)"
        }

        /// This process as other writers of the store are told, e.g. `meshlog ingest bundle.tar.gz (pid 4242)`.
        static var holderName: String {
            let words = CommandLine.arguments.dropFirst().prefix(6).joined(separator: " ")
            return "meshlog \(words)\(CommandLine.arguments.count > 7 ? " …" : "") (pid \(getpid()))"
        }

        /// The stderr line saying which format a file was read with; an inferred one is spelled out for `--format`.
        /// The file name and the inferred format (whose literal text comes from the lines) with control characters escaped.
        static func formatNote(_ file: String, _ format: String, _ matched: Int, _ sampled: Int, _ inferred: String?) -> String {
            let file = TerminalText.escaped(file), format = TerminalText.escaped(format)
            guard let inferred else { return "\(file): \(format) (\(matched) of the first \(sampled) lines matched)" }
            return "\(file): \(format) format (\(matched) of the first \(sampled) lines fit): --format '\(TerminalText.escaped(inferred))'"
        }

        /// Prints the summary on stdout: a table, or JSON with `--json`.
        func printSummary(_ summary: IngestSummary) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                Terminal.out(TerminalText.jsonSafe(String(decoding: try encoder.encode(summary), as: UTF8.self)) + "\n")
            } else {
                Terminal.out(Self.renderSummary(summary))
            }
        }

        /// The human summary: a table per file and a total line; file names and formats with control characters
        /// escaped, the widths those of the escaped text.
        static func renderSummary(_ s: IngestSummary) -> String {
            var rows: [[String]] = [["FILE", "FORMAT", "LINES", "STORED", "REJECTED", "SKIPPED", "STATE"]]
            for r in s.reports {
                rows.append([TerminalText.escaped(r.path), TerminalText.escaped(r.format ?? "-"), Terminal.count(r.lines), Terminal.count(r.records),
                             Terminal.count(r.rejected), Terminal.count(r.skipped), r.state.rawValue])
            }
            var widths = Array(repeating: 0, count: 7)
            for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            var out = ""
            for row in rows {
                out += row.enumerated().map { i, c in
                    let pad = String(repeating: " ", count: widths[i] - c.count)
                    return (2...5).contains(i) ? pad + c : (i == 6 ? c : c + pad)
                }.joined(separator: "  ") + "\n"
            }
            for d in s.dumps ?? [] {
                out += "\n\(d.layout) dump \(d.path): \(Terminal.count(d.pods)) pods (\(Terminal.count(d.podFacts)) with facts), "
                out += "\(Terminal.count(d.proxyLogs)) proxy logs, \(Terminal.count(d.skippedContainers)) other containers skipped"
                if d.skippedContainerLines > 0 { out += " (\(Terminal.count(d.skippedContainerLines)) lines)" }
                out += ", \(Terminal.count(d.notAccessLogs)) members not access logs, \(Terminal.count(d.records)) rows stored"
            }
            if !(s.dumps ?? []).isEmpty { out += "\n" }
            let rate = s.seconds > 0 ? Double(s.linesRead) / s.seconds : 0
            out += "\n\(s.files) file(s), \(Terminal.count(s.linesRead)) lines read, \(Terminal.count(s.recordsStored)) stored, "
            out += "\(Terminal.count(s.linesRejected)) rejected, \(Terminal.count(s.linesSkipped)) skipped"
            if s.spansStored > 0 { out += ", \(Terminal.count(s.spansStored)) spans" }
            if s.filesSkipped > 0 { out += ", \(s.filesSkipped) already ingested" }
            out += String(format: " in %.2f s (%@ lines/s) -> %@\n", s.seconds, Terminal.count(Int(rate)), TerminalText.escaped(s.database))
            return out
        }
    }
}
