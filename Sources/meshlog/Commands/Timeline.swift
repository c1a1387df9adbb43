import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog timeline`: requests, errors and p99 per time bucket.
    struct Timeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requests, errors and exact p99 per time bucket, as a bar chart or as data.",
            discussion: """
                Buckets are aligned to the epoch (1m buckets start on the minute). By default about 60 buckets \
                cover the window (--since/--until, else the whole store). Each hop counts once, as in status; \
                --side changes that. With --json, --csv or --markdown it prints the data instead of the chart.

                Example:
                  meshlog timeline --bucket 1m --since 2h
                  meshlog timeline --service payment --csv
                """
        )

        @Option(help: ArgumentHelp("Bucket width, e.g. 10s, 1m, 5m, 1h (default: auto, about 60 buckets).", valueName: "span"))
        var bucket: String?

        @Option(help: ArgumentHelp("Which lines count: inbound, outbound or both.", valueName: "side"))
        var side: TrafficSide = .hop

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var injected: InjectedFaultOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let bucket, bucket != "auto" {
                guard let span = TimeExpression.parseSpan(bucket), span >= 1000 else {
                    throw ValidationError("Cannot read --bucket '\(bucket)'. Use a span such as 10s, 1m, 5m or 1h.")
                }
            }
        }

        func run() throws {
            let width = bucket == nil || bucket == "auto" ? nil : TimeExpression.parseSpan(bucket ?? "")
            try answer.answer(includeInjected: injected.includeInjected) { session in
                let report = try TimelineReport(session: session, bucketMicros: width, side: side)
                if output.json || output.csv || output.markdown {
                    Terminal.out(output.render(report.table()))
                } else {
                    Terminal.out(report.chart(color: Terminal.stdoutIsTTY))
                }
            }
        }
    }
}
