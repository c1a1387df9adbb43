import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog graph`: the service graph as DOT, Mermaid or JSON.
    struct Graph: ParsableCommand {
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case dot, mermaid, json
        }

        static let configuration = CommandConfiguration(
            abstract: "The service graph as Graphviz DOT, Mermaid or JSON, edges labelled with rate, error % and p99.",
            discussion: """
                Nodes are services, split by subset where callers route by subset (course v1, course v2). Edges \
                carry requests per second over the window, error % (5xx and no response) and the exact p99 of the \
                caller's duration. Edges failing more than --failing-above percent are red and dashed.

                Example:
                  meshlog graph | dot -Tsvg > mesh.svg
                  meshlog graph --format mermaid --since 1h
                """
        )

        @Option(help: "Output format: dot, mermaid or json.")
        var format: Format = .dot

        @Option(help: ArgumentHelp("Mark edges whose error % is above this as failing.", valueName: "percent"))
        var failingAbove: Double = 1

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var injected: InjectedFaultOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try answer.answer(includeInjected: injected.includeInjected) { session in
                let graph = try ServiceGraph(session: session, failingAbove: failingAbove)
                if output.json || format == .json {
                    Terminal.out(graph.json())
                } else if output.csv || output.markdown {
                    Terminal.out(output.render(graph.table()))
                } else if format == .mermaid {
                    Terminal.out(graph.mermaid())
                } else {
                    Terminal.out(graph.dot())
                }
            }
        }
    }
}
