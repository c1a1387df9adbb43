import Testing
@testable import MeshLogStore

@Suite("Migrator")
struct MigratorTests {
    struct Boom: Error {}

    /// Records the order in which migration bodies run.
    final class Log {
        var entries: [String] = []
    }

    func baseMigrator(_ log: Log) -> Migrator {
        var migrator = Migrator()
        migrator.register("001_create_requests") { db in
            log.entries.append("001")
            try db.execute("CREATE TABLE requests (id INTEGER PRIMARY KEY, path TEXT)")
        }
        migrator.register("002_add_status") { db in
            log.entries.append("002")
            try db.execute("ALTER TABLE requests ADD COLUMN status INTEGER")
        }
        return migrator
    }

    @Test func freshDatabaseHasNoAppliedMigrations() throws {
        let db = try Database(path: ":memory:")
        #expect(try Migrator().appliedMigrations(db) == [])
        #expect(try baseMigrator(Log()).pendingMigrations(db) == ["001_create_requests", "002_add_status"])
    }

    @Test func appliesInOrderOnceAndIsIdempotent() throws {
        let db = try Database(path: ":memory:")
        let log = Log()
        let migrator = baseMigrator(log)
        try migrator.migrate(db)
        #expect(log.entries == ["001", "002"])
        #expect(try migrator.appliedMigrations(db) == ["001_create_requests", "002_add_status"])
        try db.execute("INSERT INTO requests (path, status) VALUES ('/', 200)")

        try migrator.migrate(db)
        #expect(log.entries == ["001", "002"])
        #expect(try migrator.pendingMigrations(db) == [])
        let appliedAt = try db.scalar("SELECT applied_at FROM schema_migrations WHERE name = '001_create_requests'")
        #expect(appliedAt.string?.hasSuffix("Z") == true)
    }

    @Test func addsOnlyNewMigrations() throws {
        let temp = TemporaryDatabasePath()
        defer { temp.remove() }
        let log = Log()
        do {
            let db = try Database(path: temp.path)
            try baseMigrator(log).migrate(db)
        }
        var extended = baseMigrator(log)
        extended.register("003_index_status") { db in
            log.entries.append("003")
            try db.execute("CREATE INDEX requests_status ON requests (status)")
        }
        let db = try Database(path: temp.path)
        #expect(try extended.pendingMigrations(db) == ["003_index_status"])
        try extended.migrate(db)
        #expect(log.entries == ["001", "002", "003"])
        #expect(try extended.appliedMigrations(db) == ["001_create_requests", "002_add_status", "003_index_status"])
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'requests_status'") == 1)
    }

    @Test func eachMigrationRunsInATransaction() throws {
        let db = try Database(path: ":memory:")
        var migrator = Migrator()
        migrator.register("check") { db in
            #expect(db.isInTransaction)
        }
        try migrator.migrate(db)
        #expect(!db.isInTransaction)
    }

    @Test func failingMigrationRollsBackAndStops() throws {
        let db = try Database(path: ":memory:")
        let log = Log()
        var migrator = baseMigrator(log)
        migrator.register("003_broken") { db in
            log.entries.append("003")
            try db.execute("CREATE TABLE half_done (x)")
            throw Boom()
        }
        migrator.register("004_never") { _ in
            log.entries.append("004")
        }
        #expect(throws: Boom.self) { try migrator.migrate(db) }
        #expect(log.entries == ["001", "002", "003"])
        #expect(try migrator.appliedMigrations(db) == ["001_create_requests", "002_add_status"])
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") == 0)
        #expect(!db.isInTransaction)
    }

    @Test func sqlErrorInMigrationCarriesSQL() throws {
        let db = try Database(path: ":memory:")
        var migrator = Migrator()
        migrator.register("bad") { db in
            try db.execute("CREATE TABLE t (x) STRICT NONSENSE")
        }
        let error = #expect(throws: SQLiteError.self) { try migrator.migrate(db) }
        #expect(error?.sql == "CREATE TABLE t (x) STRICT NONSENSE")
        #expect(try migrator.appliedMigrations(db) == [])
    }
}
