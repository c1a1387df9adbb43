import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

/// The request filters and window of `meshlog traces`, shared by `meshlog export`.
struct TraceFilterOptions: ParsableArguments {
    @Option(help: "Only requests this service takes part in (repeatable: all must).") var service: [String] = []
    @Option(help: "Only requests with a line of this status: 5xx, 4xx or a code such as 503.") var status: String?
    @Option(help: "Only requests with a line carrying this response flag (UF, URX, UT, …).") var flag: String?
    @Option(help: "Only requests lasting at least this long (500ms, 2s).") var minDuration: String?

    @OptionGroup var timeRange: TimeRangeOptions

    func validate() throws {
        if let minDuration, TimeExpression.parseSpan(minDuration) == nil {
            throw ValidationError("Cannot read --min-duration '\(minDuration)'. Use e.g. 500ms or 2s.")
        }
        if let status, TraceFilter.statusRange(status) == nil {
            throw ValidationError("Cannot read --status '\(status)'. Use 5xx, 4xx or a code such as 503.")
        }
        try timeRange.validateTimes()
    }

    /// The search these options describe, at most `limit` requests, its window counted back from the newest
    /// line or span `reader` holds.
    func filter(limit: Int, reader: any TraceReader) throws -> TraceFilter {
        var filter = TraceFilter()
        filter.services = service
        filter.status = status
        filter.flag = flag
        filter.minDurationUs = minDuration.flatMap(TimeExpression.parseSpan)
        filter.limit = limit
        if timeRange.since != nil || timeRange.until != nil {
            let window = try timeRange.window(newest: reader.newestStart())
            filter.sinceUs = window.sinceMicros
            filter.untilUs = window.untilMicros
        }
        return filter
    }
}
