import Foundation
import MeshLogStore

/// Problems with the options shared by the answer commands.
public enum AnswerOptionError: Error, CustomStringConvertible, Sendable {
    /// `--since` / `--until` could not be read.
    case badTime(option: String, value: String)
    /// `--until` is not after `--since`.
    case emptyWindow(since: String, until: String)

    public var description: String {
        switch self {
        case .badTime(let option, let value):
            "cannot read \(option) '\(value)': use RFC 3339 (2026-11-25T10:00:00Z) or a span before the newest line (2h, 30m, 1d)"
        case .emptyWindow(let since, let until):
            "--until (\(until)) is not after --since (\(since)); nothing to answer"
        }
    }
}

/// A store opened for answering, with the filter the shared options (`--since`, `--until`,
/// `--service`) describe, resolved against the store's newest line.
public final class AnswerSession {
    /// The reader every answer goes through (it records the SQL for `--explain`).
    public let reader: any AnswerReader
    /// The resolved filter.
    public let filter: AnswerFilter
    /// The first and last start time in the store, µs (nil for an empty store).
    public let span: (first: Int64, last: Int64)?

    /// Opens the store at `path` read-only.
    public convenience init(path: String, since: String?, until: String?, services: [String], exact: Bool = false,
                            includeInjected: Bool = false) throws {
        let db = try SQLiteStore.openForReading(path: path)
        try self.init(reader: SQLiteAnswerReader(db: db), since: since, until: until, services: services, exact: exact,
                      includeInjected: includeInjected)
    }

    /// Resolves the options against `reader`'s store.
    ///
    /// - Parameters:
    ///   - since, until: RFC 3339 times or spans before the newest line (see ``TimeExpression``).
    ///   - services: destination services to keep; each element may hold several names separated by commas.
    ///   - exact: read every line even where the summary tables could answer.
    ///   - includeInjected: count the faults Envoy injected on purpose as errors.
    public init(reader: any AnswerReader, since: String?, until: String?, services: [String], exact: Bool = false,
                includeInjected: Bool = false) throws {
        self.reader = reader
        span = try reader.span()
        let window = try TimeWindow(since: since, until: until, newest: span?.last ?? 0)
        var filter = AnswerFilter()
        filter.sinceMicros = window.sinceMicros
        filter.untilMicros = window.untilMicros
        let names = services.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        filter.services = names.isEmpty ? nil : names
        filter.exact = exact
        filter.includeInjected = includeInjected
        self.filter = filter
        (reader as? ClickHouseAnswerReader)?.window = filter
    }

    /// Opens the store at `location` (a SQLite file or a ClickHouse store) read-only.
    public convenience init(location: StoreLocation, since: String?, until: String?, services: [String], exact: Bool = false,
                            includeInjected: Bool = false) throws {
        switch location {
        case .sqlite(let path):
            try self.init(path: path, since: since, until: until, services: services, exact: exact, includeInjected: includeInjected)
        case .clickhouse(let endpoint):
            try self.init(reader: ClickHouseAnswerReader(store: ClickHouseStore(endpoint: endpoint)), since: since, until: until,
                          services: services, exact: exact, includeInjected: includeInjected)
        }
    }

    /// The time window answered: the filter's bounds, else the store's first and last start time.
    /// The end is exclusive. Nil when the store is empty and no bounds were given.
    public var window: (start: Int64, end: Int64)? {
        let start = filter.sinceMicros ?? span?.first
        let end = filter.untilMicros ?? span.map { $0.last + 1 }
        guard let start, let end, end > start else { return nil }
        return (start, end)
    }

    /// A one-line note for the user when an answer came from the summary tables, else nil.
    public var summaryNote: String? {
        reader.usedSummaries
            ? "from per-minute summaries: counts and percentiles exact; overhead is client minus server per percentile (--exact reads every line)"
            : nil
    }

    /// The SQL run so far, as one text for `--explain`: statements separated by blank lines, each ending in `;`.
    public var explanation: String {
        reader.executedSQL.map { $0 + ";\n" }.joined(separator: "\n")
    }
}
