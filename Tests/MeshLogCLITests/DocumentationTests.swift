import Foundation
import MeshLogTestSupport
import Testing

/// The README's blocks, read once.
let readmeBlocks: [DocBlock] = {
    let text = (try? String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)) ?? ""
    return ReadmeTranscripts.blocks(in: text)
}()

/// Every example the documentation shows runs, on a store of `samples/`, and prints what it shows.
@Suite("documentation examples", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct DocumentationTests {
    @Test func readmeHoldsTranscriptsAndSaysWhyItSkipsAny() {
        let examples = readmeBlocks.flatMap(\.examples)
        #expect(examples.count >= 24, "the README's transcripts were not found")
        #expect(examples.filter { $0.expectedOutput != nil }.count >= 20)
        for block in readmeBlocks {
            #expect(block.unreadable.isEmpty, "\(block.origin): cannot read \(block.unreadable) as meshlog commands")
            if let reason = block.skipReason { #expect(reason.count > 10, "\(block.origin): say why it cannot run") }
        }
        // The README's first command, as a new user types it, is checked, not skipped.
        #expect(readmeBlocks.contains { $0.skipReason == nil && $0.examples.contains { $0.arguments == ["ingest", "samples"] && $0.expectedOutput != nil } })
    }

    @Test(arguments: readmeBlocks.filter { $0.skipReason == nil })
    func readmeTranscriptRuns(_ block: DocBlock) throws {
        let store = try SamplesStore.shared.get()
        let directory = try store.workingDirectory(empty: block.examples.first?.subcommand == "ingest")
        for example in block.examples {
            let result = try example.run(in: directory.path)
            #expect(result.status == example.expectedStatus,
                    "\(example.testDescription) exited \(result.status)\n\(result.stderr)")
            if let expected = example.expectedOutput {
                let same = OutputMatcher.matches(expected: expected, actual: result.stdout)
                #expect(same,
                        "\(example.testDescription) printed something else:\n\(OutputMatcher.difference(expected: expected, actual: result.stdout))")
            }
        }
    }

    @Test func helpExamplesAreCompleteCommands() throws {
        let help = try HelpText.load()
        #expect(help.commands.count >= 15)
        for command in help.commands {
            #expect(!command.exampleLines.isEmpty, "meshlog help \(command.name) shows no example")
            for line in command.exampleLines {
                let example = DocExample(origin: "meshlog help \(command.name)", command: line)
                #expect(example?.subcommand == command.name || (example?.runsBench == true && command.name == "meshlog-bench"),
                        "meshlog help \(command.name): '\(line)' is not a whole meshlog \(command.name) command (wrapped?)")
            }
        }
    }

    @Test(arguments: helpExamples)
    func helpExampleRuns(_ example: DocExample) throws {
        let store = try SamplesStore.shared.get()
        let directory = try store.workingDirectory()
        let result = try example.run(in: directory.path)
        #expect(result.status == 0, "\(example.testDescription) exited \(result.status)\n\(result.stderr)")
        if example.stdoutFile == nil, !example.arguments.contains("--follow") {
            #expect(!result.stdout.isEmpty || !result.stderr.isEmpty, "\(example.testDescription) printed nothing")
        }
    }
}

/// The examples of every subcommand's help (empty when the binary is missing).
let helpExamples: [DocExample] = {
    guard MeshLogBinary.url != nil, let help = try? HelpText.load() else { return [] }
    return help.commands.flatMap { command in
        command.exampleLines.compactMap { DocExample(origin: "meshlog help \(command.name)", command: $0) }
    }
}()
