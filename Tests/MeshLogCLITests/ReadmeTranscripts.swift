import Foundation
import MeshLogTestSupport

/// A fenced code block of the README holding meshlog commands, run in order in one folder.
struct DocBlock: Sendable, CustomStringConvertible {
    /// `README.md:LINE` of the opening fence.
    var origin: String
    /// Its meshlog commands in order.
    var examples: [DocExample]
    /// Why the README says it cannot run on the samples, when it does.
    var skipReason: String?
    /// Command lines in the block that the harness cannot read as meshlog commands.
    var unreadable: [String] = []

    var description: String { origin }
}

/// Finds the README's transcripts: `$ meshlog …` (or `$ swift run … meshlog …`) lines in fenced
/// blocks with the output shown under them, `$ echo $?` with the status, and bare `meshlog …`
/// lines in `sh` blocks (run for their exit status only).
///
/// A block the samples cannot run is preceded by a line `*Not run on the samples: REASON*`;
/// its commands are skipped, and only those. Output lines that vary between runs are matched
/// by ``OutputMatcher``.
enum ReadmeTranscripts {
    /// The marker line that says a block cannot run on the samples.
    static let skipMarker = "*Not run on the samples:"

    /// The blocks of `text` (a README) that hold meshlog commands.
    static func blocks(in text: String, file: String = "README.md") -> [DocBlock] {
        let lines = text.components(separatedBy: "\n")
        var blocks: [DocBlock] = []
        var i = 0
        var lastProse: String?
        while i < lines.count {
            let line = lines[i]
            guard line.hasPrefix("```") else {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { lastProse = line }
                i += 1
                continue
            }
            let language = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
            let start = i + 1
            var end = start
            while end < lines.count, !lines[end].hasPrefix("```") { end += 1 }
            let body = Array(lines[start..<min(end, lines.count)])
            var block = DocBlock(origin: "\(file):\(start)", examples: [])
            if let prose = lastProse, prose.hasPrefix(skipMarker) {
                block.skipReason = prose.dropFirst(skipMarker.count).trimmingCharacters(in: CharacterSet(charactersIn: " *."))
            }
            read(body, firstLine: start + 1, file: file, bare: language == "sh", into: &block)
            if !block.examples.isEmpty || !block.unreadable.isEmpty { blocks.append(block) }
            lastProse = nil
            i = end + 1
        }
        return blocks
    }

    /// Reads the commands of one block's lines (`firstLine` is the 1-based line of `body[0]`).
    private static func read(_ body: [String], firstLine: Int, file: String, bare: Bool, into block: inout DocBlock) {
        var j = 0
        while j < body.count {
            let line = body[j]
            let prompt = line.hasPrefix("$ ")
            guard prompt || (bare && (line.hasPrefix("meshlog ") || line.hasPrefix("swift run"))) else { j += 1; continue }
            let lineNumber = firstLine + j
            var command = prompt ? String(line.dropFirst(2)) : line
            while command.hasSuffix("\\"), j + 1 < body.count {
                j += 1
                command = String(command.dropLast()) + " " + body[j].trimmingCharacters(in: .whitespaces)
            }
            j += 1
            var output: [String] = []
            while prompt, j < body.count, !body[j].hasPrefix("$ ") {
                output.append(body[j])
                j += 1
            }
            let words = ShellWords.split(command) ?? []
            if words == ["echo", "$?"] {
                guard !block.examples.isEmpty, let status = Int32(output.first?.trimmingCharacters(in: .whitespaces) ?? "") else {
                    block.unreadable.append(command)
                    continue
                }
                block.examples[block.examples.count - 1].expectedStatus = status
                continue
            }
            if bare, !prompt, words.first != "meshlog", !(words.starts(with: ["swift", "run"]) && words.contains("meshlog")) { continue }
            guard var example = DocExample(origin: "\(file):\(lineNumber)", command: command) else {
                if !bare || prompt { block.unreadable.append(command) }
                continue
            }
            example.expectedOutput = prompt ? output : nil
            block.examples.append(example)
        }
    }
}
