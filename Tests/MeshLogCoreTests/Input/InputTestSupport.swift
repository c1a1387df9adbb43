import Foundation
import MeshLogTestSupport
@testable import MeshLogCore

/// Helpers shared by the input-layer tests: temporary directories, files, external tools.
enum InputTestSupport {
    /// Creates a fresh temporary directory and returns its path.
    /// Runs `body` with a fresh temporary directory, removed afterwards.
    @discardableResult
    static func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
        let dir = try TemporaryDirectory(prefix: "meshlog-input")
        return try body(dir.path)
    }

    /// Writes `bytes` to `path`, creating parent directories.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes `text` to `path` as UTF-8.
    static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// The bytes of the file at `path`.
    static func contents(of path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `/usr/bin/<tool>` with `arguments` in `directory`; throws unless it exits 0.
    static func run(_ tool: String, _ arguments: [String], in directory: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw ToolFailed(description: "\(tool) \(arguments) exited with \(process.terminationStatus)")
        }
    }

    /// Gzips `path` into `path + ".gz"` with the gzip tool (keeping the original) and returns
    /// the new path.
    @discardableResult
    static func gzip(_ path: String) throws -> String {
        try run("gzip", ["-k", "-f", path])
        return path + ".gz"
    }

    /// Deterministic log-like text: `count` lines of varying length.
    static func sampleLog(lines count: Int, seed: UInt64 = 1) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count * 120)
        for i in 0..<count {
            let status = [200, 200, 200, 404, 503][Int(generator.next() % 5)]
            let length = Int(generator.next() % 200)
            let line = "[2024-05-01T10:00:\(i % 60)Z] \"GET /api/v1/item/\(generator.next() % 100_000) HTTP/1.1\" \(status) "
                + String(repeating: "x", count: length) + " \(generator.next())\n"
            out.append(contentsOf: line.utf8)
        }
        return out
    }

    /// Reads a whole stream, returning the bytes and the error that ended it, if any.
    static func drain(_ stream: ByteStream, chunk: Int = 1 << 16) -> (bytes: [UInt8], error: Error?) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            do {
                let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
                if n == 0 { return (out, nil) }
                out.append(contentsOf: buffer[..<n])
            } catch {
                return (out, error)
            }
        }
    }

    /// All lines of `reader` as byte arrays, and the oversized lines reported.
    static func lines(
        of reader: LineReader
    ) throws -> (lines: [[UInt8]], numbers: [Int], oversized: [(number: Int, prefix: [UInt8], length: Int)]) {
        var lines: [[UInt8]] = []
        var numbers: [Int] = []
        var oversized: [(number: Int, prefix: [UInt8], length: Int)] = []
        try reader.forEachLine { line, number in
            lines.append(Array(line))
            numbers.append(number)
            return true
        } oversized: { number, prefix, length in
            oversized.append((number, Array(prefix), length))
        }
        return (lines, numbers, oversized)
    }

    /// Splits `text` into lines the way `LineReader` is specified to (a reference model).
    static func referenceLines(_ bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == 0x0A {
                if current.last == 0x0D { current.removeLast() }
                result.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty {
            if current.last == 0x0D { current.removeLast() }
            result.append(current)
        }
        return result
    }
}

