import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog status`: requests, share and error rate per group, with codes and flags in plain words.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requests, share and error rate by service, edge, route, flag, code or time.",
            discussion: """
                Errors are 5xx and 0 (no response was sent: the client went away). By default each hop counts \
                once: the caller's outbound line, plus inbound lines no logged caller sent (requests from outside \
                the mesh); --side picks inbound or outbound lines only, or both (a hop logged by both sidecars \
                counts twice). Grouping by code explains each code (a 503 with no flag was sent by the upstream \
                app); grouping by flag gives each Envoy response flag's long name and meaning (a line with UF,URX \
                counts under both). Grouping by tls says how calls arrived, from the callee's inbound lines: mTLS (the \
                SNI is Istio's outbound_.PORT_.SUBSET_.HOST, or the line logs a spiffe:// peer identity, which Envoy \
                prints only for a client certificate it verified), plaintext (no SNI, no identity) or TLS with another \
                SNI; outbound lines show TLS failures with Envoy's reason. Grouping by identity gives the caller's \
                SPIFFE identity where the format logs %DOWNSTREAM_PEER_URI_SAN% (its value, e.g. \
                spiffe://cluster.local/ns/lms/sa/frontend, is also access_log's peer_identity), from the callee's \
                inbound lines; (none) is a line without one: no verified client certificate, or a format that does not \
                log it. Faults Envoy injected on purpose are counted in the injected column (FI aborts, DI delays): an \
                abort, or a delay that ran into a timeout or a reset, is not an error unless --include-injected; a \
                delayed call the app then failed is.

                Example:
                  meshlog status --by service
                  meshlog status --by edge,code --since 30m
                  meshlog status --by code,flag --service payment --json
                  meshlog status --by edge,tls
                  meshlog status --by edge,tls,identity
                """
        )

        @Option(name: .long, help: ArgumentHelp(
            "Group by one or more of service, edge, route, reporter, subset, flag, code, minute, hour, tls, identity (comma-separated or repeated).",
            valueName: "key"))
        var by: [String] = []

        @Option(help: ArgumentHelp("Which lines count: inbound, outbound or both (default: each hop once; inbound with --by tls or identity).",
                                   valueName: "side"))
        var side: TrafficSide?

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var injected: InjectedFaultOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if case .failure(let error) = StatusGrouping.parse(by) { throw ValidationError(error.description) }
        }

        func run() throws {
            var groupings = (try? StatusGrouping.parse(by).get()) ?? []
            if groupings.isEmpty { groupings = [.service] }
            try answer.answer(includeInjected: injected.includeInjected) { session in
                // How a call arrived is on the callee's inbound line.
                let report = try StatusReport(session: session, by: groupings, side: side ?? StatusGrouping.defaultSide(groupings))
                Terminal.out(output.render(report.table()))
            }
        }
    }
}
