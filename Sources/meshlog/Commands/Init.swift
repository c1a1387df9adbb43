import ArgumentParser
import MeshLogStore
import MeshLogTerminal

extension MeshLog {
    /// `meshlog init`: create the store, or bring its schema up to date.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the store, or bring its schema up to date (safe to run again).",
            discussion: """
                A SQLite store is a file (--db PATH, default ./meshlog.db). A ClickHouse store \\
                (--store clickhouse://HOST:8123/DATABASE?cluster=NAME) gets its database and tables on every \\
                shard of the cluster its server lists (system.clusters), and its small tables on that server. \\
                Prints the migrations applied, or that the store was up to date. `meshlog ingest` does the \\
                same before it writes; init lets you create a store ahead of time, or check that it is reachable.

                Example:
                  meshlog init --db incident.db
                  meshlog init
                """
        )

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let applied: [String]
            let shards: Int
            if let endpoint = database.clickhouse {
                let store = ClickHouseStore(endpoint: endpoint)
                applied = try store.migrate()
                shards = store.shards.count
            } else {
                applied = try SQLiteStore.create(path: database.path)
                shards = 0
            }
            let place = TerminalText.escaped(database.path) + (shards > 1 ? " (\(shards) shards)" : "")
            if applied.isEmpty {
                Terminal.out("\(place): up to date\n")
            } else {
                Terminal.out("\(place): applied \(applied.joined(separator: ", "))\n")
            }
        }
    }
}
