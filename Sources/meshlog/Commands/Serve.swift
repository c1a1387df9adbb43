import ArgumentParser
import Foundation
import MeshLogStore
import MeshLogTerminal
import MeshLogWeb

extension MeshLog {
    /// `meshlog serve`: the store in the browser, and a Jaeger-compatible query API.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Browse the store in a web browser: graph, hops, status, timeline, requests, waterfalls, diff, compare, report, SQL.",
            discussion: """
                A read-only local web application over the store (a SQLite file or a ClickHouse store URL), working \
                fully offline. Every page is a link that can be pasted into an incident channel. Beside the pages, \
                /api/ answers Jaeger's query API (services, operations, trace search, traces by id), so Grafana's \
                Jaeger data source or Jaeger's UI can browse the store. It listens on 127.0.0.1 unless --listen \
                names another address: log content is shown escaped and the pages run no inline script, but \
                anyone who can connect can read every line. The server is the meshlog-serve executable beside \
                meshlog (swift build builds both).

                Example:
                  meshlog serve
                  meshlog serve --listen 127.0.0.1:9090 --queries queries
                """
        )

        @Option(help: ArgumentHelp("Address to listen on: HOST:PORT, [IPv6]:PORT or PORT (port 0 picks a free one).", valueName: "address"))
        var listen: String = "127.0.0.1:8080"

        @Option(help: ArgumentHelp("Folder of extra named queries (*.sql) for the SQL page.", valueName: "dir"))
        var queries: String?

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard ListenAddress(parsing: listen) != nil else {
                throw ValidationError("Cannot read --listen '\(listen)'. Use HOST:PORT such as 127.0.0.1:8080, [::1]:8080 or a port.")
            }
        }

        func run() throws {
            // Fail here, not on the first page, when the store cannot be opened.
            if case .sqlite = database.location { _ = try database.openForReading() }
            if let address = ListenAddress(parsing: listen), !address.isLoopback {
                Terminal.err("meshlog: listening on \(address), not loopback: anyone who can reach it can read the store\n")
            }
            let server = try Self.serverExecutable()
            var arguments = [server, "--listen", listen]
            if let store = database.store { arguments += ["--store", store] } else if let db = database.db { arguments += ["--db", db] }
            if let queries { arguments += ["--queries", queries] }
            let argv = arguments.map { strdup($0) } + [nil]
            execv(server, argv)
            throw CommandFailure("cannot run \(server): \(String(cString: strerror(errno)))")
        }

        /// `meshlog-serve` in the folder this `meshlog` runs from.
        static func serverExecutable() throws -> String {
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let path = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("meshlog-serve").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw CommandFailure("meshlog serve runs meshlog-serve, which is not beside this meshlog (\(path)); build it: swift build -c release --product meshlog-serve")
            }
            return path
        }
    }
}
