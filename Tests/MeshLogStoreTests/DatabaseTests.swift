import CSQLite
import Foundation
import Testing
@testable import MeshLogStore

@Suite("Database")
struct DatabaseTests {
    @Test func openInMemory() throws {
        let db = try Database(path: ":memory:")
        #expect(db.path == ":memory:")
        #expect(!db.readOnly)
        #expect(try db.scalar("SELECT 1 + 1") == 2)
        #expect(try db.scalar("PRAGMA busy_timeout") == 5000)
    }

    @Test func inMemoryDatabasesArePrivate() throws {
        let a = try Database(path: ":memory:")
        let b = try Database(path: ":memory:")
        try a.execute("CREATE TABLE t (x)")
        #expect(try b.scalar("SELECT count(*) FROM sqlite_master") == 0)
    }

    @Test func openCloseReopenFile() throws {
        let temp = TemporaryDatabasePath()
        defer { temp.remove() }
        do {
            let db = try Database(path: temp.path)
            try db.execute("""
                CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
                INSERT INTO t (name) VALUES ('a'), ('b');
                """)
        } // closed here
        #expect(FileManager.default.fileExists(atPath: temp.path))
        let reopened = try Database(path: temp.path)
        #expect(try reopened.rows("SELECT name FROM t ORDER BY id") == [["a"], ["b"]])
    }

    @Test func openFailureIsAnError() throws {
        let error = #expect(throws: SQLiteError.self) {
            _ = try Database(path: "/nonexistent-dir-\(UUID().uuidString)/x.sqlite")
        }
        #expect(error?.code == SQLITE_CANTOPEN)
        #expect(error?.message.contains("nonexistent-dir") == true)
    }

    @Test func readOnlyRefusesWrites() throws {
        let temp = TemporaryDatabasePath()
        defer { temp.remove() }
        do {
            let db = try Database(path: temp.path)
            try db.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        }
        let ro = try Database(path: temp.path, readOnly: true)
        #expect(ro.readOnly)
        #expect(try ro.scalar("SELECT x FROM t") == 1)
        let error = #expect(throws: SQLiteError.self) { try ro.execute("INSERT INTO t VALUES (2)") }
        #expect(error?.code == SQLITE_READONLY)
        #expect(error?.sql == "INSERT INTO t VALUES (2)")
        #expect(throws: SQLiteError.self) { try ro.execute("CREATE TABLE u (y)") }
    }

    @Test func readOnlyDoesNotCreate() throws {
        let temp = TemporaryDatabasePath()
        defer { temp.remove() }
        #expect(throws: SQLiteError.self) { _ = try Database(path: temp.path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: temp.path))
    }

    @Test func executeRunsSeveralStatements() throws {
        let db = try Database(path: ":memory:")
        try db.execute("""
            -- leading comment
            CREATE TABLE t (x);
            INSERT INTO t VALUES (1);
            SELECT * FROM t; -- rows are discarded
            INSERT INTO t VALUES (2);
            -- trailing comment
            """)
        #expect(try db.scalar("SELECT sum(x) FROM t") == 3)
        try db.execute("")
        try db.execute("  ;  ")
        try db.execute(";; INSERT INTO t VALUES (10);;")
        #expect(try db.scalar("SELECT sum(x) FROM t") == 13)
    }

    @Test func executeErrorNamesTheFailingStatement() throws {
        let db = try Database(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) {
            try db.execute("CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)")
        }
        #expect(error?.code == SQLITE_CONSTRAINT)
        #expect(error?.extendedCode == 2067) // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.message == "UNIQUE constraint failed: t.x")
        #expect(error?.sql == "INSERT INTO t VALUES (1)")
        #expect(error?.description == "SQLite error 19: UNIQUE constraint failed: t.x (in: INSERT INTO t VALUES (1))")
    }

    @Test func syntaxErrorCarriesSQL() throws {
        let db = try Database(path: ":memory:")
        let sql = "SELEC 1"
        let error = #expect(throws: SQLiteError.self) { _ = try db.prepare(sql) }
        #expect(error?.code == SQLITE_ERROR)
        #expect(error?.message.contains("syntax error") == true)
        #expect(error?.sql == sql)
        let missing = #expect(throws: SQLiteError.self) { _ = try db.rows("SELECT * FROM nope") }
        #expect(missing?.message == "no such table: nope")
        #expect(missing?.sql == "SELECT * FROM nope")
    }

    @Test func prepareRejectsMultipleOrNoStatements() throws {
        let db = try Database(path: ":memory:")
        #expect(throws: SQLiteError.self) { _ = try db.prepare("SELECT 1; SELECT 2") }
        #expect(throws: SQLiteError.self) { _ = try db.prepare("   ") }
        // Trailing semicolons, whitespace and comments are fine.
        let statement = try db.prepare("SELECT 1;  -- done\n")
        #expect(try statement.step())
    }

    @Test func rowsAndScalar() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        try db.execute("INSERT INTO t VALUES (?, ?), (?, ?)", [1, "x", 2, nil])
        #expect(try db.rows("SELECT a, b FROM t ORDER BY a") == [[1, "x"], [2, nil]])
        #expect(try db.rows("SELECT a FROM t WHERE a > ?", [5]) == [])
        #expect(try db.scalar("SELECT a FROM t WHERE a > ?", [5]) == .null)
        #expect(try db.scalar("SELECT b FROM t WHERE a = ?", [1]) == "x")
    }

    @Test func namedParameters() throws {
        let db = try Database(path: ":memory:")
        let result = try db.rows(
            "SELECT :a AS a, @b AS b, $c AS c, :a + 1 AS again",
            named: ["a": 1, "@b": "two", "c": 3.5, "unused": 0])
        #expect(result.columns == ["a", "b", "c", "again"])
        #expect(result.rows == [[1, "two", 3.5, 2]])
    }

    @Test func missingNamedParameterIsAnErrorNamingIt() throws {
        let db = try Database(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) {
            _ = try db.rows("SELECT :present, :absent", named: ["present": 1])
        }
        #expect(error?.message.contains(":absent") == true)
        #expect(error?.sql == "SELECT :present, :absent")
        #expect(throws: SQLiteError.self) { _ = try db.rows("SELECT ?", named: [:]) }
    }

    @Test func cachedStatementIsReusedResetAndCleared() throws {
        let db = try Database(path: ":memory:")
        let first = try db.cachedStatement("SELECT ?")
        first.bind(7 as Int64, at: 1)
        #expect(try first.step())
        // Left mid-step and bound; the next fetch is reset and cleared.
        let second = try db.cachedStatement("SELECT ?")
        #expect(first === second)
        #expect(try second.step())
        #expect(second.isNull(0))
        let other = try db.cachedStatement("SELECT ? + 1")
        #expect(other !== first)
        db.clearStatementCache()
        #expect(try db.cachedStatement("SELECT ?") !== first)
    }

    @Test func transactionCommits() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x)")
        #expect(!db.isInTransaction)
        let value = try db.inTransaction { () -> Int in
            #expect(db.isInTransaction)
            try db.execute("INSERT INTO t VALUES (1)")
            return 42
        }
        #expect(value == 42)
        #expect(!db.isInTransaction)
        #expect(try db.scalar("SELECT count(*) FROM t") == 1)
    }

    struct Boom: Error {}

    @Test(arguments: [TransactionKind.deferred, .immediate, .exclusive])
    func transactionRollsBackOnThrow(kind: TransactionKind) throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x)")
        #expect(throws: Boom.self) {
            try db.inTransaction(kind) {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.scalar("SELECT count(*) FROM t") == 0)
    }

    @Test func transactionRollsBackOnSQLError() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x UNIQUE)")
        #expect(throws: SQLiteError.self) {
            try db.inTransaction {
                try db.execute("INSERT INTO t VALUES (1)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t") == 0)
    }

    @Test func nestedTransactionUsesSavepoint() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x)")
        try db.inTransaction {
            try db.execute("INSERT INTO t VALUES (1)")
            #expect(throws: Boom.self) {
                try db.inTransaction {
                    try db.execute("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            try db.inTransaction {
                try db.execute("INSERT INTO t VALUES (3)")
            }
            #expect(db.isInTransaction)
        }
        #expect(try db.rows("SELECT x FROM t ORDER BY x") == [[1], [3]])
    }

    @Test func writesFromAnotherThread() async throws {
        let temp = TemporaryDatabasePath()
        defer { temp.remove() }
        let db = try Database(path: temp.path)
        try db.execute("CREATE TABLE t (x)")
        // Database is Sendable: hand it to a detached task acting as the writer.
        try await Task.detached {
            try db.inTransaction {
                for i in 0..<100 { try db.execute("INSERT INTO t VALUES (?)", [SQLValue(i)]) }
            }
        }.value
        #expect(try db.scalar("SELECT count(*) FROM t") == 100)
    }

    @Test func interruptStopsARunningQuery() throws {
        let db = try Database(path: ":memory:")
        var calls = 0
        db.registerFunction("tick", argumentCount: 0, deterministic: false) { [weak db] _ in
            calls += 1
            if calls == 1000 { db?.interrupt() }
            return .integer(1)
        }
        let error = #expect(throws: SQLiteError.self) {
            _ = try db.scalar("""
                WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000000)
                SELECT sum(tick()) FROM s
                """)
        }
        #expect(error?.code == SQLITE_INTERRUPT)
        #expect(calls < 100_000_000)
    }
}
