import ArgumentParser

/// `--include-injected`: whether the faults Envoy injected on purpose count as errors.
struct InjectedFaultOptions: ParsableArguments {
    @Flag(name: .long, help: """
        Count the faults Envoy injected on purpose (FI aborts, DI delays: chaos experiments, not outages) as errors; \
        by default they are counted apart, in the injected column.
        """)
    var includeInjected = false
}
