import MeshLogCore

/// The parsers a stream tries on a line its own format rejects, built on the first such line.
///
/// They are the presets of the other kind (JSON presets in a text stream, text presets in a JSON
/// one), each with its encoder.
final class FallbackParsers {
    /// The parsers in the order they are tried, with the encoders of their records.
    let entries: [(parser: AccessLogLineParser, encoder: AccessLogRowEncoder)]
    /// Where a Docker record's message is decoded when a line is unwrapped on its own.
    var scratch: [UInt8] = []
    /// The wrappers a line is unwrapped with on its own, most specific first.
    static let wrappers: [LineWrapper] = LineWrapper.detectionOrder + [.none]

    /// The fallbacks of a stream parsing with `parser`; `encoder` makes an encoder for each.
    init(for parser: AccessLogLineParser, encoder: (AccessLogLineParser) -> AccessLogRowEncoder) {
        let json = parser is JSONAccessLogParser
        var entries: [(parser: AccessLogLineParser, encoder: AccessLogRowEncoder)] = []
        for preset in FormatCatalog.presets {
            let isJSON: Bool
            switch preset.kind {
            case .text: isJSON = false
            case .json: isJSON = true
            }
            guard isJSON != json, let fallback = try? preset.makeParser() else { continue }
            entries.append((fallback, encoder(fallback)))
        }
        self.entries = entries
    }
}
