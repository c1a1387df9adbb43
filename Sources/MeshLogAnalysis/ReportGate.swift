import Foundation
import MeshLogStore

/// A CI gate for `meshlog report --fail-if`: `error_rate > 1%`, `p99 > 500ms`, `new_errors > 0`.
///
/// Metrics: `error_rate` (percent of hops failing: 5xx or no response), `p99` and `p50` (ms, of
/// requests entering the mesh, or of the `--edge`'s caller side), `requests`, `errors`,
/// `new_errors` (failure signatures not seen in the baseline), `vanished_edges`, `new_edges`, and
/// `overhead_p50`, `overhead_p90`, `overhead_p99` (ms of client − server time: both sidecars, mTLS and the
/// network; the worst edge's, or the `--edge`'s).
/// Operators `>`, `>=`, `<`, `<=`; values may carry `%`, `ms` or `s`.
public struct ReportGate: Sendable, Equatable {
    public enum Metric: String, CaseIterable, Sendable {
        case errorRate = "error_rate", p99, p50, requests, errors, newErrors = "new_errors"
        case vanishedEdges = "vanished_edges", newEdges = "new_edges"
        case overheadP50 = "overhead_p50", overheadP90 = "overhead_p90", overheadP99 = "overhead_p99"

        /// The overhead percentile this metric reads, for the three overhead metrics.
        var overhead: KeyPath<LatencySummary, Double?>? {
            switch self {
            case .overheadP50: \.p50
            case .overheadP90: \.p90
            case .overheadP99: \.p99
            default: nil
            }
        }
    }

    public var metric: Metric
    public var op: String
    public var threshold: Double
    public var text: String

    /// Parses `metric op value`; the error says what is allowed.
    public init(parsing text: String) throws {
        let pattern = /^\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)?)\s*(%|ms|s)?\s*$/
        guard let m = text.wholeMatch(of: pattern) else {
            throw ReportGateError.unreadable(text)
        }
        guard let metric = Metric(rawValue: String(m.1)) else { throw ReportGateError.unknownMetric(String(m.1)) }
        var value = Double(m.3) ?? 0
        if m.4 == "s" { value *= 1000 }
        self.metric = metric
        self.op = String(m.2)
        self.threshold = value
        self.text = text.trimmingCharacters(in: .whitespaces)
    }

    /// The metric's value in `report` (for `edge`, that edge's numbers), or nil when it has none.
    public func value(in report: DailyReport, edge: String?) -> Double? {
        if let edge {
            guard let e = report.edges.first(where: { HopsReport.label($0) == edge || Self.compact(HopsReport.label($0)) == Self.compact(edge) })
            else { return nil }
            switch metric {
            case .errorRate: return e.requests > 0 ? 100 * Double(e.errors) / Double(e.requests) : 0
            case .p99: return e.client.p99 ?? e.server.p99
            case .p50: return e.client.p50 ?? e.server.p50
            case .requests: return Double(e.requests)
            case .errors: return Double(e.errors)
            case .newErrors:
                return Double(report.newSignatures.filter { $0.signature.service == e.service }.reduce(0) { $0 + $1.requests })
            case .vanishedEdges, .newEdges: return nil
            case .overheadP50, .overheadP90, .overheadP99: return e.overhead[keyPath: metric.overhead!]
            }
        }
        if let path = metric.overhead { return worstOverhead(in: report, path)?.value }
        let h = report.headline
        switch metric {
        case .errorRate: return h.errorRate
        case .p99: return h.entryP99
        case .p50: return h.entryP50
        case .requests: return Double(h.requests)
        case .errors: return Double(h.errors)
        case .newErrors: return Double(report.newSignatures.reduce(0) { $0 + $1.requests })
        case .vanishedEdges: return Double(report.vanishedEdges.count)
        case .newEdges: return Double(report.newEdges.count)
        case .overheadP50, .overheadP90, .overheadP99: return nil
        }
    }

    /// The edge with the largest overhead percentile `path`, and its value.
    func worstOverhead(in report: DailyReport, _ path: KeyPath<LatencySummary, Double?>) -> (edge: String, value: Double)? {
        report.edges.compactMap { e in e.overhead[keyPath: path].map { (HopsReport.label(e), $0) } }.max { $0.1 < $1.1 }
    }

    /// The edge a gate's value comes from when no `--edge` was given (the worst edge, for the overhead metrics).
    public func edge(in report: DailyReport) -> String? {
        metric.overhead.flatMap { worstOverhead(in: report, $0)?.edge }
    }

    /// Whether the gate holds (the job should fail), with the value it saw.
    public func holds(in report: DailyReport, edge: String?) -> (holds: Bool, value: Double?) {
        guard let v = value(in: report, edge: edge) else { return (false, nil) }
        let holds = switch op {
        case ">": v > threshold
        case ">=": v >= threshold
        case "<": v < threshold
        default: v <= threshold
        }
        return (holds, v)
    }

    /// `a -> b` and `a → b` spelled the same, spaces ignored.
    static func compact(_ s: String) -> String {
        s.replacingOccurrences(of: "->", with: "→").replacingOccurrences(of: " ", with: "")
    }
}

/// A `--fail-if` that cannot be read.
public enum ReportGateError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case unknownMetric(String)

    public var description: String {
        switch self {
        case .unreadable(let t):
            "cannot read --fail-if '\(t)': write METRIC OP VALUE, e.g. 'error_rate > 1%', 'p99 > 500ms', 'new_errors > 0'"
        case .unknownMetric(let m):
            "unknown metric '\(m)' in --fail-if; use one of \(ReportGate.Metric.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
