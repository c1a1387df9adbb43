import CSQLite

/// A prepared SQLite statement (`sqlite3_stmt`), finalized when released.
///
/// The binding, stepping and column methods are thin wrappers over the C API meant for hot
/// loops: they neither allocate nor convert to `String` (except `text(_:)`, `value(_:)` and
/// the `SQLValue`/array/named conveniences). Parameter and column indexes follow SQLite:
/// parameters are 1-based, columns are 0-based.
///
/// The unchecked `bind…(_:at:)` methods ignore SQLite's return code (an out-of-range index
/// or binding a statement that is mid-step is silently ignored); use ``bind(_:)`` or
/// ``bind(named:)`` when you want validation. A statement must be used from one thread at a time.
public final class Statement {
    /// The SQL text the statement was prepared from.
    public let sql: String
    /// The raw `sqlite3_stmt*`, for calling the C API directly.
    public let handle: OpaquePointer
    let connection: Connection
    /// Set by `rememberBindings()`: integer and NULL binds that repeat are skipped.
    private var memo: BindingMemo?

    init(handle: OpaquePointer, sql: String, connection: Connection) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Binding

    /// From now on, skips binding an integer or NULL that the parameter holds already (bindings
    /// survive `reset()`). For statements stepped row after row with repeating values; every
    /// binding must then go through this wrapper, not `sqlite3_bind_*` on `handle`.
    public func rememberBindings() {
        if memo == nil { memo = BindingMemo(parameters: Int(sqlite3_bind_parameter_count(handle))) }
    }

    /// Binds an integer to the 1-based parameter `index`.
    @inline(__always)
    public func bind(_ value: Int64, at index: Int32) {
        if let memo { memo.bind(handle, value, at: index) } else { sqlite3_bind_int64(handle, index, value) }
    }

    /// Binds a double to the 1-based parameter `index`.
    @inline(__always)
    public func bind(_ value: Double, at index: Int32) {
        memo?.forget(index)
        sqlite3_bind_double(handle, index, value)
    }

    /// Binds a string (copied by SQLite) to the 1-based parameter `index`.
    public func bind(_ value: String, at index: Int32) {
        var value = value
        value.withUTF8 { bindText($0, at: index) }
    }

    /// Binds UTF-8 bytes as text, copied by SQLite (`SQLITE_TRANSIENT`), to parameter `index`.
    ///
    /// An empty buffer binds the empty string, not NULL.
    public func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) {
        memo?.forget(index)
        if let base = bytes.baseAddress, bytes.count > 0 {
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
                _ = sqlite3_bind_text64(handle, index, p, sqlite3_uint64(bytes.count), sqliteTransient, UInt8(SQLITE_UTF8))
            }
        } else {
            sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
        }
    }

    /// Binds UTF-8 bytes as text without copying (`SQLITE_STATIC`) to parameter `index`.
    ///
    /// The caller guarantees the bytes stay valid and unchanged until the statement is
    /// stepped to completion and reset, or the parameter is re-bound or cleared.
    /// An empty buffer binds the empty string, not NULL.
    public func bindTextNoCopy(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) {
        memo?.forget(index)
        if let base = bytes.baseAddress, bytes.count > 0 {
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { p in
                _ = sqlite3_bind_text64(handle, index, p, sqlite3_uint64(bytes.count), nil, UInt8(SQLITE_UTF8))
            }
        } else {
            sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
        }
    }

    /// Binds raw bytes as a blob, copied by SQLite, to parameter `index`.
    ///
    /// An empty buffer binds an empty blob, not NULL.
    public func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) {
        memo?.forget(index)
        if let base = bytes.baseAddress, bytes.count > 0 {
            sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(bytes.count), sqliteTransient)
        } else {
            sqlite3_bind_zeroblob(handle, index, 0)
        }
    }

    /// Binds NULL to parameter `index`.
    @inline(__always)
    public func bindNull(at index: Int32) {
        if let memo { memo.bindNull(handle, at: index) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds an `SQLValue` to parameter `index`, dispatching on its case.
    public func bind(_ value: SQLValue, at index: Int32) {
        switch value {
        case .null: bindNull(at: index)
        case .integer(let v): bind(v, at: index)
        case .real(let d): bind(d, at: index)
        case .text(let s): bind(s, at: index)
        case .blob(let b): b.withUnsafeBytes { bindBlob($0, at: index) }
        }
    }

    /// Binds positional arguments to parameters 1...n; throws unless the count matches the statement.
    public func bind(_ values: [SQLValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(code: SQLITE_RANGE,
                              message: "wrong number of arguments: statement expects \(expected), got \(values.count)",
                              sql: sql)
        }
        for (offset, value) in values.enumerated() {
            bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds named arguments to `:name`, `@name` and `$name` parameters.
    ///
    /// Keys may be given with or without the prefix (`"id"` or `":id"`). Every parameter of the
    /// statement must be supplied: a missing one, or an anonymous `?` parameter, throws an error
    /// naming it. Extra keys are ignored.
    public func bind(named values: [String: SQLValue]) throws {
        let count = sqlite3_bind_parameter_count(handle)
        guard count > 0 else { return }
        for index in 1...count {
            guard let cName = sqlite3_bind_parameter_name(handle, index) else {
                throw SQLiteError(code: SQLITE_RANGE,
                                  message: "parameter ?\(index) is positional and cannot be bound by name",
                                  sql: sql)
            }
            let fullName = String(cString: cName)
            let bareName = String(fullName.dropFirst())
            guard let value = values[bareName] ?? values[fullName] else {
                throw SQLiteError(code: SQLITE_RANGE,
                                  message: "missing named parameter \(fullName)",
                                  sql: sql)
            }
            bind(value, at: index)
        }
    }

    /// The names of the parameters in order, with their prefix (`":id"`); `"?"` style parameters appear as `""`.
    public var parameterNames: [String] {
        let count = sqlite3_bind_parameter_count(handle)
        guard count > 0 else { return [] }
        return (1...count).map { i in
            sqlite3_bind_parameter_name(handle, i).map { String(cString: $0) } ?? ""
        }
    }

    /// The number of parameters (the largest parameter index).
    public var parameterCount: Int32 {
        sqlite3_bind_parameter_count(handle)
    }

    // MARK: - Execution

    /// Advances to the next row: true when a row is available, false when done.
    ///
    /// Errors are ``SQLiteError``s carrying this statement's SQL. After an error, call
    /// ``reset()`` before reusing the statement.
    @inline(__always)
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw stepError(rc)
    }

    @inline(never)
    private func stepError(_ rc: Int32) -> SQLiteError {
        connection.error(code: rc, sql: sql)
    }

    /// Resets the statement so it can be stepped again; bindings are kept.
    @inline(__always)
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    @inline(__always)
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
        memo?.allNull()
    }

    /// Steps the statement to completion with its current bindings, then resets it.
    public func execute() throws {
        defer { reset() }
        while try step() {}
    }

    /// Resets, binds `arguments` positionally, steps to completion, then resets again.
    public func execute(_ arguments: [SQLValue]) throws {
        reset()
        try bind(arguments)
        try execute()
    }

    /// Whether the statement makes no direct changes to the database (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool {
        sqlite3_stmt_readonly(handle) != 0
    }

    // MARK: - Columns

    /// The number of result columns.
    public var columnCount: Int32 {
        sqlite3_column_count(handle)
    }

    /// The name of result column `i` (0-based).
    public func columnName(_ i: Int32) -> String {
        sqlite3_column_name(handle, i).map { String(cString: $0) } ?? ""
    }

    /// The names of all result columns.
    public var columnNames: [String] {
        (0..<columnCount).map(columnName)
    }

    /// The storage class of column `i` in the current row (`SQLITE_INTEGER`, `SQLITE_NULL`, …).
    @inline(__always)
    public func columnType(_ i: Int32) -> Int32 {
        sqlite3_column_type(handle, i)
    }

    /// Whether column `i` of the current row is NULL.
    @inline(__always)
    public func isNull(_ i: Int32) -> Bool {
        sqlite3_column_type(handle, i) == SQLITE_NULL
    }

    /// Column `i` as an integer (SQLite converts; NULL is 0).
    @inline(__always)
    public func int64(_ i: Int32) -> Int64 {
        sqlite3_column_int64(handle, i)
    }

    /// Column `i` as a double (SQLite converts; NULL is 0.0).
    @inline(__always)
    public func double(_ i: Int32) -> Double {
        sqlite3_column_double(handle, i)
    }

    /// Column `i` as a string, or nil when it is NULL.
    public func text(_ i: Int32) -> String? {
        guard let ptr = sqlite3_column_text(handle, i) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: ptr, count: count), as: UTF8.self)
    }

    /// Calls `body` with the UTF-8 bytes of column `i` without copying; nil when the column is NULL.
    ///
    /// The buffer is only valid inside `body`.
    public func withText<R>(_ i: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard let ptr = sqlite3_column_text(handle, i) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeBufferPointer(start: ptr, count: count))
    }

    /// Column `i` as bytes, or nil when it is NULL.
    public func blob(_ i: Int32) -> [UInt8]? {
        if sqlite3_column_type(handle, i) == SQLITE_NULL { return nil }
        let ptr = sqlite3_column_blob(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        guard let ptr, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: count))
    }

    /// Column `i` as an `SQLValue` of its storage class.
    public func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: return .text(text(i) ?? "")
        case SQLITE_BLOB: return .blob(blob(i) ?? [])
        default: return .null
        }
    }

    /// All columns of the current row.
    public func row() -> [SQLValue] {
        (0..<columnCount).map(value)
    }
}
