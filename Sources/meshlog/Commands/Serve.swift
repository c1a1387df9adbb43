import ArgumentParser
import Foundation
import MeshLogServe
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
                anyone who can connect can read every line.

                Example:
                  meshlog serve --db meshlog.db
                  meshlog serve --listen 127.0.0.1:0 --db meshlog.db
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
            let address = ListenAddress(parsing: listen)!
            // Fail now, not on the first page, when the store cannot be opened.
            if case .sqlite = database.location { _ = try database.openForReading() }
            let app = WebApp(store: WebStore(location: database.location, queriesDirectory: queries))
            if !address.isLoopback {
                Terminal.err("meshlog: listening on \(address), not loopback: anyone who can reach it can read the store\n")
            }
            let server = WebServer(app: app, address: address)
            let failure = ServeFailure()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                do {
                    try await server.run { bound in
                        Terminal.err("meshlog: serving \(database.path) on http://\(bound)/ (Ctrl-C stops)\n")
                    }
                } catch {
                    failure.set("cannot listen on \(address): \(error)")
                }
                done.signal()
            }
            done.wait()
            if let message = failure.message { throw CommandFailure(message) }
        }
    }
}

/// The server task's error, read by the command once the task ends.
final class ServeFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ message: String) { lock.lock(); text = message; lock.unlock() }
    var message: String? { lock.lock(); defer { lock.unlock() }; return text }
}
