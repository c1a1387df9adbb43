import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog sql`: one read-only statement against the store.
    struct SQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run one read-only SQL statement on the store.",
            discussion: """
                The views access_log and access_log_flag are the stable interface (see README). \
                The aggregate percentile(value, fraction) is available.

                Example:
                  meshlog sql "SELECT status, count(*) AS n FROM access_log GROUP BY 1" --csv
                """
        )

        @Argument(help: "The SQL statement.")
        var statement: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            if let endpoint = database.clickhouse {
                // ClickHouse SQL, passed through read-only (readonly=1).
                let result = try ClickHouseAnswerReader(store: ClickHouseStore(endpoint: endpoint)).runOnServer(sql: statement)
                return Terminal.out(output.render(ResultTable(columns: result.columns, rows: result.rows)))
            }
            let db = try SQLiteStore.openForReading(path: database.path)
            let table = try SQLQuery.run(db, sql: statement)
            Terminal.out(output.render(table))
        }
    }
}
