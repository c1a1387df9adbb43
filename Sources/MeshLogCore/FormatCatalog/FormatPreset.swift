/// A named access-log format: data, with sample lines that the tests parse (as lnav's format
/// definitions carry theirs).
public struct FormatPreset: Sendable {
    /// How lines of this preset are written.
    public enum Kind: Sendable {
        /// An Envoy text format string.
        case text(String)
        /// One JSON object per line, keys mapped to columns.
        case json([String: AccessLogField], required: [String])
    }

    /// The name used with `--format`.
    public let name: String
    /// One line saying what produces this format.
    public let summary: String
    /// Where the format string or key list was taken from (repository, path and release, or docs page).
    public let source: String
    public let kind: Kind
    /// The preset the same proxy writes its other traffic in (TCP beside HTTP), tried on the lines
    /// this preset rejects in a file detected as this preset.
    public var companion: String? = nil
    /// Real-looking lines in this format, each of which must parse.
    public let samples: [String]

    /// The format string (text presets) or the key list (JSON presets), for `meshlog formats`.
    public var formatDescription: String {
        switch kind {
        case .text(let f): return f
        case .json(let map, _):
            return "JSON object per line; keys: " + map.keys.sorted().joined(separator: ", ")
        }
    }

    /// Whether lines of this preset are JSON objects.
    public var isJSON: Bool {
        if case .json = kind { return true }
        return false
    }

    /// Builds a parser for this preset.
    public func makeParser() throws -> AccessLogLineParser {
        switch kind {
        case .text(let format): return try CompiledAccessLogFormat(format: format)
        case .json(let map, let required):
            let requiredFields = required.compactMap { map[$0] }
            return JSONAccessLogParser(keyMap: map, requiredAny: requiredFields)
        }
    }
}
