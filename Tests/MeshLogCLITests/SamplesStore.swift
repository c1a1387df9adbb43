import Foundation
import MeshLogTestSupport

/// A store of `samples/` built once per test run, and working folders that hold a copy of it.
final class SamplesStore: Sendable {
    /// The store every doc example and matrix test reads, built on first use.
    static let shared: Result<SamplesStore, Error> = Result { try SamplesStore() }

    private let directory: TemporaryDirectory
    /// The store file (`meshlog.db`, checkpointed into one file).
    let database: String

    private init() throws {
        directory = try TemporaryDirectory(prefix: "meshlog-samples")
        database = directory.path("meshlog.db")
        let run = try MeshLogBinary.run(["ingest", Repository.samples, "--db", database, "--quiet"])
        guard run.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "ingest of samples failed: \(run.stderr)"])
        }
    }

    /// A new folder with `samples` and `queries` (links to the repository's) and, unless `empty`,
    /// a copy of the store as `meshlog.db`: a clone's top folder after the README's first command.
    func workingDirectory(empty: Bool = false) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory(prefix: "meshlog-doc")
        for name in ["samples", "queries"] {
            try FileManager.default.createSymbolicLink(atPath: dir.path(name), withDestinationPath: Repository.path(name))
        }
        if !empty { try FileManager.default.copyItem(atPath: database, toPath: dir.path("meshlog.db")) }
        return dir
    }
}

extension DocExample {
    /// Runs the example in `directory` as the shell would (stdin for a pipe into meshlog, stdout
    /// to a file for `>`); `--follow` runs for a moment and is then stopped with SIGTERM.
    func run(in directory: String) throws -> MeshLogBinary.Result {
        let environment: [String: String?] = ["MESHLOG_DB": nil, "MESHLOG_TIMING": nil]
        if arguments.contains("--follow") {
            let p = try MeshLogBinary.start(arguments, environment: environment, directory: directory)
            Thread.sleep(forTimeInterval: 1.5)
            p.terminate()
            p.waitUntilExit()
            return MeshLogBinary.Result(status: p.terminationStatus, stdout: "", stderr: "")
        }
        if subcommand == "serve" {
            // A server runs until stopped: on a free port (a later --listen wins), until it answers a page.
            let server = try ServeProcess(Array(arguments.dropFirst()) + ["--listen", "127.0.0.1:0"], environment: environment,
                                          directory: directory)
            defer { server.stop() }
            let page = try String(contentsOf: URL(string: server.baseURL + "/graph")!, encoding: .utf8)
            return MeshLogBinary.Result(status: page.contains("<svg class=\"graph\"") ? 0 : 1, stdout: page, stderr: "")
        }
        let stdin = readsPipe ? FileManager.default.contents(atPath: Repository.samples + "/course-v1-czdtkp4px-2jkfm.log") : nil
        var result = runsBench ? try MeshLogBinary.runBench(arguments, directory: directory)
            : try MeshLogBinary.run(arguments, environment: environment, stdin: stdin, directory: directory)
        if let stdoutFile {
            let path = stdoutFile.hasPrefix("/") ? stdoutFile : directory + "/" + stdoutFile
            try Data(result.stdout.utf8).write(to: URL(fileURLWithPath: path))
            result.stdout = ""
        }
        if mergesStderr { result.stdout += result.stderr }
        return result
    }
}
