import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog diff A B`: two requests or traces side by side, latency per aligned call.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two requests or traces as one aligned tree: each call's duration in A and B and the change.",
            discussion: """
                A and B are trace ids or x-request-ids, as `meshlog trace` takes them, from spans, access logs or \
                both. Calls are matched by caller, service, operation and position among their siblings (the \
                k-th call to the same service and route under matched parents). Each row shows the duration in A \
                and B, the change in time and percent, and the status (`A → B` when it changed).

                Marks: - only in A, + only in B, ! status or flags changed. A retried call shows its attempts \
                under the hop, so a retry in one request and not the other appears as one-sided attempt rows.

                Example:
                  meshlog diff 9f371e44-8937-419d-bd12-44d8a12c3280 \\
                    335e2044-9b53-4b58-82a4-7549014fcd6b
                  meshlog diff a709e98496a7a0c815131b93ba5c2902 \\
                    ea33e47fa3165bd569fcb8d8b1866f3e --json
                """
        )

        @Argument(help: "The first request: a trace id (16 or 32 hex) or an x-request-id.")
        var a: String

        @Argument(help: "The second request.")
        var b: String

        @Flag(help: "Print the aligned tree as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var explainOptions: ExplainOptions

        func run() throws {
            let store = try database.openForTraces()
            let loader = TraceLoader(reader: store.traceReader)
            let trees = try explainOptions.explaining(store) {
                try [a, b].map { raw in
                    let id = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard let tree = try loader.load(id) else {
                        throw CommandFailure("no span or access-log line in \(database.path) has trace id or x-request-id '\(id)'")
                    }
                    return tree
                }
            }
            let map = store.snapshot?.viewIDs ?? [:]
            let diff = TraceDiff(trees[0].mappingLineIDs(map), trees[1].mappingLineIDs(map))
            Terminal.out(json ? TraceDiffRenderer.json(diff) : TraceDiffRenderer.text(diff))
        }
    }
}
