import ArgumentParser

/// The `meshlog` root command.
@main
struct MeshLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshlog",
        abstract: "Answer what failed, where, since when, and how slow each hop was in an Istio/Envoy mesh.",
        version: "0.1.0",
        subcommands: [Ingest.self, SQL.self, Formats.self, Generate.self, Status.self, Hops.self, Timeline.self, Slow.self, Graph.self, Query.self, Trace.self, Traces.self, Report.self, Compare.self, Diff.self, CriticalPath.self]
    )
}
