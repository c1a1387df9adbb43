import Foundation
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
                With --infer, infers an Envoy format string from a file's first lines instead \
                (what ingest does when no preset fits): prints the format, ready for \
                --format '…', how many sampled lines fit it and which column each operator \
                fills; columns it cannot name are %UNNAMED_n% and go to `extra`. Exits with \
                an error, printing the best candidate and why, when it is unsure.

                With --spans, lists the span file formats instead: what writes each and where its \
                shape is defined (span files are recognised by content; gzip and zstd around them too).

                Example:
                  meshlog formats --json
                  meshlog formats --spans
                  meshlog formats --infer samples/course-v1-czdtkp4px-2jkfm.log
                """
        )

        @Option(help: ArgumentHelp("Infer the format of this file's first lines instead of listing the presets.", valueName: "file"))
        var infer: String?

        @Flag(help: "List the span file formats (what writes each, where its shape is defined) instead of the presets.")
        var spans = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if infer != nil, output.csv || output.markdown { throw ValidationError("--infer prints text, or JSON with --json.") }
            if infer != nil, spans { throw ValidationError("--infer and --spans do not go together.") }
        }

        func run() throws {
            if let infer { return try inferFormat(of: infer) }
            if spans { return listSpanFormats() }
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

        /// `--spans`: the span file formats.
        private func listSpanFormats() {
            if output.json || output.csv || output.markdown {
                let table = ResultTable(columns: ["name", "writers", "source"], rows: SpanFormatCatalog.entries.map {
                    [.text($0.format.rawValue), .text($0.writers), .text($0.source)]
                })
                Terminal.out(output.render(table))
                return
            }
            for entry in SpanFormatCatalog.entries {
                Terminal.out("\(entry.format.rawValue)\n  \(entry.writers)\n  from: \(entry.source)\n\n")
            }
        }

        /// `--infer FILE`: the inferred format, how many lines fit, and the column of each operator.
        private func inferFormat(of path: String) throws {
            let lines = try Self.firstLines(of: path)
            let wrapper = LineUnwrapper.detect(lines)
            let inference = FormatInference.infer(lines, wrapper: wrapper).inference
            let preset = FormatDetector.detect(LineUnwrapper.payloads(lines, wrapper: wrapper)).flatMap {
                $0.matched == $0.sampled ? $0.preset.name : nil
            }
            if output.json {
                let report = InferenceReport(file: path, format: inference.format, sure: inference.isSure, matched: inference.matched,
                                             sampled: inference.sampled, problem: inference.problem, preset: preset,
                                             columns: inference.columns.map {
                                                 .init(operator: $0.operatorText, column: $0.field?.columnName ?? "extra",
                                                       evidence: $0.evidence, example: $0.example)
                                             })
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                Terminal.out(TerminalText.jsonSafe(String(decoding: try encoder.encode(report), as: UTF8.self)) + "\n")
            } else {
                Terminal.out(TerminalText.escaped(inference.format) + "\n")
                Terminal.out("\(inference.matched) of the first \(inference.sampled) lines fit.\n")
                if let preset { Terminal.out("The preset \(preset) fits them too; ingest uses it.\n") }
                let rows: [[SQLValue]] = inference.columns.enumerated().map { i, column in
                    let example = column.example.count > 40 ? String(column.example.prefix(39)) + "…" : column.example
                    return [.integer(Int64(i + 1)), .text(column.operatorText), .text(column.field?.columnName ?? "extra"),
                            .text(column.evidence.rawValue), .text(example)]
                }
                if !rows.isEmpty {
                    Terminal.out("\n" + ResultTable(columns: ["#", "operator", "column", "named by", "example"], rows: rows).renderText())
                }
            }
            if let problem = inference.problem {
                throw CommandFailure("\(path): the inferred format is unsure: \(problem). Fix the candidate above and pass it with --format '…'.")
            }
        }

        /// The first non-empty lines of a file (gzip and tar read as ingest does), as many as detection samples.
        static func firstLines(of path: String) throws -> [[UInt8]] {
            guard let file = try InputDiscovery.expand([path]).first else { throw CommandFailure("\(path): no such file") }
            let reader = LineReader(try InputOpener.open(file))
            var lines: [[UInt8]] = []
            try reader.forEachLine({ line, _ in
                if !line.isEmpty { lines.append(Array(line)) }
                return lines.count < FormatDetector.sampleSize
            }, oversized: { _, _, _ in })
            return lines
        }

        /// What `--infer --json` prints.
        struct InferenceReport: Encodable {
            struct Column: Encodable {
                var `operator`: String
                var column: String
                var evidence: FormatInference.Evidence
                var example: String
            }

            var file: String
            var format: String
            var sure: Bool
            var matched: Int
            var sampled: Int
            var problem: String?
            /// A preset that parses every sampled line (ingest would use it rather than infer).
            var preset: String?
            var columns: [Column]
        }
    }
}
