import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogCore
import MeshLogStore

extension MeshLog {
    /// `meshlog formats`: the built-in access-log presets.
    struct Formats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the access-log format presets, most specific first (the order detection tries).",
            discussion: """
                Example:
                  meshlog formats --json
                """
        )

        @OptionGroup var output: OutputOptions

        func run() throws {
            if output.json || output.csv || output.markdown {
                let table = ResultTable(columns: ["name", "summary", "source", "format"], rows: FormatCatalog.presets.map {
                    [.text($0.name), .text($0.summary), .text($0.source), .text($0.formatDescription)]
                })
                Terminal.out(output.render(table))
                return
            }
            for preset in FormatCatalog.presets {
                Terminal.out("\(preset.name)\n  \(preset.summary)\n  from: \(preset.source)\n  \(preset.formatDescription.replacingOccurrences(of: "\n", with: "\\n"))\n\n")
            }
        }
    }
}
