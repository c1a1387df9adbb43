import MeshLogCore

/// What a stream tries on a line its own format rejects, built on the first such line: the presets
/// of the other kind (JSON presets in a text stream, text presets in a JSON one), each with its encoder.
final class FallbackParsers {
    /// The parsers in the order they are tried, with the encoders of their records.
    let entries: [(parser: AccessLogLineParser, encoder: AccessLogRowEncoder)]
    /// Where a Docker record's message is decoded when a line is unwrapped on its own.
    var scratch: [UInt8] = []
    /// At most this many places inside a line are tried as the start of an access log.
    static let maxStarts = 8
    /// Starts are looked for this far into a line.
    static let startWindow = 2048
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

    /// Calls `body` with each place after the first byte of `line` where an access log may start (a
    /// `[` followed by an ISO-8601 date and `T`, as `[2024-03-25T…`, or a `{`), the first `maxStarts`
    /// within `startWindow` bytes, until it returns true; returns whether it did.
    static func forEachAccessLogStart(in line: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Bool) -> Bool {
        let end = min(line.count, startWindow)
        var tried = 0
        var i = 1
        while i < end, tried < maxStarts {
            let c = line[i]
            if c == UInt8(ascii: "{") || (c == UInt8(ascii: "[") && isISODate(line, i + 1) && i + 11 < line.count && line[i + 11] == UInt8(ascii: "T")) {
                if body(i) { return true }
                tried += 1
            }
            i += 1
        }
        return false
    }

    /// The first RFC 3339 time in `prefix` (a token such as `2024-03-25T08:56:41.897522475Z`), in UTC microseconds.
    static func time(in prefix: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        while i + 19 <= prefix.count {
            if isISODate(prefix, i), i == 0 || prefix[i - 1] &- 48 >= 10 {
                var e = i + 10
                while e < prefix.count, prefix[e] != 32, prefix[e] != 9, prefix[e] != UInt8(ascii: "]"), prefix[e] != 34 { e += 1 }
                if let micros = StartTimePattern.parseRFC3339(prefix, i, e) { return micros }
            }
            i += 1
        }
        return nil
    }

    /// Whether `line` has `dddd-dd-dd` at `i`.
    private static func isISODate(_ line: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i + 10 <= line.count else { return false }
        for k in [0, 1, 2, 3, 5, 6, 8, 9] where line[i + k] &- 48 >= 10 { return false }
        return line[i + 4] == 45 && line[i + 7] == 45
    }
}
