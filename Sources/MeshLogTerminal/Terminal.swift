#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writing to stdout and stderr, and knowing whether they are terminals.
public enum Terminal {
    public static var stderrIsTTY: Bool { isatty(2) != 0 }
    public static var stdoutIsTTY: Bool { isatty(1) != 0 }

    /// Writes to standard output.
    public static func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    /// Writes to standard error.
    public static func err(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

    /// A number with thousands separators.
    public static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// A byte count in human units.
    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }
}
