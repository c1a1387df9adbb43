import MeshLogStore

/// `meshlog compare --expect v1=90,v2=10`: the share of hops each destination subset received, per service
/// that has the subsets named, against the weights a rollout set, with an exact two-sided binomial test per
/// subset (Benjamini-Hochberg adjusted): a rollout stuck at 100/0, or shifted to 50/50, is visible.
public struct CanarySplit: Sendable {
    /// The weights as given: subset → percent (normalised to sum to 100 in ``Row/expectedPercent``).
    public let weights: [(subset: String, weight: Double)]
    public let rows: [Row]
    /// The confidence the verdicts use (q ≤ 1 − confidence is off).
    public let confidence: Double

    /// One service and subset.
    public struct Row: Sendable, Equatable {
        public var service: String
        public var subset: String
        public var expectedPercent: Double
        /// Hops to this subset.
        public var requests: Int
        /// Hops to any subset named in the weights, for this service.
        public var total: Int
        public var observedPercent: Double
        /// Exact two-sided binomial p of `requests` out of `total` at the expected share; nil when not tested.
        public var p: Double?
        public var q: Double?
        public var verdict: Verdict
    }

    /// What a row says.
    public enum Verdict: String, Sendable {
        case asExpected = "as expected"
        case off
        case tooFew = "too few"
    }

    /// Reads `v1=90,v2=10` (weights need not sum to 100; they are normalised); nil names what is wrong.
    public static func parseWeights(_ text: String) -> Result<[(subset: String, weight: Double)], CanarySplitError> {
        var out: [(subset: String, weight: Double)] = []
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty, let w = Double(kv[1].hasSuffix("%") ? String(kv[1].dropLast()) : kv[1]), w >= 0, w.isFinite else {
                return .failure(CanarySplitError(description: "cannot read '\(part)' in --expect; use SUBSET=WEIGHT pairs such as v1=90,v2=10"))
            }
            guard !out.contains(where: { $0.subset == kv[0] }) else {
                return .failure(CanarySplitError(description: "subset '\(kv[0])' is named twice in --expect"))
            }
            out.append((kv[0], w))
        }
        guard out.count >= 2 else { return .failure(CanarySplitError(description: "--expect needs two subsets or more, as in v1=90,v2=10")) }
        guard out.reduce(0, { $0 + $1.weight }) > 0 else { return .failure(CanarySplitError(description: "--expect weights add up to 0")) }
        return .success(out)
    }

    /// Counts hops per service and destination subset over the session's window and tests them.
    public init(session: AnswerSession, weights: [(subset: String, weight: Double)], confidence: Double = 0.95, minRequests: Int = 30) throws {
        let result = try session.reader.status(keys: [.service, .subset], side: .hop, filter: session.filter)
        var counts: [String: [String: Int]] = [:]
        for g in result.groups {
            guard let service = g.keys[.service]?.string, let subset = g.keys[.subset]?.string else { continue }
            counts[service, default: [:]][subset, default: 0] += g.requests
        }
        self.init(counts: counts, weights: weights, confidence: confidence, minRequests: minRequests)
    }

    /// Tests `counts` (service → subset → hops).
    public init(counts: [String: [String: Int]], weights: [(subset: String, weight: Double)], confidence: Double = 0.95, minRequests: Int = 30) {
        self.weights = weights
        self.confidence = confidence
        let sum = weights.reduce(0) { $0 + $1.weight }
        var rows: [Row] = []
        for service in counts.keys.sorted() {
            let bySubset = counts[service]!
            // Only services that route to a subset the weights name.
            guard weights.contains(where: { bySubset[$0.subset] != nil }) else { continue }
            let total = weights.reduce(0) { $0 + (bySubset[$1.subset] ?? 0) }
            for (subset, weight) in weights {
                let n = bySubset[subset] ?? 0
                let expected = 100 * weight / sum
                let observed = total > 0 ? 100 * Double(n) / Double(total) : 0
                let tested = total >= minRequests
                rows.append(Row(service: service, subset: subset, expectedPercent: expected, requests: n, total: total,
                                observedPercent: observed, p: tested ? Self.binomialTwoSided(k: Int64(n), n: Int64(total), p: expected / 100) : nil,
                                q: nil, verdict: tested ? .asExpected : .tooFew))
            }
        }
        let tested = rows.indices.filter { rows[$0].p != nil }
        let q = Statistics.benjaminiHochberg(tested.map { rows[$0].p! })
        for (k, i) in tested.enumerated() {
            rows[i].q = q[k]
            rows[i].verdict = q[k] <= 1 - confidence ? .off : .asExpected
        }
        self.rows = rows
    }

    /// Exact two-sided binomial test: twice the smaller tail at `k`, at most 1 (an expected share of 0 or 100 %
    /// is off as soon as one hop disagrees).
    public static func binomialTwoSided(k: Int64, n: Int64, p: Double) -> Double {
        guard n > 0 else { return 1 }
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        let upper = Statistics.binomialUpperTail(n: n, p: p, atLeast: k)
        let lower = 1 - Statistics.binomialUpperTail(n: n, p: p, atLeast: k + 1)
        return min(1, 2 * min(upper, lower))
    }

    /// `service, subset, expected_pct, requests, total, observed_pct, p, q, verdict`.
    public func table() -> ResultTable {
        ResultTable(columns: ["service", "subset", "expected_pct", "requests", "total", "observed_pct", "p", "q", "verdict"], rows: rows.map { r in
            [.text(r.service), .text(r.subset), .real(AnswerFormat.round(r.expectedPercent, 2)), .integer(Int64(r.requests)),
             .integer(Int64(r.total)), .real(AnswerFormat.round(r.observedPercent, 2)), SQLValue(r.p), SQLValue(r.q), .text(r.verdict.rawValue)]
        })
    }
}

/// A `--expect` value that cannot be read.
public struct CanarySplitError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
