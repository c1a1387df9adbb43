/// Finds an access log inside a line, after someone else's prefix.
///
/// Log shippers and cloud consoles put their own text first, as a Cloud Logging text export's
/// `INFO 2024-03-25T08:56:41.897Z [resource.labels.containerName: istio-proxy] [2024-03-25T…`.
public enum EmbeddedAccessLog {
    /// At most this many places inside a line are tried as the start of an access log.
    public static let maxStarts = 8
    /// Starts are looked for this far into a line.
    public static let startWindow = 2048

    /// Calls `body` with each place where an access log may start in `line` until it returns true.
    ///
    /// A start is a `[` followed by an ISO-8601 date and `T` (`[2024-03-25T…`), or a `{`, after the
    /// line's first byte: the first `maxStarts` within `startWindow` bytes. Returns whether `body` did.
    public static func forEachStart(in line: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Bool) -> Bool {
        let end = min(line.count, startWindow)
        var tried = 0
        var i = 1
        while i < end, tried < maxStarts {
            let c = line[i]
            if c == UInt8(ascii: "{") || (c == UInt8(ascii: "[") && isISODate(line, i + 1) && i + 11 < line.count && line[i + 11] == UInt8(ascii: "T")) {
                if body(i) { return true }
                tried += 1
            }
            i += 1
        }
        return false
    }

    /// The first RFC 3339 time in `prefix` (a token such as `2024-03-25T08:56:41.897522475Z`), in UTC microseconds.
    public static func time(in prefix: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        while i + 19 <= prefix.count {
            if isISODate(prefix, i), i == 0 || prefix[i - 1] &- 48 >= 10 {
                var e = i + 10
                while e < prefix.count, prefix[e] != 32, prefix[e] != 9, prefix[e] != UInt8(ascii: "]"), prefix[e] != 34 { e += 1 }
                if let micros = StartTimePattern.parseRFC3339(prefix, i, e) { return micros }
            }
            i += 1
        }
        return nil
    }

    /// Whether `line` has `dddd-dd-dd` at `i`.
    private static func isISODate(_ line: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i + 10 <= line.count else { return false }
        for k in [0, 1, 2, 3, 5, 6, 8, 9] where line[i + k] &- 48 >= 10 { return false }
        return line[i + 4] == 45 && line[i + 7] == 45
    }

    /// The first place after the first byte of `line` where an access log may start, or nil.
    public static func firstStart(in line: UnsafeBufferPointer<UInt8>) -> Int? {
        var first: Int?
        _ = forEachStart(in: line) { first = $0; return true }
        return first
    }
}
