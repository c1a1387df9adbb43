import CSQLite

// Internal glue shared by Database, Statement and the function/aggregate bridges.

/// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind/result call returns.
@usableFromInline
internal var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

/// Owns one `sqlite3*` and closes it when the last owner (database or statement) goes away.
///
/// Statements keep a strong reference so a statement outliving its `Database` stays valid,
/// and `sqlite3_close` only runs after every statement has been finalized.
internal final class Connection {
    let handle: OpaquePointer

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Builds an error from the connection's current error state.
    func error(code: Int32, sql: String?) -> SQLiteError {
        let message = sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown error"
        return SQLiteError(code: code & 0xFF, message: message, sql: sql,
                           extendedCode: sqlite3_extended_errcode(handle), systemErrno: sqlite3_system_errno(handle))
    }
}

extension SQLValue {
    /// Reads a `sqlite3_value` (function or aggregate argument).
    init(sqliteValue value: OpaquePointer?) {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT:
            self = .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            let ptr = sqlite3_value_text(value)
            let count = Int(sqlite3_value_bytes(value))
            if let ptr {
                self = .text(String(decoding: UnsafeBufferPointer(start: ptr, count: count), as: UTF8.self))
            } else {
                self = .text("")
            }
        case SQLITE_BLOB:
            let ptr = sqlite3_value_blob(value)
            let count = Int(sqlite3_value_bytes(value))
            if let ptr, count > 0 {
                self = .blob(Array(UnsafeRawBufferPointer(start: ptr, count: count)))
            } else {
                self = .blob([])
            }
        default:
            self = .null
        }
    }

    /// Sets this value as the result of a function or aggregate call.
    func setResult(_ context: OpaquePointer?) {
        switch self {
        case .null:
            sqlite3_result_null(context)
        case .integer(let v):
            sqlite3_result_int64(context, v)
        case .real(let d):
            sqlite3_result_double(context, d)
        case .text(var s):
            s.withUTF8 { buf in
                if let base = buf.baseAddress, buf.count > 0 {
                    base.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                        sqlite3_result_text64(context, p, sqlite3_uint64(buf.count), sqliteTransient, UInt8(SQLITE_UTF8))
                    }
                } else {
                    sqlite3_result_text(context, "", 0, sqliteTransient)
                }
            }
        case .blob(let bytes):
            bytes.withUnsafeBytes { buf in
                if let base = buf.baseAddress, buf.count > 0 {
                    sqlite3_result_blob64(context, base, sqlite3_uint64(buf.count), sqliteTransient)
                } else {
                    sqlite3_result_zeroblob(context, 0)
                }
            }
        }
    }
}

/// Reports a Swift error as the result of a function or aggregate call.
internal func setResultError(_ context: OpaquePointer?, _ error: any Error) {
    let message: String
    var code: Int32 = SQLITE_ERROR
    if let error = error as? SQLiteError {
        message = error.message
        code = error.code
    } else {
        message = String(describing: error)
    }
    sqlite3_result_error(context, message, -1)
    if code != SQLITE_ERROR && code != SQLITE_OK {
        sqlite3_result_error_code(context, code)
    }
}
