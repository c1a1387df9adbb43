import ArgumentParser
import MeshLogStore

/// `--db PATH`, shared by every command that touches the store.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite file to use (default: $MESHLOG_DB, else ./meshlog.db).", valueName: "path"))
    var db: String?

    /// The resolved database path.
    var path: String { SQLiteStore.resolvePath(db) }
}
