/// Applies named, ordered, forward-only schema migrations.
///
/// Applied migrations are recorded in
/// `schema_migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`. ``migrate(_:)`` runs each
/// migration not yet recorded, in registration order, each in its own immediate transaction
/// together with its record, so a failing migration leaves no trace and stops the run.
/// Migrations are never re-run or rolled back; ship schema changes as new migrations.
///
/// Note: statements that are no-ops inside a transaction (`PRAGMA foreign_keys`, `PRAGMA
/// journal_mode`, `VACUUM`) do not belong in a migration.
public struct Migrator {
    private(set) var migrations: [(name: String, body: (Database) throws -> Void)] = []

    /// Creates a migrator with no migrations.
    public init() {}

    /// The registered migration names, in order.
    public var migrationNames: [String] {
        migrations.map(\.name)
    }

    /// Appends a migration; `name` must be unique (registering a name twice is a programming error and traps).
    public mutating func register(_ name: String, _ body: @escaping (Database) throws -> Void) {
        precondition(!migrations.contains { $0.name == name }, "migration \(name) is already registered")
        migrations.append((name, body))
    }

    /// Applies, in order, every registered migration that the database has not recorded yet.
    ///
    /// Safe to call on every start-up: already applied migrations are skipped, also when another
    /// process migrates concurrently (each one is re-checked inside its write transaction).
    /// Rethrows a failing migration's error unchanged; migrations before it stay applied.
    public func migrate(_ db: Database) throws {
        try db.execute(Self.createTableSQL)
        let applied = Set(try appliedMigrations(db))
        for migration in migrations where !applied.contains(migration.name) {
            try db.inTransaction(.immediate) {
                let alreadyApplied = try db.scalar(
                    "SELECT 1 FROM schema_migrations WHERE name = ?", [.text(migration.name)])
                guard alreadyApplied.isNull else { return }
                try migration.body(db)
                try db.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    [.text(migration.name)])
            }
        }
    }

    /// The names of the migrations recorded in the database, in the order they were applied.
    ///
    /// Returns an empty array when the database was never migrated.
    public func appliedMigrations(_ db: Database) throws -> [String] {
        let exists = try db.scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        guard !exists.isNull else { return [] }
        return try db.rows("SELECT name FROM schema_migrations ORDER BY rowid").compactMap { $0.first?.string }
    }

    /// The registered migrations not yet applied to the database, in order.
    public func pendingMigrations(_ db: Database) throws -> [String] {
        let applied = Set(try appliedMigrations(db))
        return migrations.map(\.name).filter { !applied.contains($0) }
    }

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )
        """
}
