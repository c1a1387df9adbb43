import CSQLite
import Foundation

/// Opens a meshlog SQLite file: pragmas, migrations and the meshlog SQL functions.
public enum SQLiteStore {
    /// The database path: `explicit` (`--db`), else `$MESHLOG_DB`, else `./meshlog.db`.
    public static func resolvePath(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["MESHLOG_DB"], !env.isEmpty { return env }
        return "meshlog.db"
    }

    /// Global SQLite settings, applied once before the first connection: no memory statistics
    /// (they take a global mutex on every allocation).
    static let configured: Bool = {
        _ = meshlog_sqlite3_disable_memstatus()
        return true
    }()

    /// Opens the store for writing, creating and migrating it when needed.
    public static func openForWriting(path: String) throws -> Database {
        _ = configured
        let db = try Database(path: path)
        _ = meshlog_sqlite3_lookaside(db.handle, 1024, 2048)
        // 16 KB pages for a new store (an existing one keeps its own): fewer pages to split,
        // write to the log and copy back. Against SQLite's default 4 KB, 8 KB made ingest 8-10 %
        // faster; 16 KB took another 7-10 % off the writer's time on a cluster bundle, whose
        // index inserts land all over the indexes.
        try db.execute("PRAGMA page_size=16384")
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=NORMAL")
        try db.execute("PRAGMA temp_store=MEMORY")
        try db.execute("PRAGMA cache_size=-16384")
        try db.execute("PRAGMA foreign_keys=ON")
        try db.execute("PRAGMA threads=2")
        // Debian builds SQLite with secure delete on, which zeroes the space every moved or deleted
        // cell leaves behind: B-tree page splits during ingest pay for it, and nothing here needs
        // removed rows scrubbed from the file.
        try db.execute("PRAGMA secure_delete=OFF")
        // Before migrating: migrations use the functions (006 builds summaries with `hist`).
        db.registerMeshLogFunctions()
        try StoreSchema.migrator.migrate(db)
        return db
    }

    /// Creates the store at `path`, or brings it up to date (`meshlog init`); returns the names of
    /// the migrations applied (empty when it was up to date).
    @discardableResult
    public static func create(path: String) throws -> [String] {
        var before: [String] = []
        if path != ":memory:", FileManager.default.fileExists(atPath: path) {
            before = try StoreSchema.migrator.appliedMigrations(try Database(path: path, readOnly: true))
        }
        let db = try openForWriting(path: path)
        let done = Set(before)
        return try StoreSchema.migrator.appliedMigrations(db).filter { !done.contains($0) }
    }

    /// Opens an existing store read-only (for `meshlog sql` and the answers).
    ///
    /// - Throws: `StoreError.missingDatabase` when the file does not exist.
    public static func openForReading(path: String) throws -> Database {
        guard path == ":memory:" || FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missingDatabase(path: path)
        }
        _ = configured
        let db = try Database(path: path, readOnly: true)
        try db.execute("PRAGMA cache_size=-65536")
        let pending = try StoreSchema.migrator.pendingMigrations(db)
        if !pending.isEmpty { throw StoreError.outdatedSchema(path: path, pending: pending) }
        db.registerMeshLogFunctions()
        return db
    }
}

/// Problems opening the store.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// There is no database at the path.
    case missingDatabase(path: String)
    /// The database was written by an older meshlog and must be migrated by an ingest first.
    case outdatedSchema(path: String, pending: [String])
    /// Another ingest holds the write lock.
    case locked(path: String)
    /// The store's writer lock file could not be opened or locked.
    case lockFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingDatabase(let p):
            "no meshlog database at \(p); create one with `meshlog ingest FILES --db \(p)` or point --db / MESHLOG_DB at an existing one"
        case .outdatedSchema(let p, let pending):
            "\(p) needs schema upgrades (\(pending.joined(separator: ", "))); run any `meshlog ingest --db \(p)` to apply them"
        case .locked(let p):
            "\(p) is being written by another meshlog ingest; wait for it to finish"
        case .lockFailed(let p, let reason):
            "cannot lock \(p) (\(reason)); a store's writers take turns through this file beside it: check that its folder is writable"
        }
    }
}
