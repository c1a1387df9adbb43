import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog trace ID`: one request end to end, from spans, access logs, or both.
    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one request end to end as a tree: spans and sidecar access logs merged.",
            discussion: """
                ID is a trace id (16 or 32 hex digits, any case) or an x-request-id. Spans and the access-log \
                lines of the same request are merged (joined by request id or trace id). Without spans the tree \
                is rebuilt from access logs alone: each outbound line is paired with the callee's inbound line \
                (same request id, caller's upstream_local = callee's downstream_remote, else by time) and nested \
                under the inbound request of the same pod that contains it in time.

                Each hop shows client and server duration, their difference (network, mTLS, both sidecars) and \
                the upstream service time; retries show as attempts under one hop. Spans that start before their \
                parent are shifted (clock skew) and marked. * marks the critical path. Runs of more than 8 \
                identical sibling calls collapse into one row unless --full.

                Example:
                  meshlog trace 9f371e44-8937-419d-bd12-44d8a12c3280
                  meshlog trace A709E98496A7A0C815131B93BA5C2902 --json
                """
        )

        @Argument(help: "A trace id (16 or 32 hex) or an x-request-id.")
        var id: String

        @Flag(help: "Show every row: do not collapse repeated sibling calls.")
        var full = false

        @Flag(help: "Print the tree as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var explainOptions: ExplainOptions

        func run() throws {
            let store = try database.openForTraces()
            // Ids pasted from CSV or a terminal may carry a stray CR or spaces.
            let id = self.id.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let tree = try explainOptions.explaining(store, { try TraceLoader(reader: store.traceReader).load(id) }) else {
                throw CommandFailure("no span or access-log line in \(database.path) has trace id or x-request-id '\(id)'")
            }
            let shown = tree.mappingLineIDs(store.snapshot?.viewIDs ?? [:])
            let renderer = TraceRenderer(full: full)
            Terminal.out(json ? renderer.json(shown) : renderer.text(shown))
        }
    }
}
