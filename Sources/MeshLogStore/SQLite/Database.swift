import CSQLite

/// How a transaction started by ``Database/inTransaction(_:_:)`` takes its locks.
public enum TransactionKind: Sendable {
    /// `BEGIN DEFERRED`: locks are taken on first read or write.
    case deferred
    /// `BEGIN IMMEDIATE`: the write lock is taken at once (the default; avoids upgrade deadlocks).
    case immediate
    /// `BEGIN EXCLUSIVE`: like immediate; in WAL mode identical, otherwise also blocks readers.
    case exclusive
}

/// One SQLite connection.
///
/// A `Database` must be used from one thread at a time; it is `@unchecked Sendable` so it can
/// be handed to another thread (e.g. a writer thread). ``interrupt()`` is the one method that
/// may be called concurrently from any thread. The connection closes when the `Database` and
/// every ``Statement`` prepared from it have been released.
public final class Database: @unchecked Sendable {
    /// The path the database was opened with (`":memory:"` for an in-memory database).
    public let path: String
    /// Whether the connection was opened with `SQLITE_OPEN_READONLY`.
    public let readOnly: Bool
    let connection: Connection
    private var statementCache: [String: Statement] = [:]
    private var savepointDepth = 0
    /// Statement recorders started on this connection (kept alive as long as it is).
    var recorders: [StatementRecorder] = []

    /// Opens (creating when needed, unless read-only) the database at `path`.
    ///
    /// `":memory:"` opens a private in-memory database. Read-only connections use
    /// `SQLITE_OPEN_READONLY` and reject writes with `SQLITE_READONLY`. The busy timeout is 5000 ms.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        var flags = SQLITE_OPEN_NOMUTEX
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open database"
            let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc & 0xFF, message: "\(message): \(path)", extendedCode: extended)
        }
        connection = Connection(handle: db)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        // Finalize cached statements now; the connection closes once no statement holds it.
        statementCache.removeAll()
    }

    /// The raw `sqlite3*` handle, for calling the C API directly.
    public var handle: OpaquePointer { connection.handle }

    // MARK: - Statements

    /// Runs one or more `;`-separated statements, discarding any result rows.
    ///
    /// An error carries the text of the statement that failed.
    public func execute(_ sql: String) throws {
        try sql.withCString { start in
            var cursor: UnsafePointer<CChar> = start
            while true {
                // Skip whitespace between statements so errors quote the statement itself.
                while cursor.pointee == 0x20 || (cursor.pointee >= 0x09 && cursor.pointee <= 0x0D) {
                    cursor += 1
                }
                if cursor.pointee == 0 { break }
                var stmt: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, cursor, -1, &stmt, &tail)
                guard rc == SQLITE_OK else {
                    throw connection.error(code: rc, sql: sql)
                }
                guard let stmt else {
                    // An empty statement (`;`) or only comments: continue after it, if anything is left.
                    guard let tail, tail > cursor else { break }
                    cursor = tail
                    continue
                }
                defer { sqlite3_finalize(stmt) }
                var step = sqlite3_step(stmt)
                while step == SQLITE_ROW { step = sqlite3_step(stmt) }
                guard step == SQLITE_DONE else {
                    let text = sqlite3_sql(stmt).map { String(cString: $0) } ?? sql
                    throw connection.error(code: step, sql: text)
                }
                guard let tail else { break }
                cursor = tail
            }
        }
    }

    /// Runs a single statement with positional arguments, discarding any result rows.
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs a single statement with named arguments, discarding any result rows.
    public func execute(_ sql: String, named arguments: [String: SQLValue]) throws {
        let statement = try prepare(sql)
        try statement.bind(named: arguments)
        while try statement.step() {}
    }

    /// Compiles exactly one SQL statement; throws if `sql` is empty or holds more than one statement.
    public func prepare(_ sql: String) throws -> Statement {
        try prepare(sql, flags: 0)
    }

    private func prepare(_ sql: String, flags: UInt32) throws -> Statement {
        let handle = self.handle
        let connection = self.connection
        return try sql.withCString { start -> Statement in
            var stmt: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(handle, start, -1, flags, &stmt, &tail)
            guard rc == SQLITE_OK else {
                throw connection.error(code: rc, sql: sql)
            }
            guard let stmt else {
                throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql)
            }
            let statement = Statement(handle: stmt, sql: sql, connection: connection)
            if let tail, tail.pointee != 0, Self.containsStatement(handle, tail) {
                throw SQLiteError(code: SQLITE_MISUSE,
                                  message: "multiple statements found; use execute(_:) to run several statements",
                                  sql: sql)
            }
            return statement
        }
    }

    /// Whether the remaining SQL text holds another statement (not just whitespace, `;` or comments).
    private static func containsStatement(_ handle: OpaquePointer, _ sql: UnsafePointer<CChar>) -> Bool {
        var p = sql
        while true {
            let c = UInt8(bitPattern: p.pointee)
            if c == 0 { return false }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t")
                || c == UInt8(ascii: "\r") || c == UInt8(ascii: ";") {
                p += 1
                continue
            }
            break
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, p, -1, &stmt, nil)
        sqlite3_finalize(stmt)
        // A syntax error in the tail is still "more SQL"; report it rather than silently ignore it.
        return rc != SQLITE_OK || stmt != nil
    }

    /// Returns a statement cached by its SQL text, reset and with bindings cleared.
    ///
    /// Use it for statements run many times. The returned statement is shared: finish with it
    /// before asking for the same SQL again.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try prepare(sql, flags: UInt32(SQLITE_PREPARE_PERSISTENT))
        statementCache[sql] = statement
        return statement
    }

    /// Finalizes every cached statement.
    public func clearStatementCache() {
        statementCache.removeAll()
    }

    // MARK: - Queries

    /// The first column of the first row, or `.null` when there is no row.
    public func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLValue {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return .null }
        return statement.value(0)
    }

    /// All result rows, each as an array of column values.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        return try Self.collect(statement)
    }

    /// All rows of a query run through the statement cache (``cachedStatement(_:)``): for queries run once per
    /// request or trace, thousands of times by `meshlog why` and `export`.
    public func cachedRows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        return try Self.collect(statement)
    }

    /// The column names and all rows of a query with named parameters (`:name`, `@name`, `$name`).
    ///
    /// A parameter missing from `named` throws an error naming it.
    /// Runs one statement a user wrote, only if it reads (`sqlite3_stmt_readonly`), with named
    /// parameters; nil when it would write.
    public func readOnlyRows(_ sql: String, named: [String: SQLValue] = [:]) throws -> (columns: [String], rows: [[SQLValue]])? {
        try readOnlyRows(sql, named: named, limit: nil).map { ($0.columns, $0.rows) }
    }

    /// The rows of a read-only statement, at most `limit` of them (`more` says whether any were left); nil
    /// when the statement would write.
    public func readOnlyRows(_ sql: String, named: [String: SQLValue] = [:], limit: Int?) throws
        -> (columns: [String], rows: [[SQLValue]], more: Bool)? {
        let statement = try prepare(sql)
        guard statement.isReadOnly else { return nil }
        try statement.bind(named: named)
        let columns = (0..<statement.columnCount).map { statement.columnName($0) }
        let rows = try Self.collect(statement, limit: limit)
        return (columns, rows, limit.map { rows.count == $0 } == true ? try statement.step() : false)
    }

    public func rows(_ sql: String, named: [String: SQLValue]) throws -> (columns: [String], rows: [[SQLValue]]) {
        let statement = try prepare(sql)
        try statement.bind(named: named)
        let rows = try Self.collect(statement)
        return (statement.columnNames, rows)
    }

    private static func collect(_ statement: Statement, limit: Int? = nil) throws -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        let count = statement.columnCount
        while rows.count < limit ?? .max, try statement.step() {
            var row: [SQLValue] = []
            row.reserveCapacity(Int(count))
            for i in 0..<count { row.append(statement.value(i)) }
            rows.append(row)
        }
        return rows
    }

    // MARK: - State

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// The number of rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int {
        Int(sqlite3_changes64(handle))
    }

    /// The number of rows changed since the connection was opened.
    public var totalChanges: Int {
        Int(sqlite3_total_changes64(handle))
    }

    /// Whether a transaction is open (the connection is not in autocommit mode).
    public var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// When a transaction is already open, `body` runs in a savepoint instead (and `kind` is
    /// ignored): a throw rolls back only the savepoint's changes, and nothing is durable until
    /// the outer transaction commits. If the commit itself fails, the transaction is rolled back
    /// and the commit error is thrown.
    public func inTransaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try inSavepoint(body)
        }
        switch kind {
        case .deferred: try execute("BEGIN DEFERRED TRANSACTION")
        case .immediate: try execute("BEGIN IMMEDIATE TRANSACTION")
        case .exclusive: try execute("BEGIN EXCLUSIVE TRANSACTION")
        }
        let result: T
        do {
            result = try body()
            try execute("COMMIT TRANSACTION")
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TRANSACTION")
            }
            throw error
        }
        return result
    }

    private func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "meshlog_sp\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        let result: T
        do {
            result = try body()
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO SAVEPOINT \(name)")
                try? execute("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
        try execute("RELEASE SAVEPOINT \(name)")
        return result
    }

    // MARK: - Misc

    /// Makes a running query on this connection fail soon with `SQLITE_INTERRUPT`; callable from any thread.
    public func interrupt() {
        sqlite3_interrupt(handle)
    }
}
