import MeshLogGenerate
import Foundation
import MeshLogTestSupport
@testable import MeshLogCore

/// Helpers shared by the generator tests: cached runs, a positional splitter for text lines, temp directories.
enum GeneratorTestSupport {
    /// Generates requests (arrival order) for the learning platform.
    static func requests(lines: Int, seed: UInt64 = 42, format: GeneratedLogFormat = .istio,
                         errorRateScale: Double = 1, durationSeconds: Double = 3600) -> [GeneratedRequest] {
        let options = GeneratorOptions(lines: lines, seed: seed, durationSeconds: durationSeconds,
                                       errorRateScale: errorRateScale, format: format)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var out: [GeneratedRequest] = []
        while let request = generator.nextRequest() { out.append(request) }
        return out
    }

    /// All lines of a run in completion order.
    static func completionOrderedLines(lines: Int, seed: UInt64 = 42, format: GeneratedLogFormat = .istio,
                                       errorRateScale: Double = 1) -> [GeneratedLine] {
        let options = GeneratorOptions(lines: lines, seed: seed, errorRateScale: errorRateScale, format: format)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var out: [GeneratedLine] = []
        generator.forEachLineInCompletionOrder { out.append($0) }
        return out
    }

    /// A failure-heavy run shared by the failure tests (computed once).
    static let failureRun: [GeneratedRequest] = requests(lines: 60_000, seed: 99, errorRateScale: 25)

    /// A default-rate run shared by the timing tests (computed once).
    static let normalRun: [GeneratedRequest] = requests(lines: 80_000, seed: 5)

    /// Splits a text access-log line into its bracketed time and the fields after it; quoted fields lose their quotes.
    ///
    /// Fields are separated by single spaces; a field starting with `"` runs to the next `" ` (or the final `"`).
    static func fields(_ line: String) -> (time: String, fields: [String])? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let time = String(line[line.index(after: line.startIndex)..<close])
        var rest = line[line.index(after: close)...]
        guard rest.first == " " else { return nil }
        rest = rest.dropFirst()
        var out: [String] = []
        while !rest.isEmpty {
            if rest.first == "\"" {
                let body = rest.dropFirst()
                if let end = body.range(of: "\" ") {
                    out.append(String(body[..<end.lowerBound]))
                    rest = body[end.upperBound...]
                } else if body.last == "\"" {
                    out.append(String(body.dropLast()))
                    rest = ""
                } else {
                    return nil
                }
            } else if let space = rest.firstIndex(of: " ") {
                out.append(String(rest[..<space]))
                rest = rest[rest.index(after: space)...]
            } else {
                out.append(String(rest))
                rest = ""
            }
        }
        return (time, out)
    }

    /// Named fields of an Istio 1.9+ TEXT line (formats.md 2.1).
    struct IstioFields {
        let requestLine: String
        let code: String
        let flags: String
        let details: String
        let duration: String
        let upstreamServiceTime: String
        let requestID: String
        let upstreamHost: String
        let cluster: String
        let upstreamLocal: String
        let downstreamLocal: String
        let downstreamRemote: String
        let serverName: String
        let route: String

        init?(_ line: String) {
            guard let parsed = GeneratorTestSupport.fields(line), parsed.fields.count == 21 else { return nil }
            let f = parsed.fields
            requestLine = f[0]
            code = f[1]
            flags = f[2]
            details = f[3]
            duration = f[8]
            upstreamServiceTime = f[9]
            requestID = f[12]
            upstreamHost = f[14]
            cluster = f[15]
            upstreamLocal = f[16]
            downstreamLocal = f[17]
            downstreamRemote = f[18]
            serverName = f[19]
            route = f[20]
        }
    }

    /// The `p`-th percentile (0…1) of `values` (nearest rank).
    static func percentile(_ values: [Int64], _ p: Double) -> Int64 {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// Runs `body` with a fresh temporary directory, removed afterwards.
    static func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
        let dir = try TemporaryDirectory(prefix: "meshlog-generate")
        return try body(dir.path)
    }

    /// Decompresses a gzip file with the system `gzip -dc`.
    static func gunzip(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
