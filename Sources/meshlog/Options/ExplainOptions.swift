import ArgumentParser

/// `--explain`: print the SQL an answer ran.
struct ExplainOptions: ParsableArguments {
    @Flag(help: "Print the SQL that was run to stderr (paste it into `meshlog sql` to take it further).")
    var explain = false
}
