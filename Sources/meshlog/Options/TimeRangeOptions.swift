import ArgumentParser
import MeshLogAnalysis

/// `--since` / `--until`: the window of request start times an answer looks at.
struct TimeRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Only requests that started at or after this time: RFC 3339 (2026-11-25T10:00:00Z) or a span before the newest line in the store (2h, 30m, 1d).",
        valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp(
        "Only requests that started before this time: RFC 3339 or a span before the newest line (30m).",
        valueName: "time"))
    var until: String?

    /// The window these options give, spans counted back from `newest` (µs); mistakes become usage errors.
    func window(newest: Int64) throws -> TimeWindow {
        do { return try TimeWindow(since: since, until: until, newest: newest) } catch {
            throw ValidationError(error.description)
        }
    }

    /// Rejects a `--since` / `--until` that is neither RFC 3339 nor a span.
    func validateTimes() throws {
        for t in [since, until].compactMap({ $0 }) where TimeExpression.parse(t) == nil {
            throw ValidationError("Cannot read time '\(t)'. Use RFC 3339 or a span such as 2h.")
        }
    }
}
