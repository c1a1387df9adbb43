import Foundation
import MeshLogStore

/// `meshlog timeline`: requests, errors and exact p99 per time bucket, as a terminal bar chart or as data.
public struct TimelineReport: Sendable {
    /// The bucket width, µs.
    public let bucketMicros: Int64
    /// Every bucket from the first to the last of the window, empty ones included, oldest first.
    public let buckets: [TimelineBucket]

    /// The bucket widths `auto` chooses from.
    public static let niceBuckets: [Int64] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    ].map { $0 * 1_000_000 }

    /// The smallest nice width (1s … 1d, then whole days) giving at most `target` buckets over `span` µs.
    public static func autoBucket(span: Int64, target: Int = 60) -> Int64 {
        let wanted = max(1, (span + Int64(target) - 1) / Int64(target))
        if let nice = niceBuckets.first(where: { $0 >= wanted }) { return nice }
        let day: Int64 = 86_400_000_000
        return (wanted + day - 1) / day * day
    }

    /// Runs the query; `bucketMicros` nil picks about 60 buckets over the window.
    public init(session: AnswerSession, bucketMicros: Int64?, side: TrafficSide) throws {
        let window = session.window
        let bucket = bucketMicros ?? Self.autoBucket(span: window.map { max(1, $0.end - $0.start - 1) } ?? 60_000_000)
        self.bucketMicros = bucket
        let found = try session.reader.timeline(bucketMicros: bucket, side: side, filter: session.filter)
        guard let window else {
            buckets = found
            return
        }
        // Fill the gaps so quiet periods show as quiet.
        var byStart: [Int64: TimelineBucket] = [:]
        for b in found { byStart[b.startMicros] = b }
        let first = min(Self.floor(window.start, bucket), found.first?.startMicros ?? .max)
        let last = max(Self.floor(window.end - 1, bucket), found.last?.startMicros ?? .min)
        var out: [TimelineBucket] = []
        var t = first
        while t <= last {
            out.append(byStart[t] ?? TimelineBucket(startMicros: t, requests: 0, errors: 0, p99: nil))
            t += bucket
        }
        buckets = out
    }

    static func floor(_ t: Int64, _ bucket: Int64) -> Int64 {
        t >= 0 ? t / bucket * bucket : (t - bucket + 1) / bucket * bucket
    }

    /// The data: `bucket` (RFC 3339), `bucket_us`, `requests`, `errors`, `error_pct`, `p99_ms`.
    public func table() -> ResultTable {
        ResultTable(columns: ["bucket", "bucket_us", "requests", "errors", "error_pct", "p99_ms"], rows: buckets.map { b in
            [.text(AnswerFormat.timestamp(b.startMicros, fraction: false)), .integer(b.startMicros),
             .integer(Int64(b.requests)), .integer(Int64(b.errors)),
             .real(b.requests > 0 ? AnswerFormat.round(100 * Double(b.errors) / Double(b.requests)) : 0), SQLValue(b.p99.map { AnswerFormat.round($0, 6) })]
        })
    }

    /// A bar chart: one line per bucket with its time, requests, errors, p99 and a bar of the
    /// requests whose leading part (`▒`, red with `color`) is the errors.
    public func chart(width: Int = 50, color: Bool = false) -> String {
        guard buckets.contains(where: { $0.requests > 0 }) else { return "no requests match\n" }
        let seconds = bucketMicros % 60_000_000 != 0
        let maxRequests = buckets.map(\.requests).max() ?? 0
        let labels = buckets.map { AnswerFormat.label($0.startMicros, seconds: seconds) }
        let requests = buckets.map { String($0.requests) }
        let errors = buckets.map { String($0.errors) }
        let p99s = buckets.map { AnswerFormat.ms($0.p99) }
        let header = (labels.first.map { String(repeating: " ", count: $0.count) } ?? "", "requests", "errors", "p99 ms")
        let w0 = max(header.0.count, labels.map(\.count).max() ?? 0)
        let w1 = max(header.1.count, requests.map(\.count).max() ?? 0)
        let w2 = max(header.2.count, errors.map(\.count).max() ?? 0)
        let w3 = max(header.3.count, p99s.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = "\(pad("", w0))  \(pad(header.1, w1))  \(pad(header.2, w2))  \(pad(header.3, w3))  "
            + "bucket \(AnswerFormat.span(bucketMicros)), █ = ok, ▒ = errors (5xx or no response)\n"
        for (i, b) in buckets.enumerated() {
            var bar = ""
            if maxRequests > 0, b.requests > 0 {
                let length = max(1, Int((Double(b.requests) / Double(maxRequests) * Double(width)).rounded()))
                var errorLength = b.errors > 0 ? max(1, Int((Double(b.errors) / Double(b.requests) * Double(length)).rounded())) : 0
                errorLength = min(errorLength, length)
                let bad = String(repeating: "▒", count: errorLength)
                bar = (color && errorLength > 0 ? "\u{1B}[31m" + bad + "\u{1B}[0m" : bad)
                    + String(repeating: "█", count: length - errorLength)
            }
            out += "\(labels[i].padding(toLength: w0, withPad: " ", startingAt: 0))  \(pad(requests[i], w1))  "
                + "\(pad(errors[i], w2))  \(pad(p99s[i], w3))  \(bar)\n"
        }
        return out
    }
}
