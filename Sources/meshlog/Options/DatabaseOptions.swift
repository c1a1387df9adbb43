import MeshLogTerminal
import ArgumentParser
import MeshLogStore

/// `--db PATH` or `--store URL`, shared by every command that touches the store.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite file to use (default: $MESHLOG_DB, else ./meshlog.db).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "Store to use: a path, sqlite:PATH, or clickhouse://HOST:8123/DATABASE?cluster=NAME (default: $MESHLOG_STORE, else --db).",
        valueName: "url"))
    var store: String?

    func validate() throws {
        if db != nil && store != nil { throw ValidationError("give --db or --store, not both") }
        do { _ = try StoreLocation.resolve(store ?? db) } catch let error as StoreLocationError {
            throw ValidationError(error.description)
        }
    }

    /// Where the store is: `--store`, `--db`, `$MESHLOG_STORE`, `$MESHLOG_DB`, else ./meshlog.db.
    var location: StoreLocation {
        (try? StoreLocation.resolve(store ?? db)) ?? .sqlite(path: SQLiteStore.resolvePath(db))
    }

    /// The SQLite path, for the commands that use it (the store's URL for a ClickHouse store, in messages).
    var path: String {
        switch location {
        case .sqlite(let path): path
        case .clickhouse(let endpoint): endpoint.description
        }
    }

    /// The ClickHouse store, when the location names one.
    var clickhouse: ClickHouseEndpoint? {
        if case .clickhouse(let endpoint) = location { return endpoint }
        return nil
    }

    /// Opens the store for the trace commands: a SQLite file, or a copy of a ClickHouse store
    /// that fills with what is read.
    func openForTraces() throws -> OpenedStore {
        if let endpoint = clickhouse {
            let reader = try ClickHouseTraceReader(store: ClickHouseStore(endpoint: endpoint))
            return OpenedStore(db: reader.snapshot.db, snapshot: reader.snapshot, traceReader: reader)
        }
        let db = try openForReading()
        return OpenedStore(db: db, snapshot: nil, traceReader: SQLiteTraceReader(db: db))
    }

    /// Opens the store read-only; a missing or outdated store becomes a plain error message.
    func openForReading() throws -> Database {
        do { return try SQLiteStore.openForReading(path: path) } catch let e as StoreError {
            throw CommandFailure(e.description)
        }
    }
}

/// A store opened for reading: the SQLite connection the answers' statements run on (the store
/// itself, or the in-memory copy of a ClickHouse store), the copy, and a trace reader over it.
struct OpenedStore {
    let db: Database
    let snapshot: ClickHouseSnapshot?
    let traceReader: any TraceReader
}
