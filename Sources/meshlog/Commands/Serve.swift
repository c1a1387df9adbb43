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
                meshlog (in a SwiftPM checkout, `swift run meshlog serve` builds it on first use).

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

        /// `meshlog-serve` in the folder this `meshlog` runs from; in a SwiftPM build folder (`swift run meshlog serve`
        /// builds only `meshlog`), it is built there first.
        static func serverExecutable() throws -> String {
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let folder = URL(fileURLWithPath: me).deletingLastPathComponent()
            let path = folder.appendingPathComponent("meshlog-serve").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            if let package = packageRoot(of: folder) {
                let configuration = folder.lastPathComponent
                Terminal.err("meshlog: building meshlog-serve (swift build -c \(configuration) --product meshlog-serve)…\n")
                let build = Process()
                build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                build.arguments = ["swift", "build", "-c", configuration, "--product", "meshlog-serve"]
                build.currentDirectoryURL = package
                build.standardOutput = FileHandle.standardError
                try build.run()
                build.waitUntilExit()
                if build.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            throw CommandFailure("meshlog serve runs meshlog-serve, which is not beside this meshlog (\(path)); build it: swift build -c release --product meshlog-serve")
        }

        /// The package whose `.build` holds `folder` (`ROOT/.build/TRIPLE/CONFIGURATION`), if any.
        static func packageRoot(of folder: URL) -> URL? {
            var dir = folder
            for _ in 0..<3 {
                dir = dir.deletingLastPathComponent()
                if dir.lastPathComponent == ".build" {
                    let root = dir.deletingLastPathComponent()
                    return FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) ? root : nil
                }
            }
            return nil
        }
    }
}
