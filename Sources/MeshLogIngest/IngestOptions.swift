import Foundation
import MeshLogCore

/// How ingest reads its inputs.
public struct IngestOptions: Sendable {
    /// Which access-log format to use.
    public enum FormatChoice: Sendable, Equatable {
        /// Detect per file from its first lines.
        case auto
        /// A preset by name.
        case preset(String)
        /// An Envoy format string, or a `json_format` definition (a JSON object of operators).
        case formatString(String)

        /// Parses `--format`: a preset name, `@FILE`, or an Envoy format string or `json_format` object.
        public static func parse(_ value: String?) throws -> FormatChoice {
            guard let value, !value.isEmpty, value != "auto" else { return .auto }
            if value.hasPrefix("@") {
                let path = String(value.dropFirst())
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw IngestError.unreadableFormatFile(path)
                }
                return .formatString(text)
            }
            if value.contains("%") { return .formatString(value) }
            guard FormatCatalog.preset(named: value) != nil else { throw IngestError.unknownFormat(value) }
            return .preset(value)
        }

        func resolve() throws -> (name: String, parser: AccessLogLineParser)? {
            switch self {
            case .auto: return nil
            case .preset(let name):
                guard let preset = FormatCatalog.preset(named: name) else { throw IngestError.unknownFormat(name) }
                return (name, try preset.makeParser())
            case .formatString(let format):
                // An Envoy `json_format` definition: lines are JSON objects, read by key.
                if let parser = JSONAccessLogParser(definition: format) { return ("custom", parser) }
                do { return ("custom", try CompiledAccessLogFormat(format: format)) } catch {
                    throw IngestError.badFormat(error)
                }
            }
        }
    }

    public var format: FormatChoice
    /// The reporter (pod) name for inputs without one (stdin).
    public var reporter: String?
    /// Rows per batch the parser hands the writer thread. A transaction holds several batches: it
    /// commits every 32 batches or about once a second (a follow run: every 8 batches or its commit
    /// interval).
    public var batchSize: Int
    /// Build the row indexes after the load (true) or keep them up to date during it (false, and nil,
    /// the default: measured faster here, as index upkeep overlaps with parsing).
    public var bulkLoad: Bool?
    /// Request ids held in memory before the table is cleared and ids are looked up in the store
    /// (smaller in tests, to reach that path).
    var requestTableEntries = 1 << 18

    public init(format: FormatChoice = .auto, reporter: String? = nil, batchSize: Int = 8192, bulkLoad: Bool? = nil) {
        self.format = format
        self.reporter = reporter
        self.batchSize = batchSize
        self.bulkLoad = bulkLoad
    }
}
