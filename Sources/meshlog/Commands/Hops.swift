import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog hops`: per edge latency split into client, server, overhead and app time.
    struct Hops: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per caller → callee edge: requests, error %, and where the time goes (exact p50/p90/p99/max).",
            discussion: """
                client: the caller's sidecar (its outbound line's duration). server: the callee's sidecar (its \
                inbound line for the same hop: same request id, its peer address is the caller's connection; for a \
                retried hop, the final attempt). overhead: client − server per hop (both sidecars, mTLS and the \
                network, plus earlier attempts and backoff on retried hops). upstream: the upstream \
                service time the callee's sidecar reported (the app itself). Hops from outside the mesh have no \
                client side. Percentiles are exact, interpolated linearly between closest ranks (numpy's default, \
                PostgreSQL's percentile_cont), from the SQL aggregate percentile(value, fraction). injected counts \
                the hops with a fault Envoy injected on purpose (FI, DI), whose failures errors leaves out unless \
                --include-injected.

                Example:
                  meshlog hops
                  meshlog hops --service course --since 1h --csv
                """
        )

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var injected: InjectedFaultOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try answer.answer(includeInjected: injected.includeInjected) { session in
                let report = try HopsReport(session: session)
                if output.json || output.csv || output.markdown {
                    Terminal.out(output.render(report.table()))
                } else {
                    Terminal.out(report.compactTable().renderText())
                    if Terminal.stdoutIsTTY { Terminal.out("\n" + HopsReport.legend + "\n") }
                }
            }
        }
    }
}
