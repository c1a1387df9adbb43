import Foundation
import MeshLogTestSupport

/// Compares what a command printed with what the documentation shows under it.
///
/// Trailing spaces and blank lines are not significant. Two things may differ:
/// - a line that is only `…` stands for any number of lines (output the README shortens);
/// - run times and rates (`in 0.21 s (28,041 lines/s)`, `in 5.07 s (30 lines/s)`), which
///   change with every run.
enum OutputMatcher {
    /// The volatile parts of a line, replaced by a fixed text on both sides before comparing.
    private static let volatile: [(NSRegularExpression, String)] = [
        (try! NSRegularExpression(pattern: #" in [0-9]+(\.[0-9]+)? s \([0-9,]+ lines/s\)"#), " in ‹time›"),
    ]

    /// The lines of `text`; `\r\n` (CSV's line end, one `Character` in Swift) ends a line too.
    static func lines(of text: String) -> [String] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
    }

    /// Normalised lines of `text`: trailing spaces cut, volatile parts replaced, trailing blank lines dropped.
    static func lines(_ text: [String]) -> [String] {
        var out = text.map { line -> String in
            var s = line
            while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
            for (pattern, replacement) in volatile {
                s = pattern.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: replacement)
            }
            return s
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    /// Whether `actual` matches the `expected` lines, `…` lines matching any run of lines.
    static func matches(expected: [String], actual: String) -> Bool {
        let want = lines(expected)
        let got = lines(lines(of: actual))
        return match(want[...], got[...])
    }

    private static func match(_ want: ArraySlice<String>, _ got: ArraySlice<String>) -> Bool {
        guard let first = want.first else { return got.isEmpty }
        if first.trimmingCharacters(in: .whitespaces) == "…" {
            let rest = want.dropFirst()
            for skip in 0...got.count where match(rest, got.dropFirst(skip)) { return true }
            return false
        }
        guard let line = got.first, line == first else { return false }
        return match(want.dropFirst(), got.dropFirst())
    }

    /// A unified-style listing of both sides for a failure message.
    static func difference(expected: [String], actual: String) -> String {
        let want = lines(expected), got = lines(lines(of: actual))
        var out = "--- README\n+++ meshlog\n"
        let n = max(want.count, got.count)
        for k in 0..<n {
            let w = k < want.count ? want[k] : nil, g = k < got.count ? got[k] : nil
            if w == g { out += "  \(w ?? "")\n"; continue }
            if let w { out += "- \(w)\n" }
            if let g { out += "+ \(g)\n" }
        }
        return out
    }
}
