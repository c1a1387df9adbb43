import Foundation

/// An error reported by SQLite, carrying the result code, SQLite's message and the SQL involved.
///
/// `description` reads like `SQLite error 19: UNIQUE constraint failed: t.id (in: INSERT INTO t …)`.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The primary SQLite result code, e.g. `19` (`SQLITE_CONSTRAINT`).
    public let code: Int32
    /// The extended result code, e.g. `2067` (`SQLITE_CONSTRAINT_UNIQUE`); equals `code` when unknown.
    public let extendedCode: Int32
    /// SQLite's error message (`sqlite3_errmsg`) or a message from this wrapper.
    public let message: String
    /// The SQL statement that failed, when there is one.
    public let sql: String?
    /// The operating system's `errno` of a failed read or write (`ENOSPC`, `EFBIG`), else 0.
    public let systemErrno: Int32

    /// Creates an error; `extendedCode` defaults to `code`.
    public init(code: Int32, message: String, sql: String? = nil, extendedCode: Int32? = nil, systemErrno: Int32 = 0) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
        self.systemErrno = systemErrno
    }

    /// A one-line description: `SQLite error <code>: <message>` followed by ` (in: <sql>)` when
    /// known, the SQL cut to its first line and 120 characters (a batched insert is kilobytes of
    /// placeholders).
    public var description: String {
        var out = "SQLite error \(code): \(message)"
        if let sql { out += " (in: \(Self.shortened(sql)))" }
        return out
    }

    /// `sql`'s first line, at most `limit` characters, with `…` where it was cut.
    public static func shortened(_ sql: String, limit: Int = 120) -> String {
        let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        let line = trimmed.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? trimmed
        let cut = line.count > limit ? String(line.prefix(limit)) : line
        return cut.count < trimmed.count ? cut.trimmingCharacters(in: .whitespaces) + " …" : cut
    }

    /// What went wrong in words a user acts on, when it is a fault of the machine rather than of
    /// meshlog or its input (a full disk, a file size limit, a read-only or damaged store).
    public var fault: StoreFault? {
        switch code {
        case 13: return .diskFull  // SQLITE_FULL
        case 8: return .readOnly  // SQLITE_READONLY
        case 14: return .cannotOpen  // SQLITE_CANTOPEN
        case 11, 26: return .damaged  // SQLITE_CORRUPT, SQLITE_NOTADB
        case 10:  // SQLITE_IOERR
            switch systemErrno {
            case ENOSPC, EDQUOT: return .diskFull
            case EFBIG: return .fileTooLarge
            case EROFS: return .readOnly
            case 0 where extendedCode == 778 && Self.fileSizeLimited:
                // SQLITE_IOERR_WRITE: SQLite does not keep the errno of every failed write, but under
                // a file size limit EFBIG is what a write fails with (ENOSPC gives SQLITE_FULL).
                return .fileTooLarge
            default: return .ioError(systemErrno == 0 ? nil : String(cString: strerror(systemErrno)))
            }
        default: return nil
        }
    }
}

extension SQLiteError {
    /// Whether this process may not write files past a size (`ulimit -f`).
    static var fileSizeLimited: Bool {
        var limit = rlimit()
        return getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max
    }
}

/// A fault of the machine under a store, said plainly (see ``SQLiteError/fault``).
public enum StoreFault: Sendable, Hashable {
    case diskFull
    /// The process's file size limit (`ulimit -f`) was reached.
    case fileTooLarge
    case readOnly
    case cannotOpen
    case damaged
    /// Another read or write error, with the system's words for it.
    case ioError(String?)

    /// What happened, e.g. `disk full`.
    public var summary: String {
        switch self {
        case .diskFull: "disk full"
        case .fileTooLarge: "file size limit reached"
        case .readOnly: "read-only"
        case .cannotOpen: "cannot open"
        case .damaged: "damaged or not a meshlog store"
        case .ioError(let reason): "read or write failed" + (reason.map { " (\($0))" } ?? "")
        }
    }

    /// What to do about it, for a run that can simply be repeated once it is fixed.
    public var advice: String {
        switch self {
        case .diskFull: "free space and run the same command to continue"
        case .fileTooLarge: "raise the file size limit (ulimit -f) and run the same command to continue"
        case .readOnly: "make the store and its folder writable, or use --db to write another store"
        case .cannotOpen: "check the path and that its folder exists and is writable"
        case .damaged: "point --db at a meshlog store, or ingest into a new one"
        case .ioError: "check the disk's free space and health, then run the same command to continue"
        }
    }
}
