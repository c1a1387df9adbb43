import Foundation
import MeshLogTerminal
import MeshLogCore
import MeshLogGenerate
#if canImport(Glibc)
import Glibc
#endif

/// Data and measurements for `meshlog bench`.
enum BenchData {
    /// Peak resident set size of this process, in MB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Generates `lines` Istio lines over one day into `dir` (kept for later runs) and returns the path.
    static func generate(lines: Int, gzip: Bool, into dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent("istio-\(lines)\(gzip ? ".log.gz" : ".log")")
        if FileManager.default.fileExists(atPath: path) { return path }
        let options = GeneratorOptions(lines: lines, seed: 42, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 86_400, errorRateScale: 1, format: .istio, diurnal: true)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        let partial = path + ".partial"
        let writer = try GeneratedLogWriter(path: partial, gzip: gzip)
        try generator.forEachLineInCompletionOrder { try writer.write($0.text) }
        try writer.finish()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// Generates `lines` Istio lines over one day as a cluster dump into `dir` (kept for later
    /// runs) and returns its path: a tar.gz laid out like `/var/log/pods`, one CRI-wrapped
    /// `istio-proxy/0.log` per pod, each line stamped with the time its sidecar wrote it.
    static func generateBundle(lines: Int, into dir: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent("bundle-\(lines).tar.gz")
        if FileManager.default.fileExists(atPath: path) { return path }
        let staging = path + ".staging"
        try? FileManager.default.removeItem(atPath: staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let options = GeneratorOptions(lines: lines, seed: 42, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 86_400, errorRateScale: 1, format: .istio, diurnal: true)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var writers: [String: GeneratedLogWriter] = [:]
        try generator.forEachLineInCompletionOrder { line in
            let writer: GeneratedLogWriter
            if let known = writers[line.pod] {
                writer = known
            } else {
                let folder = "\(staging)/var/log/pods/\(line.namespace)_\(line.pod)_6f1c2d3e-8a4b-4c1d-9e2f-\(String(format: "%012d", writers.count))/istio-proxy"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                writer = try GeneratedLogWriter(path: folder + "/0.log", gzip: false, flushThreshold: 256 << 10)
                writers[line.pod] = writer
            }
            try writer.write("\(criTime(line.endTimeMicros)) stdout F \(line.text)")
        }
        for writer in writers.values { try writer.finish() }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-czf", path + ".partial", "-C", staging, "var"]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw CommandFailure("tar failed making \(path)") }
        try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
        return path
    }

    /// A CRI log time: RFC 3339 with nanoseconds (`2026-11-25T10:00:00.123456000Z`).
    static func criTime(_ micros: Int64) -> String {
        var seconds = time_t(micros / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d000Z", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(micros % 1_000_000))
    }
}
