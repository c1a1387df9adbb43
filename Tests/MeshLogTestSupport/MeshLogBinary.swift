import Foundation

/// The built `meshlog` executable (and `meshlog-bench` beside it), run as a user would.
public enum MeshLogBinary {
    /// `meshlog` beside the test bundle (or in `.build/debug`), nil when it was not built.
    public static let url: URL? = locate("meshlog")
    /// `meshlog-bench`, the benchmark tool, found the same way.
    public static let benchURL: URL? = locate("meshlog-bench")

    /// The executable called `name` beside the test bundle or in `.build/debug`.
    private static func locate(_ name: String) -> URL? {
        var candidates: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: arg0).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent(name))
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates.append(Repository.root.appendingPathComponent(".build/debug/\(name)"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `meshlog-bench` with `arguments` and waits for it.
    public static func runBench(_ arguments: [String], directory: String? = nil) throws -> Result {
        try run(arguments, executable: benchURL, directory: directory)
    }

    /// What a finished run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `meshlog` with `arguments` and waits for it.
    ///
    /// - Parameters:
    ///   - environment: variables set on top of this process's (a nil value removes one).
    ///   - stdin: bytes written to its standard input (closed after them).
    ///   - directory: its working directory.
    public static func run(_ arguments: [String], environment: [String: String?] = [:], stdin: Data? = nil,
                           directory: String? = nil) throws -> Result {
        try run(arguments, executable: url, environment: environment, stdin: stdin, directory: directory)
    }

    private static func run(_ arguments: [String], executable: URL?, environment: [String: String?] = [:], stdin: Data? = nil,
                            directory: String?) throws -> Result {
        let p = try process(arguments, executable: executable, environment: environment, directory: directory)
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        // Read both pipes while the process runs: a full pipe would block it.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `meshlog` with `arguments`, output to /dev/null; the caller waits or signals it.
    public static func start(_ arguments: [String], environment: [String: String?] = [:], directory: String? = nil) throws -> Process {
        let p = try process(arguments, executable: url, environment: environment, directory: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    private static func process(_ arguments: [String], executable: URL?, environment: [String: String?],
                                directory: String?) throws -> Process {
        guard let url = executable else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "meshlog is not built"])
        }
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        return p
    }
}
