import Foundation
import MeshLogServe
import MeshLogStore
import MeshLogTerminal
import MeshLogWeb

// `meshlog serve` runs this beside itself (see Serve.swift), so that only serving pays for the HTTP server's
// libraries at start-up. It takes the options `meshlog serve` has already checked.

/// Prints `message` as meshlog prints a failure and exits 1.
func fail(_ message: String) -> Never {
    Terminal.err("meshlog: " + TerminalText.escaped(message) + "\n")
    exit(1)
}

let arguments: ServeArguments
let location: StoreLocation
do {
    arguments = try ServeArguments(parsing: Array(CommandLine.arguments.dropFirst()))
    location = try arguments.location()
    if case .sqlite(let path) = location { _ = try SQLiteStore.openForReading(path: path) }
} catch {
    fail(String(describing: error))
}
let app = WebApp(store: WebStore(location: location, queriesDirectory: arguments.queries))
let server = WebServer(app: app, address: arguments.listen)
do {
    try await server.run { bound in
        Terminal.err("meshlog: serving \(TerminalText.escaped(location.description)) on http://\(bound)/ (Ctrl-C stops)\n")
    }
} catch {
    fail("cannot listen on \(arguments.listen): \(error)")
}
