import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog traces`: search requests and traces.
    struct Traces: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search requests and traces: one line per request with its root, duration, hops and first error.",
            discussion: """
                Requests come from access logs (grouped by x-request-id); traces known only from spans follow. \
                Every filter must hold. --min-duration is the whole request, first start to last end.

                Example:
                  meshlog traces --service payment --status 5xx --since 2h
                  meshlog traces --flag UF --min-duration 500ms --json
                """
        )

        @Option(help: "Only requests this service takes part in (repeatable: all must).")
        var service: [String] = []
        @Option(help: "Only requests with a line of this status: 5xx, 4xx or a code such as 503.")
        var status: String?
        @Option(help: "Only requests with a line carrying this response flag (UF, URX, UT, …).")
        var flag: String?
        @Option(help: "Only requests lasting at least this long (500ms, 2s).")
        var minDuration: String?
        @Option(help: "How many requests to list.")
        var limit: Int = 20

        @OptionGroup var timeRange: TimeRangeOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var explainOptions: ExplainOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive (got \(limit)).") }
            if let minDuration, TimeExpression.parseSpan(minDuration) == nil {
                throw ValidationError("Cannot read --min-duration '\(minDuration)'. Use e.g. 500ms or 2s.")
            }
            if let status, TraceFilter.statusRange(status) == nil {
                throw ValidationError("Cannot read --status '\(status)'. Use 5xx, 4xx or a code such as 503.")
            }
            try timeRange.validateTimes()
        }

        func run() throws {
            let store = try database.openForTraces()
            var filter = TraceSearch.Filter()
            filter.services = service
            filter.status = status
            filter.flag = flag
            filter.minDurationUs = minDuration.flatMap(TimeExpression.parseSpan)
            filter.limit = limit
            if timeRange.since != nil || timeRange.until != nil {
                let window = try timeRange.window(newest: store.traceReader.newestStart())
                filter.sinceUs = window.sinceMicros
                filter.untilUs = window.untilMicros
            }
            let rows = try explainOptions.explaining(store) { try TraceSearch(reader: store.traceReader).run(filter) }
            if !output.json && !output.csv && !output.markdown && rows.isEmpty {
                Terminal.out("no request matches\n")
                return
            }
            Terminal.out(output.render(TraceSearch.table(rows)))
        }
    }
}
