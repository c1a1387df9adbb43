import ArgumentParser
import MeshLogStore
import MeshLogTerminal

/// `--explain`: print the SQL an answer ran.
struct ExplainOptions: ParsableArguments {
    @Flag(help: "Print the SQL that was run to stderr (paste it into `meshlog sql` to take it further).")
    var explain = false

    /// Runs `body`; with `--explain`, then prints every statement it ran on `db` (also when it fails).
    func explaining<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try explaining(db, copyOf: nil, body)
    }

    /// Runs `body` on an opened store; with `--explain`, prints what ran on ClickHouse (for a copy) and on SQLite.
    func explaining<T>(_ store: OpenedStore, _ body: () throws -> T) throws -> T {
        try explaining(store.db, copyOf: store.snapshot, body)
    }

    private func explaining<T>(_ db: Database, copyOf snapshot: ClickHouseSnapshot?, _ body: () throws -> T) throws -> T {
        guard explain else { return try body() }
        let recorder = db.recordStatements()
        let before = snapshot?.statements.count ?? 0
        defer {
            recorder.stop()
            if let snapshot {
                let server = snapshot.statements.dropFirst(before).map { "-- on ClickHouse (\(snapshot.store.endpoint)):\n\($0);\n" }
                Terminal.err(TerminalText.escaped(server.joined(separator: "\n") + (server.isEmpty ? "" : "\n")
                    + "-- on the copy, as on SQLite:\n", keepingNewlines: true))
            }
            Terminal.err(TerminalText.escaped(recorder.explanation, keepingNewlines: true))
        }
        return try body()
    }
}
