import ArgumentParser
import MeshLogAnalysis

/// `--json`, `--csv`, `--markdown`: how result tables are printed.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (an array of objects) for scripts.")
    var json = false
    @Flag(help: "Print CSV with a header row.")
    var csv = false
    @Flag(help: "Print a Markdown table.")
    var markdown = false

    func validate() throws {
        if [json, csv, markdown].filter({ $0 }).count > 1 {
            throw ValidationError("Use just one of --json, --csv or --markdown.")
        }
    }

    /// Renders a table in the chosen form.
    func render(_ table: ResultTable) -> String {
        if json { return table.renderJSON() }
        if csv { return table.renderCSV() }
        if markdown { return table.renderMarkdown() }
        return table.renderText()
    }
}
