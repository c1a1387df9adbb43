import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog report`: the daily error report, a window against a baseline, with CI gates.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A day (or window) against a baseline: headline, timeline, graph, failures, new errors, injected faults, plaintext calls, shifts, slowest requests, data health.",
            discussion: """
                Markdown on stdout by default, --json for scripts, --html FILE for one self-contained page (inline CSS \
                and SVG, nothing loaded from elsewhere, printable). The window is --day (default: the last full day in \
                the store) or --since/--until; the baseline is the window before it, or --baseline-since/--baseline-until. \
                Windows are rounded out to whole minutes.

                --fail-if makes it a CI gate: exit status 1 and a one-line reason when any condition holds. Metrics: \
                error_rate (%, every hop), p99 and p50 (ms, requests entering the mesh), requests, errors, new_errors \
                (failures whose signature the baseline never had), new_edges, vanished_edges. With --edge the \
                conditions apply to that edge's numbers. Faults Envoy injected on purpose (FI aborts, DI delays) \
                are counted apart, in their own section, and trip no gate unless --include-injected.

                Example:
                  meshlog report --day 2026-11-25 --html report.html
                  meshlog report --fail-if 'error_rate > 5%' --fail-if 'p99 > 2s'
                  meshlog report --edge 'frontend-v1 → course v2' --fail-if 'p99 > 500ms'
                  meshlog report --edge 'frontend-v1 → user' --fail-if 'overhead_p50 > 2ms'
                  meshlog report --include-injected --fail-if 'errors > 100'
                """
        )

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var injected: InjectedFaultOptions

        @Option(help: ArgumentHelp("The UTC day to report (YYYY-MM-DD).", valueName: "date"))
        var day: String?

        @Option(help: "Start of the window (RFC 3339, or a span before the newest line: 2h, 1d).")
        var since: String?

        @Option(help: "End of the window (exclusive).")
        var until: String?

        @Option(help: "Start of the baseline window (default: the window just before).")
        var baselineSince: String?

        @Option(help: "End of the baseline window.")
        var baselineUntil: String?

        @Option(name: .customLong("fail-if"), help: ArgumentHelp("Exit 1 when this holds, e.g. 'error_rate > 1%' (repeatable).", valueName: "condition"))
        var failIf: [String] = []

        @Option(help: ArgumentHelp("Apply --fail-if to this edge ('source → service subset', as hops prints it).", valueName: "edge"))
        var edge: String?

        @Option(help: ArgumentHelp("Also write the report as one HTML page to this file.", valueName: "file"))
        var html: String?

        @Flag(help: "Print JSON instead of Markdown.")
        var json = false

        @Flag(help: "Print nothing on stdout (with --html or gates).")
        var quiet = false

        func validate() throws {
            if day != nil, since != nil || until != nil { throw ValidationError("use --day or --since/--until, not both") }
            if (baselineSince == nil) != (baselineUntil == nil) { throw ValidationError("give both --baseline-since and --baseline-until") }
            for condition in failIf {
                do { _ = try ReportGate(parsing: condition) } catch let e as ReportGateError { throw ValidationError(e.description) }
            }
        }

        /// Reads a window's two ends against the newest line; mistakes become usage errors.
        func resolve(_ since: String?, _ until: String?, newest: Int64,
                     _ sinceOption: String = "--since", _ untilOption: String = "--until") throws -> TimeWindow {
            do {
                return try TimeWindow(since: since, until: until, newest: newest, sinceOption: sinceOption, untilOption: untilOption)
            } catch { throw ValidationError(error.description) }
        }

        func run() throws {
            let path = database.path
            let probe: AnswerSession
            do { probe = try AnswerSession(location: database.location, since: nil, until: nil, services: []) } catch let e as StoreError {
                throw CommandFailure(e.description)
            }
            guard let span = probe.span else { throw CommandFailure("\(path) holds no timed line; ingest some logs first") }
            let dayMicros = DailyReport.dayMicros
            var window: (start: Int64, end: Int64)
            if let day {
                guard let start = TimeExpression.parseRFC3339(day + "T00:00:00Z") else {
                    throw ValidationError("cannot read --day '\(day)': use YYYY-MM-DD")
                }
                window = (start, start + dayMicros)
            } else if since != nil || until != nil {
                let bounds = try resolve(since, until, newest: span.last)
                window = (bounds.sinceMicros ?? span.first, bounds.untilMicros ?? span.last + 1)
            } else {
                window = DailyReport.defaultWindow(span: span)
            }
            guard window.end > window.start else { throw ValidationError("the window is empty") }
            var baseline = (start: window.start - (window.end - window.start), end: window.start)
            if let bs = baselineSince, let bu = baselineUntil {
                let bounds = try resolve(bs, bu, newest: span.last, "--baseline-since", "--baseline-until")
                baseline = (bounds.sinceMicros!, bounds.untilMicros!)
            }
            let report = try DailyReport(location: database.location, window: window, baseline: baseline,
                                         includeInjected: injected.includeInjected)
            if let html {
                try ReportRenderer.html(report).write(toFile: html, atomically: true, encoding: .utf8)
                Terminal.err("wrote \(TerminalText.escaped(html))\n")
            }
            if !quiet { Terminal.out(json ? ReportRenderer.json(report) : ReportRenderer.markdown(report)) }
            var failures: [String] = []
            for condition in failIf {
                let gate = try ReportGate(parsing: condition)
                let (holds, value) = gate.holds(in: report, edge: edge)
                if edge != nil, value == nil, gate.metric != .newErrors {
                    throw CommandFailure("no edge '\(edge!)' in the window; `meshlog hops` lists the edges")
                }
                if holds {
                    let shown = value.map { gate.metric == .errorRate ? String(format: "%.2f%%", $0) : String(format: "%g", $0) } ?? "?"
                    failures.append("\(gate.text) (it is \(shown)\((edge ?? gate.edge(in: report)).map { " on \($0)" } ?? ""))")
                }
            }
            if !failures.isEmpty {
                Terminal.err("meshlog: report gate failed: \(TerminalText.escaped(failures.joined(separator: "; ")))\n")
                throw ExitCode.failure
            }
        }
    }
}
