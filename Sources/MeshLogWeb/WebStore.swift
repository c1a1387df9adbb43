import MeshLogAnalysis
import MeshLogStore

/// Opens the store a page reads, once per request (a SQLite file read-only, or a ClickHouse store): each
/// request gets its own connection, so requests never share a statement.
public struct WebStore: Sendable {
    /// Where the store is.
    public let location: StoreLocation
    /// A folder of extra named queries (`--queries`), or nil for the built-in ones only.
    public let queriesDirectory: String?

    public init(location: StoreLocation, queriesDirectory: String? = nil) {
        self.location = location
        self.queriesDirectory = queriesDirectory
    }

    /// An answer session over the request's `since`, `until` (unless `whole`: the whole store) and `service`
    /// (`exact=1` reads every line; `include_injected=1` counts the faults Envoy injected as errors).
    func session(_ request: WebRequest, whole: Bool = false) throws -> AnswerSession {
        do {
            return try AnswerSession(location: location, since: whole ? nil : request.value("since"), until: whole ? nil : request.value("until"),
                                     services: request.values("service"), exact: request.value("exact") == "1",
                                     includeInjected: request.value("include_injected") == "1")
        } catch let error as AnswerOptionError {
            throw WebError.badRequest(error.description)
        }
    }

    /// A trace reader, with the SQLite connection the answers run on (the store, or a ClickHouse store's copy).
    func traceReader() throws -> (reader: any TraceReader, db: Database) {
        switch location {
        case .sqlite(let path):
            let db = try SQLiteStore.openForReading(path: path)
            return (SQLiteTraceReader(db: db), db)
        case .clickhouse(let endpoint):
            let reader = try ClickHouseTraceReader(store: ClickHouseStore(endpoint: endpoint))
            return (reader, reader.snapshot.db)
        }
    }
}

/// What went wrong with a request, as the page shows it.
public enum WebError: Error, CustomStringConvertible, Sendable {
    /// The request's parameters cannot be read (400).
    case badRequest(String)
    /// Nothing at this path, or no such request or trace (404).
    case notFound(String)

    public var description: String {
        switch self {
        case .badRequest(let m), .notFound(let m): m
        }
    }

    var status: Int {
        switch self {
        case .badRequest: 400
        case .notFound: 404
        }
    }
}
