import Foundation
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

    /// Generates `lines` Istio lines into `dir` (cached by line count) and returns the path.
    static func generate(lines: Int, into dir: String) throws -> String {
        throw CommandFailure("generating bench data needs `meshlog generate`; pass --input FILE meanwhile")
    }
}
