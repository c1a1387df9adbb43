import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

/// The options every answer command shares: `--db`, `--since`, `--until`, `--service`, `--explain`.
struct AnswerOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var timeRange: TimeRangeOptions
    @OptionGroup var serviceFilter: ServiceFilterOptions
    @OptionGroup var explainOptions: ExplainOptions
    @Flag(name: .long, help: "Read every line, not the per-minute summaries (exact per-request overhead; slower on big stores).")
    var exact = false

    /// Opens the store and resolves the filter; option mistakes become usage errors.
    func session(includeInjected: Bool = false) throws -> AnswerSession {
        do {
            if let endpoint = database.clickhouse {
                return try AnswerSession(reader: ClickHouseAnswerReader(store: ClickHouseStore(endpoint: endpoint)),
                                         since: timeRange.since, until: timeRange.until, services: serviceFilter.service, exact: exact,
                                         includeInjected: includeInjected)
            }
            return try AnswerSession(path: database.path, since: timeRange.since, until: timeRange.until,
                                     services: serviceFilter.service, exact: exact, includeInjected: includeInjected)
        } catch let error as AnswerOptionError {
            throw ValidationError(error.description)
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }

    /// Runs `body` with a session, then prints the SQL it ran when `--explain` is on (also when it fails),
    /// and the session's note on summaries unless `note` is false (the command writes its own).
    func answer(note: Bool = true, includeInjected: Bool = false, _ body: (AnswerSession) throws -> Void) throws {
        let session = try self.session(includeInjected: includeInjected)
        defer {
            if explainOptions.explain { Terminal.err(TerminalText.escaped(session.explanation, keepingNewlines: true)) }
        }
        try body(session)
        if note, let text = session.summaryNote { Terminal.err("meshlog: \(TerminalText.escaped(text))\n") }
    }
}
