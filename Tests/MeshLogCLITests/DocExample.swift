import Testing

/// One `meshlog` command from the documentation (a README transcript or a help example), with
/// what it must do when run on a store of `samples/`.
struct DocExample: Sendable, CustomTestStringConvertible {
    /// Where it is written: `README.md:412` or `meshlog help traces`.
    var origin: String
    /// The command as written.
    var command: String
    /// The arguments after `meshlog` (or `meshlog-bench`).
    var arguments: [String]
    /// Whether it runs the benchmark tool, `meshlog-bench`, rather than `meshlog`.
    var runsBench = false
    /// A command piping into meshlog (`kubectl logs … | meshlog ingest -`): a sample pod log is
    /// fed to stdin in its place.
    var readsPipe = false
    /// `2>&1`: stderr is compared with stdout, interleaved after it.
    var mergesStderr = false
    /// `> FILE`: stdout goes to this file, so nothing is compared.
    var stdoutFile: String?
    /// The output shown under the command (nil for help examples, which show none).
    var expectedOutput: [String]?
    /// The exit status shown by a following `$ echo $?` (0 otherwise).
    var expectedStatus: Int32 = 0

    var testDescription: String { "\(origin): \(command)" }

    /// The subcommand (`status`, `ingest`, …), or `meshlog-bench` for the benchmark tool.
    var subcommand: String? { runsBench ? "meshlog-bench" : arguments.first }

    /// The long options it passes (`--since`, …), without values.
    var longOptions: [String] {
        arguments.dropFirst(runsBench ? 0 : 1).compactMap { word in
            guard word.hasPrefix("--"), word.count > 2 else { return nil }
            return String(word.split(separator: "=", maxSplits: 1)[0])
        }
    }

    /// Reads a command line as the documentation writes it; nil when it does not run meshlog.
    ///
    /// `swift run -c release meshlog …` and `meshlog …` are the same command; words before a `|`
    /// that leads into meshlog are its stdin, and commands after a `|` that meshlog leads into
    /// are not run (meshlog's own output is what is checked).
    init?(origin: String, command: String) {
        guard let words = ShellWords.split(command) else { return nil }
        var segments: [[String]] = [[]]
        for w in words {
            if w == "|" { segments.append([]) } else { segments[segments.count - 1].append(w) }
        }
        guard let index = segments.firstIndex(where: { Self.meshlogStart($0) != nil }) else { return nil }
        var args = Array(segments[index].dropFirst(Self.meshlogStart(segments[index])!))
        self.origin = origin
        self.command = command
        readsPipe = index > 0
        runsBench = segments[index].contains("meshlog-bench")
        var kept: [String] = []
        var i = 0
        while i < args.count {
            switch args[i] {
            case "2>&1": mergesStderr = true
            case ">":
                if i + 1 < args.count { stdoutFile = args[i + 1]; i += 1 }
            default: kept.append(args[i])
            }
            i += 1
        }
        args = kept
        if index < segments.count - 1 { stdoutFile = stdoutFile ?? "/dev/null" }
        arguments = args
    }

    /// How many words start meshlog in `words` (`meshlog`: 1, `swift run -c release meshlog`: 5), or nil.
    private static func meshlogStart(_ words: [String]) -> Int? {
        let tools: Set<String> = ["meshlog", "meshlog-bench"]
        if let first = words.first, tools.contains(first) { return 1 }
        if words.starts(with: ["swift", "run"]), let m = words.firstIndex(where: tools.contains) { return m + 1 }
        return nil
    }
}
