import MeshLogTerminal
import ArgumentParser
import MeshLogStore

/// `--db PATH`, shared by every command that touches the store.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite file to use (default: $MESHLOG_DB, else ./meshlog.db).", valueName: "path"))
    var db: String?

    /// The resolved database path.
    var path: String { SQLiteStore.resolvePath(db) }

    /// Opens the store read-only; a missing or outdated store becomes a plain error message.
    func openForReading() throws -> Database {
        do { return try SQLiteStore.openForReading(path: path) } catch let e as StoreError {
            throw CommandFailure(e.description)
        }
    }
}
