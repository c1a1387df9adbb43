import CSQLite

/// Records the statements a connection runs, with their bound values written in, for `--explain`
/// (SQLite's `sqlite3_trace_v2` statement events): each distinct statement once, in the order it
/// first ran, with how often it ran.
///
/// Start it with ``Database/recordStatements()``; it records until the connection closes or
/// ``stop()``. A statement stepped once per request id is listed once with its count and its
/// first values, so a trace of a thousand lookups stays readable.
public final class StatementRecorder {
    /// One distinct statement.
    private struct Entry {
        var expanded: String
        var runs: Int
    }

    /// The connection (not the `Database`, which keeps its recorders: no cycle).
    private let connection: Connection
    private var entries: [Entry] = []
    private var positions: [String: Int] = [:]

    init(database: Database) {
        connection = database.connection
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_trace_v2(connection.handle, UInt32(SQLITE_TRACE_STMT), { _, context, statement, _ in
            guard let context, let statement else { return 0 }
            Unmanaged<StatementRecorder>.fromOpaque(context).takeUnretainedValue().record(OpaquePointer(statement))
            return 0
        }, context)
    }

    deinit { stop() }

    /// Stops recording (the statements so far stay).
    public func stop() {
        sqlite3_trace_v2(connection.handle, 0, nil, nil)
    }

    private func record(_ statement: OpaquePointer) {
        guard let template = sqlite3_sql(statement).map({ String(cString: $0) }) else { return }
        if let i = positions[template] {
            entries[i].runs += 1
            return
        }
        var expanded = template
        if let text = sqlite3_expanded_sql(statement) {
            expanded = String(cString: text)
            sqlite3_free(text)
        }
        positions[template] = entries.count
        entries.append(Entry(expanded: expanded, runs: 1))
    }

    /// The statements so far as runnable text, each ending in `;`, separated by blank lines.
    public var explanation: String {
        entries.map { entry in
            let sql = entry.expanded.trimmingTrailingWhitespace() + ";\n"
            return entry.runs > 1 ? "-- run \(entry.runs) times; the first:\n" + sql : sql
        }.joined(separator: "\n")
    }
}

extension Database {
    /// Records every statement this connection runs from now on (see ``StatementRecorder``).
    public func recordStatements() -> StatementRecorder {
        let recorder = StatementRecorder(database: self)
        recorders.append(recorder)
        return recorder
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace || last == ";" { s.removeLast() }
        return String(s)
    }
}
