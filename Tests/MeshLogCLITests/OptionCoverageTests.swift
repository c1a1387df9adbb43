import Foundation
import MeshLogTestSupport
import Testing

/// Every option `meshlog help` documents is run somewhere: in a README transcript, a help
/// example, the window matrix, or a test that starts meshlog with it. A flag nobody runs is listed.
@Suite("option coverage", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct OptionCoverageTests {
    @Test func everyDocumentedOptionIsExercised() throws {
        let help = try HelpText.load()
        var used = Set<String>()
        func note(_ subcommand: String?, _ options: [String]) {
            guard let subcommand else { return }
            for option in options { used.insert("\(subcommand) \(option)") }
        }
        for block in readmeBlocks where block.skipReason == nil {
            for example in block.examples { note(example.subcommand, example.longOptions) }
        }
        for example in helpExamples { note(example.subcommand, example.longOptions) }
        for command in WindowMatrixTests.commands {
            let shared = (WindowMatrixTests.windows + WindowMatrixTests.services + command.formats).flatMap { $0 } + ["--db"]
            note(command.arguments.first, (command.arguments + shared).filter { $0.hasPrefix("--") })
        }
        for (subcommand, options) in try Self.invocationsInTests() { note(subcommand, options) }

        var missing: [String] = []
        for command in help.commands {
            for option in command.options where !used.contains("\(command.name) \(option)") {
                missing.append(command.name == "meshlog-bench" ? "meshlog-bench \(option)" : "meshlog \(command.name) \(option)")
            }
        }
        #expect(missing.isEmpty, "documented but never run: \(missing.joined(separator: ", "))")
    }

    /// The subcommands and long options of every `["subcommand", …]` argument list in the test
    /// sources that starts meshlog (`MeshLogBinary.run([...])`, `start([...])`, `runMeshLog([...])`),
    /// and the options of every `runBench([...])` (as subcommand `meshlog-bench`).
    static func invocationsInTests() throws -> [(String, [String])] {
        let pattern = try NSRegularExpression(pattern: #"(?:run|start|runMeshLog)\(\s*\[\s*"([a-z-]+)"([^\]]*)\]"#)
        let bench = try NSRegularExpression(pattern: #"runBench\(\s*\[([^\]]*)\]"#)
        let option = try NSRegularExpression(pattern: #""(--[a-z][a-z-]*)"#)
        var out: [(String, [String])] = []
        let tests = Repository.root.appendingPathComponent("Tests")
        guard let files = FileManager.default.enumerator(atPath: tests.path) else { return [] }
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for m in pattern.matches(in: text, range: range) {
                let name = String(text[Range(m.range(at: 1), in: text)!])
                let rest = String(text[Range(m.range(at: 2), in: text)!])
                let options = option.matches(in: rest, range: NSRange(rest.startIndex..., in: rest))
                    .map { String(rest[Range($0.range(at: 1), in: rest)!]) }
                out.append((name, options))
            }
            for m in bench.matches(in: text, range: range) {
                let list = String(text[Range(m.range(at: 1), in: text)!])
                out.append(("meshlog-bench", option.matches(in: list, range: NSRange(list.startIndex..., in: list))
                    .map { String(list[Range($0.range(at: 1), in: list)!]) }))
            }
        }
        return out
    }
}
