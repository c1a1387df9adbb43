/// Picks the access-log preset for a file from its first lines.
///
/// Every preset is tried on every sampled line; the preset that parses the most lines wins. Among
/// JSON presets that parse as many lines, the one whose key map fills the most typed columns wins (a
/// map that knows a gateway's own key names beats one that drops them to `extra`); other ties go to
/// the more specific preset (the catalog's order), as lnav does. Text presets are not compared by
/// filled columns: a looser format can fill more by swallowing two fields into one.
public enum FormatDetector {
    /// The outcome of detection.
    public struct Detection {
        /// The preset that won.
        public let preset: FormatPreset
        /// A parser for it, ready to use.
        public let parser: AccessLogLineParser
        /// Sampled lines it parsed.
        public let matched: Int
        /// Non-empty lines sampled.
        public let sampled: Int
        /// Typed columns filled over the matched lines.
        public let filled: Int
    }

    /// How many leading lines detection looks at.
    public static let sampleSize = 64

    /// Detects the format of `lines`, or returns nil when no preset parses any of them.
    ///
    /// When none parses a whole line, lines behind someone else's prefix (a console's export) are
    /// detected on what follows the prefix (`EmbeddedAccessLog`).
    public static func detect(_ lines: [[UInt8]], candidates: [FormatPreset] = FormatCatalog.presets) -> Detection? {
        if let whole = bestPreset(lines, candidates: candidates) { return whole }
        let rests = lines.compactMap { line in
            line.withUnsafeBufferPointer { b in EmbeddedAccessLog.firstStart(in: b).map { Array(b[$0...]) } }
        }
        return rests.isEmpty ? nil : bestPreset(rests, candidates: candidates)
    }

    /// The preset that parses the most of `lines` as they are, or nil when none parses any.
    private static func bestPreset(_ lines: [[UInt8]], candidates: [FormatPreset]) -> Detection? {
        var best: Detection?
        let sample = lines.filter { !$0.isEmpty }.prefix(sampleSize)
        let record = AccessLogRecord()
        for preset in candidates {
            guard let parser = try? preset.makeParser() else { continue }
            var matched = 0
            var filled = 0
            for line in sample where line.withUnsafeBufferPointer({ parser.parse($0, into: record) }) {
                matched += 1
                filled += AccessLogField.allCases.count { record.has($0) }
            }
            guard matched > 0 else { continue }
            let fillsMore = preset.isJSON && best?.preset.isJSON == true && filled > (best?.filled ?? 0)
            if matched > (best?.matched ?? 0) || (matched == best?.matched && fillsMore) {
                best = Detection(preset: preset, parser: parser, matched: matched, sampled: sample.count, filled: filled)
            }
        }
        return best
    }

    /// The JSON preset whose keys the lines' keys are most like, for a file no preset parses (a
    /// record cut in two, a prefix before it, records pretty-printed over many lines): the preset
    /// that knows the most distinct `"key":` names found after a line's first `{` (or at the start
    /// of a line of a pretty-printed record), at least four of them; ties go to the catalog's order.
    /// `spread` says the records span lines (a line holding only `{`).
    ///
    /// Only used to name a candidate in the error for such a file, so it reads the keys as Strings.
    public static func closestJSON(_ lines: [[UInt8]], candidates: [FormatPreset] = FormatCatalog.presets)
        -> (preset: FormatPreset, known: Int, keys: Int, spread: Bool)? {
        var keys = Set<String>()
        var spread = false
        for line in lines.filter({ !$0.isEmpty }).prefix(sampleSize) {
            guard let first = line.firstIndex(where: { $0 != 32 && $0 != 9 }) else { continue }
            if line[first] == UInt8(ascii: "{"), line[(first + 1)...].allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { spread = true }
            guard let open = line[first] == UInt8(ascii: "\"") ? first : line.firstIndex(of: UInt8(ascii: "{")) else { continue }
            keys.formUnion(jsonKeys(line[open...]))
        }
        guard !keys.isEmpty else { return nil }
        var best: (preset: FormatPreset, known: Int, keys: Int, spread: Bool)?
        for preset in candidates {
            guard case .json(let map, _) = preset.kind else { continue }
            let known = keys.count { map[$0] != nil }
            if known >= 4, known > (best?.known ?? 0) { best = (preset, known, keys.count, spread) }
        }
        return best
    }

    /// The `"key":` names in `bytes` (a string followed by blanks and a colon), escapes left as written.
    static func jsonKeys(_ bytes: ArraySlice<UInt8>) -> [String] {
        var keys: [String] = []
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard bytes[i] == UInt8(ascii: "\"") else { i += 1; continue }
            var j = i + 1
            while j < bytes.endIndex, bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
            guard j < bytes.endIndex else { break }
            var k = j + 1
            while k < bytes.endIndex, bytes[k] == 32 || bytes[k] == 9 { k += 1 }
            if k < bytes.endIndex, bytes[k] == UInt8(ascii: ":") {
                keys.append(String(decoding: bytes[(i + 1)..<j], as: UTF8.self))
            }
            i = j + 1
        }
        return keys
    }
}
