import Foundation
import MeshLogTestSupport

/// What `meshlog help` says: the subcommands, each one's examples and documented options.
struct HelpText: Sendable {
    /// One subcommand's help.
    struct Command: Sendable {
        var name: String
        /// The commands under `Example:` (or `Examples:`), one a line or continued by a trailing `\\`.
        var exampleLines: [String]
        /// The long options under `OPTIONS:` (`--since`, …), without `--help`/`--version`.
        var options: [String]
    }

    var commands: [Command]

    /// Reads the help of every subcommand from the built binary, and of `meshlog-bench` when it is built.
    static func load() throws -> HelpText {
        var help = HelpText(commands: try commands())
        if MeshLogBinary.benchURL != nil {
            help.commands.append(command("meshlog-bench", text: try MeshLogBinary.runBench(["--help"]).stdout))
        }
        return help
    }

    /// The help of `meshlog`'s subcommands.
    private static func commands() throws -> [Command] {
        let top = try MeshLogBinary.run(["--help"]).stdout
        let names = section("SUBCOMMANDS:", of: top).compactMap { line -> String? in
            // A name is indented by two spaces; wrapped abstracts are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                  name.allSatisfy({ $0.isLowercase || $0 == "-" }) else { return nil }
            return String(name)
        }
        return try names.map { name in command(name, text: try MeshLogBinary.run(["help", name]).stdout) }
    }

    /// One command's examples and options, read from its help text.
    private static func command(_ name: String, text: String) -> Command {
            var examples: [String] = []
            var inExamples = false
            for line in text.components(separatedBy: "\n") {
                if line == "Example:" || line == "Examples:" { inExamples = true; continue }
                if inExamples {
                    let text = line.trimmingCharacters(in: .whitespaces)
                    if text.isEmpty { break }
                    if let last = examples.last, last.hasSuffix("\\") {
                        examples[examples.count - 1] = last.dropLast().trimmingCharacters(in: .whitespaces) + " " + text
                    } else {
                        // A wrapped line is not indented: it is not a command of its own.
                        examples.append(line.hasPrefix("  ") ? text : "(wrapped) " + text)
                    }
                }
            }
            let options = section("OPTIONS:", of: text).flatMap { line -> [String] in
                // `  -q, --quiet`, `  --since <time>`, `  --json/--no-json`: the option column only.
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return [] }
                let column = line.dropFirst(2).components(separatedBy: "  ").first ?? ""
                return column.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "/" })
                    .map(String.init).filter { $0.hasPrefix("--") }
            }.filter { $0 != "--help" && $0 != "--version" }
            return Command(name: name, exampleLines: examples, options: options)
    }

    /// The lines after `header` up to the next blank line that is followed by an unindented line.
    private static func section(_ header: String, of text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: header) else { return [] }
        var out: [String] = []
        for line in lines[(start + 1)...] {
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            out.append(line)
        }
        return out
    }
}
