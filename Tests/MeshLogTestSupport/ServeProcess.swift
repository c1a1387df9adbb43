import Foundation

/// `meshlog serve --listen 127.0.0.1:0` running over a store, with the URL it printed; stopped by PID.
public final class ServeProcess: @unchecked Sendable {
    public let process: Process
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String

    /// Starts `meshlog serve` with `arguments` (e.g. `--db PATH`) and waits until it says where it listens.
    public init(_ arguments: [String], environment: [String: String?] = [:], directory: String? = nil) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("meshlog-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        guard let url = MeshLogBinary.url else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "meshlog is not built"]) }
        let p = Process()
        p.executableURL = url
        p.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments  // a later --listen wins
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = handle
        try p.run()
        process = p
        var found: String?
        // By the clock, up to 60 s: a loaded CI machine can take seconds to start a process.
        let deadline = Date().addingTimeInterval(60)
        while found == nil && p.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let start = text.range(of: "http://127.0.0.1:"), let end = text[start.upperBound...].firstIndex(of: "/") {
                found = String(text[start.lowerBound..<end])
            }
        }
        try? handle.close()
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        guard let found else {
            p.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "meshlog serve did not start: \(stderr)"])
        }
        baseURL = found
    }

    /// The port it listens on.
    public var port: UInt16 { UInt16(baseURL.split(separator: ":").last ?? "") ?? 0 }

    /// GETs `target` (`/graph?since=1h`): the status code and the body.
    public func get(_ target: String) throws -> (status: Int, body: String) {
        let r = try RawHTTP.get(port: port, target: target)
        return (Int(r.head.split(separator: " ").dropFirst().first ?? "") ?? 0, r.body)
    }

    /// Stops it (SIGTERM) and waits.
    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}
