import MeshLogTerminal
import ArgumentParser
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog query`: run a named SQL file.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a named query (built in, or a .sql file from --queries DIR) with named parameters.",
            discussion: """
                The built-in queries are the files in the repository's queries/ folder, compiled into meshlog. \
                Each starts with a one-line description and lists its :parameters; :since_us, :until_us and \
                :service come from --since, --until and --service, the rest from --param name=value or their \
                defaults.

                Example:
                  meshlog query --list
                  meshlog query error_edges --since 1h
                  meshlog query slowest_routes --param min_requests=50 --csv
                  meshlog query error_edges --queries queries/ --param min_errors=5
                """
        )

        @Argument(help: "The query's name (its file name without .sql).")
        var name: String?

        @Option(name: .long, help: ArgumentHelp("A parameter, as key=value (repeatable).", valueName: "key=value"))
        var param: [String] = []

        @Flag(help: "List the queries with their descriptions and parameters.")
        var list = false

        @Option(help: ArgumentHelp("Also load the .sql files in this folder (a name already built in is replaced).", valueName: "dir"))
        var queries: String?

        @OptionGroup var answer: AnswerOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if !list, name == nil { throw ValidationError("Name a query to run, or use --list.") }
            do { _ = try NamedQueryCatalog.parseParams(param) } catch let error as NamedQueryError {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            let catalog: [String: NamedQuery]
            do { catalog = try NamedQueryCatalog.load(directory: queries) } catch let error as NamedQueryError {
                throw ValidationError(error.description)
            }
            if list {
                Terminal.out(output.render(NamedQueryCatalog.listing(catalog)))
                return
            }
            guard let name, let query = catalog[name] else {
                throw ValidationError(NamedQueryError.unknown(name: name ?? "", known: catalog.keys.sorted()).description)
            }
            let params = try NamedQueryCatalog.parseParams(param)
            try answer.answer { session in
                do {
                    Terminal.out(output.render(try NamedQueryCatalog.run(query, session: session, params: params)))
                } catch let error as NamedQueryError {
                    throw ValidationError(error.description)
                }
            }
        }
    }
}
