import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension CriticalPathAnalysis.Grouping: ExpressibleByArgument {}

extension MeshLog {
    /// `meshlog critical-path`: which hop makes the tail, over many requests.
    struct CriticalPath: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "critical-path",
            abstract: "Per hop, its share of critical-path time at the median request and in the slowest 1 %.",
            discussion: """
                Every request in the window is rebuilt from its access-log lines (as `meshlog trace` does without \
                spans) and its critical path is walked (the * rows of `meshlog trace`). Each row's own time on the \
                path (its time not covered by a critical child) goes to its hop: caller workload → callee service, \
                with --by route also the route. Retry attempts count for their hop; inbound lines no caller \
                logged count as (outside mesh) → service. The own times of one request add up to its end-to-end \
                duration, so each share column adds up to 100 %.

                median_share_pct: over the requests from the 45th to the 55th percentile of end-to-end duration. \
                tail_share_pct: over the slowest 1 % (at least one request). all_share_pct: over all. \
                mean_critical_ms: mean own time per request whose path passes through the hop; \
                tail_critical_ms: mean own time per request of the slowest 1 %. Rows are sorted by tail share.

                A request belongs to the window by its first line; --route matches the route of its root call \
                (`/api/courses/{id}` or `GET /api/courses/{id}`), --service any call in it. Spans are not read.

                Example:
                  meshlog critical-path --since 2026-11-25T00:30:00Z --limit 100
                  meshlog critical-path --route 'POST /api/courses/{id}/enroll' --by route --csv
                """
        )

        @Option(help: ArgumentHelp("Only requests whose root call has this route (optionally with the method).", valueName: "route"))
        var route: String?

        @Option(help: ArgumentHelp("Only requests in which this service is called (repeatable: any).", valueName: "name"))
        var service: [String] = []

        @Option(help: "At most this many requests, the earliest first (default: all in the window).")
        var limit: Int?

        @Option(help: "Key rows by hop (caller → service) or route (caller → service method route).")
        var by: CriticalPathAnalysis.Grouping = .hop

        @OptionGroup var timeRange: TimeRangeOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var explainOptions: ExplainOptions

        func validate() throws {
            if let limit, limit <= 0 { throw ValidationError("--limit must be positive (got \(limit)).") }
            try timeRange.validateTimes()
        }

        func run() throws {
            let store = try database.openForTraces()
            let db = store.db
            var options = CriticalPathAnalysis.Options()
            options.route = route
            options.services = service.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            options.limit = limit
            options.grouping = by
            if timeRange.since != nil || timeRange.until != nil {
                let window = try timeRange.window(newest: store.snapshot != nil ? try store.traceReader.newestStart()
                                                  : SQLiteAnswerReader(db: db).span()?.last ?? 0)
                options.sinceUs = window.sinceMicros
                options.untilUs = window.untilMicros
            }
            // A ClickHouse store: copy the window's lines, with the margin the analysis reads around it.
            try store.snapshot?.loadLines(where: ClickHouseSnapshot.windowCondition(
                since: options.sinceUs.map { $0 - 2 * CriticalPathAnalysis.marginUs },
                until: options.untilUs.map { $0 + 2 * CriticalPathAnalysis.marginUs }))
            let report = try explainOptions.explaining(store) { try CriticalPathAnalysis(db: db).run(options) }
            if output.json { return Terminal.out(CriticalPathAnalysis.json(report)) }
            let table = CriticalPathAnalysis.table(report)
            if output.csv || output.markdown { return Terminal.out(output.render(table)) }
            Terminal.out(CriticalPathAnalysis.summary(report) + (report.rows.isEmpty ? "" : table.renderText()))
        }
    }
}
