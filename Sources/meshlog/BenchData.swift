import Foundation
import MeshLogCore
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
}
