import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog slow`: the slowest requests with their hop breakdown.
    struct Slow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The slowest requests, each broken down into its hops.",
            discussion: """
                A request is timed by its edge-most line (the earliest, then the longest, of the lines carrying \
                its request id; with --service, of its lines to that service). Each hop shows when it started \
                relative to the request, the caller and callee, status and flags, client and server duration, \
                their difference and the app's own time, nested under the hop that made the call.

                Example:
                  meshlog slow --limit 5
                  meshlog slow --service payment --since 30m --json
                """
        )

        @Option(help: "How many requests to show.")
        var limit: Int = 10

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive (got \(limit)).") }
        }

        func run() throws {
            try answer.answer { session in
                let report = try SlowReport(session: session, limit: limit)
                if output.json {
                    Terminal.out(report.json())
                } else if output.csv || output.markdown {
                    Terminal.out(output.render(report.table()))
                } else {
                    Terminal.out(report.text())
                }
            }
        }
    }
}
