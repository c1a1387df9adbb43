import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension CompareGrouping: ExpressibleByArgument {}

extension MeshLog {
    /// `meshlog compare`: a baseline against a candidate (two windows, or two subsets), with tests.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a baseline with a candidate (two days, two windows, or a canary's subsets) per edge, route or service.",
            discussion: """
                Each side is a window (--baseline DAY / --candidate DAY for whole UTC days, or the --baseline-since/-until \
                and --candidate-since/-until pairs; a side without its own uses --since/--until) and, for a canary, a \
                destination subset (--service course --baseline-subset v1 --candidate-subset v2). Per row: requests; \
                error rate on each side with a pooled two-proportion z-test; p50/p90/p99 on each side with 95% bootstrap \
                intervals (exact: the resampled order statistic is binomial); a Mann-Whitney U test (normal \
                approximation, tie-corrected) for a latency shift with its rank-biserial correlation r = 2·P(candidate \
                slower) + P(tie) − 1. Every p-value of every row goes through one Benjamini-Hochberg adjustment; \
                a row is worse or better when an adjusted test is at q ≤ 1 − confidence (worse wins), else no \
                change. Rows with fewer than --min-requests hops on a side say "too few" and are not tested; new and \
                vanished rows have hops on one side only. Rows are sorted by impact: the change in mean latency \
                times the candidate's hops. Two windows (or days) are also compared on where their failures started \
                (as meshlog why finds them): each origin (service, subset, status, flags, details) of the candidate's \
                failing requests that none of the baseline's has is a last row, "(new failure origin)", with its \
                failing requests and the chain the failure travelled up.

                Edges and services come from the per-minute/per-hour summaries when the windows fall on whole \
                minutes (days always do); --by route and --exact read the lines.

                With --expect SUBSET=WEIGHT,… it checks a rollout's traffic split instead: per service routing to \
                those subsets, the share of hops each received over the window against the weights, with an exact \
                two-sided binomial test per subset (Benjamini-Hochberg adjusted); "off" means the split is not the \
                one configured (a stuck or skewed rollout).

                Example:
                  meshlog compare --baseline 2026-11-24 --candidate 2026-11-25
                  meshlog compare --expect v1=90,v2=10 --service course
                  meshlog compare --service course --baseline-subset v1 --candidate-subset v2
                  meshlog compare --baseline-until 30m --candidate-since 30m --by service
                  meshlog compare --baseline 2026-11-24 --candidate 2026-11-25 --by route --json
                """
        )

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var injected: InjectedFaultOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Baseline: this whole UTC day (YYYY-MM-DD).", valueName: "day"))
        var baseline: String?
        @Option(help: ArgumentHelp("Candidate: this whole UTC day (YYYY-MM-DD).", valueName: "day"))
        var candidate: String?
        @Option(help: ArgumentHelp("Baseline window start (RFC 3339 or a span before the newest line).", valueName: "time"))
        var baselineSince: String?
        @Option(help: ArgumentHelp("Baseline window end (exclusive).", valueName: "time"))
        var baselineUntil: String?
        @Option(help: ArgumentHelp("Candidate window start.", valueName: "time"))
        var candidateSince: String?
        @Option(help: ArgumentHelp("Candidate window end (exclusive).", valueName: "time"))
        var candidateUntil: String?
        @Option(help: ArgumentHelp("Baseline: only hops to this destination subset (e.g. v1).", valueName: "subset"))
        var baselineSubset: [String] = []
        @Option(help: ArgumentHelp("Candidate: only hops to this destination subset (e.g. v2, the canary).", valueName: "subset"))
        var candidateSubset: [String] = []

        @Option(help: ArgumentHelp("Rows: edge (caller workload → service), route (service and route template; reads lines) or service.",
                                   valueName: "edge|route|service"))
        var by: CompareGrouping = .edge
        @Option(help: "Confidence for the verdicts, after Benjamini-Hochberg correction (0.95: q ≤ 0.05).")
        var confidence: Double = 0.95
        @Option(help: "Rows with fewer hops than this on either side say \"too few\" and are not tested.")
        var minRequests: Int = 30
        @Option(help: ArgumentHelp("Check the traffic split over the window against these weights (v1=90,v2=10) instead of comparing two sides.",
                                   valueName: "weights"))
        var expect: String?

        func validate() throws {
            guard confidence > 0, confidence < 1 else { throw ValidationError("--confidence must be between 0 and 1 (got \(confidence)).") }
            guard minRequests >= 1 else { throw ValidationError("--min-requests must be at least 1.") }
            if let expect {
                if case .failure(let e) = CanarySplit.parseWeights(expect) { throw ValidationError(e.description) }
                let sides = [baseline, candidate, baselineSince, baselineUntil, candidateSince, candidateUntil].compactMap { $0 }
                if !sides.isEmpty || !baselineSubset.isEmpty || !candidateSubset.isEmpty {
                    throw ValidationError("--expect checks one window's split (--since/--until): give it without the baseline and candidate options")
                }
            }
        }

        func run() throws {
            if let expect, case .success(let weights) = CanarySplit.parseWeights(expect) {
                return try answer.answer(includeInjected: injected.includeInjected) { session in
                    let split = try CanarySplit(session: session, weights: weights, confidence: confidence, minRequests: minRequests)
                    if split.rows.isEmpty { throw CommandFailure("no service routes to the subsets \(weights.map(\.subset).joined(separator: ", ")) in the window") }
                    Terminal.out(output.render(split.table()))
                }
            }
            let request = CompareRequest(
                baselineDay: baseline, candidateDay: candidate, baselineSince: baselineSince, baselineUntil: baselineUntil,
                candidateSince: candidateSince, candidateUntil: candidateUntil,
                baselineSubsets: baselineSubset, candidateSubsets: candidateSubset)
            try answer.answer(note: false, includeInjected: injected.includeInjected) { session in
                let sides: (baseline: CompareSide, candidate: CompareSide)
                do {
                    sides = try request.resolve(session)
                } catch let error as CompareOptionError {
                    throw ValidationError(error.description)
                }
                let report = try CompareReport(reader: session.reader, baseline: sides.baseline, candidate: sides.candidate,
                                               by: by, confidence: confidence, minRequests: minRequests,
                                               traces: sides.baseline.subsets == nil ? try answer.database.location.traceReader() : nil)
                if output.json || output.csv || output.markdown {
                    Terminal.out(output.render(report.table()))
                } else {
                    Terminal.out(report.compactTable().renderText())
                    if Terminal.stdoutIsTTY { Terminal.out("\n" + TerminalText.escaped(report.legend, keepingNewlines: true) + "\n") }
                }
                if let note = report.originsNote { Terminal.err("meshlog: \(note)\n") }
                if session.reader.usedSummaries {
                    Terminal.err("meshlog: from the summaries: counts, percentiles and tests exact (--exact reads every line)\n")
                }
            }
        }
    }
}
