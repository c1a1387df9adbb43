import ArgumentParser
import Foundation
import MeshLogTerminal
import MeshLogStore

/// The `meshlog` root command.
@main
struct MeshLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshlog",
        abstract: "Answer what failed, where, since when, and how slow each hop was in an Istio/Envoy mesh.",
        version: "0.1.0",
        subcommands: [Init.self, Ingest.self, SQL.self, Formats.self, Generate.self, Status.self, Hops.self, Timeline.self, Slow.self, Graph.self, Query.self, Trace.self, Traces.self, Why.self, Export.self, Report.self, Compare.self, Diff.self, CriticalPath.self, Serve.self]
    )

    /// ArgumentParser's `main()`, except that an error message goes to stderr with its control characters
    /// escaped: errors quote file names, lines and values from the logs (issue #14). Help and `--version`
    /// print as ArgumentParser prints them.
    static func main() {
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            // A store's own errors (an unreachable ClickHouse, a failed statement) are one-line failures.
            let error: any Error = switch error {
            case let e as ClickHouseError: CommandFailure(e.description)
            case let e as ClickHouseStoreError: CommandFailure(e.description)
            case let e as StoreLocationError: CommandFailure(e.description)
            default: error
            }
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let text = fullMessage(for: error)
            if !text.isEmpty { Terminal.err(TerminalText.escaped(text, keepingNewlines: true) + "\n") }
            Foundation.exit(code.rawValue)
        }
    }
}
