import ArgumentParser
import MeshLogStore
import MeshLogTerminal

/// `--explain`: print the SQL an answer ran.
struct ExplainOptions: ParsableArguments {
    @Flag(help: "Print the SQL that was run to stderr (paste it into `meshlog sql` to take it further).")
    var explain = false

    /// Runs `body`; with `--explain`, then prints every statement it ran on `db` (also when it fails).
    func explaining<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        guard explain else { return try body() }
        let recorder = db.recordStatements()
        defer {
            recorder.stop()
            Terminal.err(TerminalText.escaped(recorder.explanation, keepingNewlines: true))
        }
        return try body()
    }
}
