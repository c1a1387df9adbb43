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

        @OptionGroup var filters: TraceFilterOptions
        @Option(help: "How many requests to list.")
        var limit: Int = 20

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var explainOptions: ExplainOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive (got \(limit)).") }
        }

        func run() throws {
            let store = try database.openForTraces()
            let filter = try filters.filter(limit: limit, reader: store.traceReader)
            let rows = try explainOptions.explaining(store) { try TraceSearch(reader: store.traceReader).run(filter) }
            if !output.json && !output.csv && !output.markdown && rows.isEmpty {
                Terminal.out("no request matches\n")
                return
            }
            Terminal.out(output.render(TraceSearch.table(rows)))
        }
    }
}
