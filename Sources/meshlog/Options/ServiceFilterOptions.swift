import ArgumentParser

/// `--service`: only requests to these destination services.
struct ServiceFilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Only requests to this destination service (repeat it, or separate names with commas).",
        valueName: "name"))
    var service: [String] = []
}
