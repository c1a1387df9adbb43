import ArgumentParser
import MeshLogAnalysis
import MeshLogStore
import MeshLogTerminal

extension MeshLog {
    /// `meshlog why`: where the failures of a window started.
    struct Why: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where failures started: each failing request followed down its tree to the call that failed first.",
            discussion: """
                A request failed when its entry hop answered 5xx or nothing. Its tree (spans, access logs, or both, as \
                trace builds it) is followed down through failing calls to the deepest one none of whose own calls \
                failed: the origin. Origins (service, subset, pod, status, flags, Envoy's details) are ranked by the \
                failing requests they explain, with the chain the failure travelled up (payment 503 UF → enrollment \
                500 → frontend 502) and when it was first and last seen. Requests whose origin cannot be told are \
                counted apart as (ambiguous): every failing call below the failure was retried successfully, or the \
                caller timed out while the callee answered.

                Example:
                  meshlog why
                  meshlog why --since 30m --service payment --json
                """
        )

        @Option(help: "At most this many failing requests are followed (the newest are left out past it).")
        var limit: Int = 20_000

        @OptionGroup var timeRange: TimeRangeOptions
        @OptionGroup var serviceFilter: ServiceFilterOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var explainOptions: ExplainOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive (got \(limit)).") }
            try timeRange.validateTimes()
        }

        func run() throws {
            let store = try database.openForTraces()
            let window = try timeRange.window(newest: store.traceReader.newestStart())
            let services = serviceFilter.service.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let origins = try explainOptions.explaining(store) {
                try FailureOrigins(reader: store.traceReader, sinceUs: window.sinceMicros, untilUs: window.untilMicros,
                                   services: services, limit: limit)
            }
            if !output.json && !output.csv && !output.markdown {
                if origins.failing == 0 { return Terminal.out("no failing request in the window\n") }
                Terminal.out("\(origins.failing) failing requests (entry hop 5xx or no response)\n")
            }
            Terminal.out(output.render(origins.table()))
            if origins.truncated { Terminal.err("meshlog: only the first \(limit) failing requests were followed (--limit)\n") }
        }
    }
}
