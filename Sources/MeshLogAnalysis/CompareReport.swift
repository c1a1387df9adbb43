import Foundation
import MeshLogStore

/// One side of a comparison: a window (and the shared service filter) and optionally some destination subsets.
public struct CompareSide: Sendable, Equatable {
    /// Which hops: the window, the services, and whether to read every line.
    public var filter: AnswerFilter
    /// Only hops to these destination subsets (a canary's `v2`); nil: every subset.
    public var subsets: [String]?

    public init(filter: AnswerFilter, subsets: [String]? = nil) {
        self.filter = filter
        self.subsets = subsets
    }

    /// A short description: `2026-11-25T00:00:00Z … 2026-11-26T00:00:00Z, subset v2`.
    public var label: String {
        var parts: [String] = []
        if filter.sinceMicros != nil || filter.untilMicros != nil {
            parts.append((filter.sinceMicros.map { AnswerFormat.timestamp($0, fraction: false) } ?? "start") + " … "
                + (filter.untilMicros.map { AnswerFormat.timestamp($0, fraction: false) } ?? "end"))
        }
        if let subsets { parts.append("subset " + subsets.joined(separator: ",")) }
        return parts.isEmpty ? "everything" : parts.joined(separator: ", ")
    }
}

/// Problems with the options of `meshlog compare`.
public enum CompareOptionError: Error, CustomStringConvertible, Sendable {
    case badDay(option: String, value: String)
    case badTime(option: String, value: String)
    case dayAndWindow(side: String)
    case nothingToCompare
    case halfCanary
    case emptyWindow(side: String)

    public var description: String {
        switch self {
        case .badDay(let option, let value): "cannot read \(option) '\(value)': use a UTC day, YYYY-MM-DD"
        case .badTime(let option, let value):
            "cannot read \(option) '\(value)': use RFC 3339 (2026-11-25T10:00:00Z) or a span before the newest line (2h, 30m, 1d)"
        case .dayAndWindow(let side): "use --\(side) or --\(side)-since/--\(side)-until, not both"
        case .nothingToCompare:
            "say what to compare: --baseline DAY --candidate DAY, --baseline-since/--candidate-since windows, or --baseline-subset/--candidate-subset"
        case .halfCanary: "--baseline-subset and --candidate-subset go together"
        case .emptyWindow(let side): "the \(side) window is empty (its end is not after its start)"
        }
    }
}

/// The sides of a comparison as the options give them, resolved against a store.
public struct CompareRequest: Sendable {
    public var baselineDay: String?
    public var candidateDay: String?
    public var baselineSince: String?
    public var baselineUntil: String?
    public var candidateSince: String?
    public var candidateUntil: String?
    /// Subset names (commas allowed).
    public var baselineSubsets: [String] = []
    public var candidateSubsets: [String] = []

    public init(baselineDay: String? = nil, candidateDay: String? = nil, baselineSince: String? = nil, baselineUntil: String? = nil,
                candidateSince: String? = nil, candidateUntil: String? = nil, baselineSubsets: [String] = [], candidateSubsets: [String] = []) {
        self.baselineDay = baselineDay
        self.candidateDay = candidateDay
        self.baselineSince = baselineSince
        self.baselineUntil = baselineUntil
        self.candidateSince = candidateSince
        self.candidateUntil = candidateUntil
        self.baselineSubsets = baselineSubsets
        self.candidateSubsets = candidateSubsets
    }

    /// The two sides. A side without its own day or window uses the session's `--since`/`--until`;
    /// both sides share its services and `--exact`.
    public func resolve(_ session: AnswerSession) throws -> (baseline: CompareSide, candidate: CompareSide) {
        let newest = session.span?.last ?? 0
        func names(_ list: [String]) -> [String]? {
            let n = list.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return n.isEmpty ? nil : n
        }
        let baseSubsets = names(baselineSubsets)
        let candSubsets = names(candidateSubsets)
        if (baseSubsets == nil) != (candSubsets == nil) { throw CompareOptionError.halfCanary }
        func side(_ name: String, day: String?, since: String?, until: String?, subsets: [String]?) throws -> (CompareSide, Bool) {
            var filter = session.filter
            var own = false
            if let day {
                guard since == nil, until == nil else { throw CompareOptionError.dayAndWindow(side: name) }
                guard day.count == 10, let start = TimeExpression.parseRFC3339(day) else {
                    throw CompareOptionError.badDay(option: "--\(name)", value: day)
                }
                filter.sinceMicros = start
                filter.untilMicros = start + 86_400_000_000
                own = true
            } else if since != nil || until != nil {
                let window: TimeWindow
                do {
                    window = try TimeWindow(since: since, until: until, newest: newest,
                                            sinceOption: "--\(name)-since", untilOption: "--\(name)-until")
                } catch .badTime(let option, let value) {
                    throw CompareOptionError.badTime(option: option, value: value)
                } catch {
                    throw CompareOptionError.emptyWindow(side: name)
                }
                filter.sinceMicros = window.sinceMicros
                filter.untilMicros = window.untilMicros
                own = true
            }
            if let s = filter.sinceMicros, let u = filter.untilMicros, u <= s { throw CompareOptionError.emptyWindow(side: name) }
            return (CompareSide(filter: filter, subsets: subsets), own)
        }
        let (baseline, baselineOwn) = try side("baseline", day: baselineDay, since: baselineSince, until: baselineUntil, subsets: baseSubsets)
        let (candidate, candidateOwn) = try side("candidate", day: candidateDay, since: candidateSince, until: candidateUntil, subsets: candSubsets)
        if baseSubsets == nil, !baselineOwn || !candidateOwn { throw CompareOptionError.nothingToCompare }
        return (baseline, candidate)
    }
}

/// `meshlog compare`: a baseline against a candidate, per edge, route or service, with tests.
///
/// Per row: requests and error rate on each side with a pooled two-proportion z-test; p50, p90
/// and p99 on each side with 95 % bootstrap intervals (``Statistics/bootstrapPercentileCI(_:fraction:confidence:)``);
/// a Mann-Whitney U test for a shift in latency with its rank-biserial correlation
/// r = 2·P(candidate > baseline) + P(tie) − 1 as effect size. Every p-value of every row goes
/// through one Benjamini-Hochberg adjustment; a row is `worse` when an adjusted test at
/// 1 − confidence says the candidate fails more often or is slower (`better` for the reverse,
/// `worse` winning when both hold), else `no change`. Rows with fewer than `minRequests` hops on
/// either side say `too few` and run no test; `new` and `vanished` rows have hops on one side only.
/// The error test also needs the textbook n·p̂ ≥ 5 and n·(1 − p̂) ≥ 5 on both sides, else it is not run.
/// Rows are sorted by impact: the change in mean latency times the candidate's hops (seconds
/// of waiting added), largest first.
public struct CompareReport: Sendable {
    /// The verdict on one row.
    public enum Verdict: String, Sendable, CaseIterable {
        case worse
        case better
        case noChange = "no change"
        case tooFew = "too few"
        case new
        case vanished
    }

    /// One percentile on both sides, with bootstrap intervals.
    public struct PercentilePair: Sendable {
        public var fraction: Double
        public var baseline: Double?
        public var baselineCI: Statistics.Interval?
        public var candidate: Double?
        public var candidateCI: Statistics.Interval?
    }

    /// One compared group.
    public struct Row: Sendable {
        public var source: String?
        public var service: String?
        public var subset: String?
        public var route: String?
        public var baseline: CompareGroup?
        public var candidate: CompareGroup?
        public var errorTest: Statistics.ProportionTest?
        /// The Benjamini-Hochberg adjusted p-value of the error test.
        public var errorQ: Double?
        public var latencyTest: Statistics.MannWhitney?
        /// The Benjamini-Hochberg adjusted p-value of the latency test.
        public var latencyQ: Double?
        public var percentiles: [PercentilePair]
        /// Failing status codes seen on the candidate side but not on the baseline side.
        public var newErrorCodes: [Int]
        /// (candidate mean − baseline mean) × candidate hops, in seconds (a new row: all its time; vanished: minus the baseline's).
        public var impactSeconds: Double
        public var verdict: Verdict
        /// What decided the verdict, in words.
        public var reasons: [String]

        public var baselineRequests: Int { baseline?.requests ?? 0 }
        public var candidateRequests: Int { candidate?.requests ?? 0 }
        public var baselineErrorRate: Double? { baseline.map { Double($0.errors) / Double(max(1, $0.requests)) } }
        public var candidateErrorRate: Double? { candidate.map { Double($0.errors) / Double(max(1, $0.requests)) } }
    }

    public let grouping: CompareGrouping
    public let baseline: CompareSide
    public let candidate: CompareSide
    public let confidence: Double
    public let minRequests: Int
    /// Whether the sides are subsets (canary mode): edges then leave the subset out.
    public var isCanary: Bool { baseline.subsets != nil }
    /// The rows, by impact.
    public let rows: [Row]
    /// The number of tests run (the size of the Benjamini-Hochberg family).
    public let testsRun: Int
    /// Where failing requests started in the candidate window and never in the baseline window (``FailureOrigins``,
    /// an origin being its service, subset, status, flags and details: its pods merged), most requests first.
    public let newOrigins: [FailureOrigins.Row]
    /// When new failure origins were asked for but not looked for because a side holds more hops than the budget:
    /// the larger side's hops and the budget.
    public let originsSkipped: (hops: Int, budget: Int)?
    /// New failure origins are looked for only when neither window holds more hops than this: finding and following
    /// every failing request of a busy day takes seconds (`meshlog why` on each window does it), a comparison from
    /// the summaries well under one.
    public static let originHopBudget = 500_000

    /// The percentiles shown.
    public static let fractions = [0.5, 0.9, 0.99]

    /// Reads both sides and compares them; with `traces` (the same store), and two windows rather than subsets, also
    /// the failure origins new in the candidate window.
    public init(reader: any AnswerReader, baseline: CompareSide, candidate: CompareSide, by grouping: CompareGrouping = .edge,
                confidence: Double = 0.95, minRequests: Int = 30, traces: (any TraceReader)? = nil,
                originHopBudget: Int = CompareReport.originHopBudget) throws {
        let base = try reader.compareGroups(by: grouping, filter: baseline.filter, subsets: baseline.subsets)
        let cand = try reader.compareGroups(by: grouping, filter: candidate.filter, subsets: candidate.subsets)
        let hops = max(base.reduce(0) { $0 + $1.requests }, cand.reduce(0) { $0 + $1.requests })
        let asked = traces != nil && baseline.subsets == nil
        let origins = try traces.map { asked && hops <= originHopBudget ? try Self.newOrigins(reader: $0, baseline: baseline, candidate: candidate) : [] }
        self.init(baselineGroups: base, candidateGroups: cand, baseline: baseline, candidate: candidate, by: grouping,
                  confidence: confidence, minRequests: minRequests, newOrigins: origins ?? [],
                  originsSkipped: asked && hops > originHopBudget ? (hops, originHopBudget) : nil)
    }

    /// Compares groups already read (for tests and other front ends).
    public init(baselineGroups: [CompareGroup], candidateGroups: [CompareGroup], baseline: CompareSide, candidate: CompareSide,
                by grouping: CompareGrouping = .edge, confidence: Double = 0.95, minRequests: Int = 30,
                newOrigins: [FailureOrigins.Row] = [], originsSkipped: (hops: Int, budget: Int)? = nil) {
        self.newOrigins = newOrigins
        self.originsSkipped = originsSkipped
        self.grouping = grouping
        self.baseline = baseline
        self.candidate = candidate
        self.confidence = confidence
        self.minRequests = minRequests
        func key(_ g: CompareGroup) -> [String?] { [g.source, g.service, g.subset, g.route] }
        var keys: [[String?]] = []
        var b: [[String?]: CompareGroup] = [:]
        var c: [[String?]: CompareGroup] = [:]
        for g in baselineGroups { if b[key(g)] == nil { keys.append(key(g)) }; b[key(g)] = g }
        for g in candidateGroups { if b[key(g)] == nil && c[key(g)] == nil { keys.append(key(g)) }; c[key(g)] = g }

        var rows: [Row] = keys.map { k in
            Self.row(key: k, baseline: b[k], candidate: c[k], minRequests: minRequests, confidence: confidence)
        }
        // One Benjamini-Hochberg family: every test of every row.
        var ps: [Double] = []
        for r in rows {
            if let t = r.errorTest { ps.append(t.p) }
            if let t = r.latencyTest { ps.append(t.p) }
        }
        let qs = Statistics.benjaminiHochberg(ps)
        var next = 0
        let alpha = 1 - confidence
        for i in rows.indices {
            if rows[i].errorTest != nil { rows[i].errorQ = qs[next]; next += 1 }
            if rows[i].latencyTest != nil { rows[i].latencyQ = qs[next]; next += 1 }
            Self.decide(&rows[i], alpha: alpha)
        }
        testsRun = ps.count
        self.rows = rows.sorted { x, y in
            if x.impactSeconds != y.impactSeconds { return x.impactSeconds > y.impactSeconds }
            return (x.source ?? "", x.service ?? "", x.subset ?? "", x.route ?? "") < (y.source ?? "", y.service ?? "", y.subset ?? "", y.route ?? "")
        }
    }

    /// The origins of the candidate window's failing requests that none of the baseline window's has, an origin
    /// being its service, subset, status, flags and details (the rows of its pods merged: their requests summed, the
    /// chain and pod of the largest, the first and last of all).
    static func newOrigins(reader: any TraceReader, baseline: CompareSide, candidate: CompareSide) throws -> [FailureOrigins.Row] {
        func origins(_ side: CompareSide) throws -> FailureOrigins {
            let services = (side.filter.services ?? []).flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            return try FailureOrigins(reader: reader, sinceUs: side.filter.sinceMicros, untilUs: side.filter.untilMicros, services: services)
        }
        func key(_ o: FailureOrigins.Origin) -> [String] { [o.service, o.subset ?? "", o.status, o.flags, o.details ?? ""] }
        let known = Set(try origins(baseline).rows.map { key($0.origin) })
        var merged: [[String]: FailureOrigins.Row] = [:]
        var order: [[String]] = []
        for row in try origins(candidate).rows where !known.contains(key(row.origin)) {
            let k = key(row.origin)
            guard var m = merged[k] else { merged[k] = row; order.append(k); continue }
            m.requests += row.requests
            m.firstUs = min(m.firstUs, row.firstUs)
            m.lastUs = max(m.lastUs, row.lastUs)
            if m.origin.pod != row.origin.pod { m.origin.pod = nil }
            merged[k] = m
        }
        // Rows come most requests first, so each key's first row is its largest; sort again by the sums.
        return order.enumerated().sorted { a, b in
            (merged[a.element]!.requests, b.offset) > (merged[b.element]!.requests, a.offset)
        }.map { merged[$0.element]! }
    }

    /// `payment v1 503 UF upstream_reset_before_response_started{connection_failure}`: an origin in one line.
    static func originText(_ o: FailureOrigins.Origin) -> String {
        [o.service, o.subset ?? "", o.status, o.flags, o.details ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// How a new origin's failures travelled and when, for the `reason` of its row.
    static func originReason(_ r: FailureOrigins.Row) -> String {
        "new failure origin: \(r.requests) failing requests started at \(originText(r.origin))"
            + (r.origin.pod.map { " (pod \($0))" } ?? "") + "; chain \(r.chain.joined(separator: " → ")); first "
            + AnswerFormat.timestamp(r.firstUs) + ", last " + AnswerFormat.timestamp(r.lastUs)
    }

    /// A row with its tests run (verdict still open for the tests, decided for the rest).
    static func row(key: [String?], baseline: CompareGroup?, candidate: CompareGroup?, minRequests: Int, confidence: Double) -> Row {
        let percentiles = fractions.map { f in
            PercentilePair(
                fraction: f,
                baseline: baseline?.durations.percentile(f),
                baselineCI: baseline.flatMap { Statistics.bootstrapPercentileCI($0.durations, fraction: f, confidence: confidence) },
                candidate: candidate?.durations.percentile(f),
                candidateCI: candidate.flatMap { Statistics.bootstrapPercentileCI($0.durations, fraction: f, confidence: confidence) })
        }
        let baseCodes = Set(baseline?.errorCodes.keys.map { $0 } ?? [])
        let newCodes = (candidate?.errorCodes.keys.filter { !baseCodes.contains($0) } ?? []).sorted()
        let bMean = baseline.flatMap { Statistics.mean($0.durations) }
        let cMean = candidate.flatMap { Statistics.mean($0.durations) }
        let impact: Double
        switch (bMean, cMean) {
        case let (b?, c?): impact = (c - b) * Double(candidate?.requests ?? 0) / 1000
        case (nil, let c?): impact = c * Double(candidate?.requests ?? 0) / 1000
        case (let b?, nil): impact = -b * Double(baseline?.requests ?? 0) / 1000
        default: impact = 0
        }
        var row = Row(source: key[0], service: key[1], subset: key[2], route: key[3], baseline: baseline, candidate: candidate,
                      percentiles: percentiles, newErrorCodes: newCodes, impactSeconds: impact, verdict: .noChange, reasons: [])
        guard let baseline, baseline.requests > 0 else { row.verdict = .new; return row }
        guard let candidate, candidate.requests > 0 else { row.verdict = .vanished; return row }
        if baseline.requests < minRequests || candidate.requests < minRequests {
            row.verdict = .tooFew
            row.reasons = ["fewer than \(minRequests) hops on a side"]
            return row
        }
        if Statistics.proportionTestApplies(x1: baseline.errors, n1: baseline.requests, x2: candidate.errors, n2: candidate.requests) {
            row.errorTest = Statistics.twoProportionZ(x1: baseline.errors, n1: baseline.requests, x2: candidate.errors, n2: candidate.requests)
        }
        if baseline.durations.total >= Int64(minRequests), candidate.durations.total >= Int64(minRequests) {
            row.latencyTest = Statistics.mannWhitneyU(baseline: baseline.durations, candidate: candidate.durations)
        }
        return row
    }

    /// Sets the verdict of a tested row from its adjusted p-values.
    static func decide(_ row: inout Row, alpha: Double) {
        guard row.verdict == .noChange else { return }
        var worse: [String] = []
        var better: [String] = []
        if let t = row.errorTest, let q = row.errorQ, q <= alpha {
            let text = "errors \(pct(row.baselineErrorRate)) → \(pct(row.candidateErrorRate)) (q \(Self.significant(q)))"
            if t.z > 0 { worse.append(text) } else { better.append(text) }
        }
        if let t = row.latencyTest, let q = row.latencyQ, q <= alpha {
            let p50 = row.percentiles.first
            var text = "latency"
            if let b = p50?.baseline, let c = p50?.candidate, b > 0 {
                text += " p50 \(AnswerFormat.ms(b)) → \(AnswerFormat.ms(c)) ms (\(c >= b ? "+" : "")\(Int(((c - b) / b * 100).rounded())) %)"
            }
            text += ", r \(String(format: "%+.2f", t.rankBiserial)) (q \(Self.significant(q)))"
            if t.rankBiserial > 0 { worse.append(text) } else { better.append(text) }
        }
        var notes: [String] = []
        if row.errorTest == nil, (row.baseline?.errors ?? 0) + (row.candidate?.errors ?? 0) > 0 {
            notes.append("error rates not tested (under 5 expected errors on a side)")
        }
        if !worse.isEmpty {
            row.verdict = .worse
            row.reasons = worse + better + notes
        } else if !better.isEmpty {
            row.verdict = .better
            row.reasons = better + notes
        } else {
            row.reasons = notes
        }
    }

    /// `3.57%` for a rate of 0.0357.
    static func pct(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        return AnswerFormat.ms(AnswerFormat.round(100 * rate)) + "%"
    }

    /// A p- or q-value in two significant digits, `<1e-6` below that.
    static func significant(_ value: Double) -> String {
        value < 1e-6 ? "<1e-6" : String(format: "%.2g", value)
    }

    // MARK: - Tables

    /// The key columns the grouping uses.
    var keyColumns: [(name: String, path: KeyPath<Row, String?>)] {
        switch grouping {
        case .edge: isCanary ? [("source", \Row.source), ("service", \Row.service)]
            : [("source", \Row.source), ("service", \Row.service), ("subset", \Row.subset)]
        case .route: [("service", \Row.service), ("route", \Row.route)]
        case .service: [("service", \Row.service)]
        }
    }

    /// Every figure in its own column, for `--json`, `--csv` and `--markdown`.
    ///
    /// Columns: the keys (`source, service, subset` per edge; `service, route`; `service`), then
    /// `baseline_requests, candidate_requests, baseline_error_pct, candidate_error_pct, error_z,
    /// error_p, error_q`, per percentile `baseline_pNN, baseline_pNN_lo, baseline_pNN_hi,
    /// candidate_pNN, candidate_pNN_lo, candidate_pNN_hi`, then `latency_z, latency_p, latency_q,
    /// rank_biserial, p_candidate_slower, impact_s, new_error_codes, verdict, reason`.
    public func table() -> ResultTable {
        var columns = keyColumns.map(\.name)
        columns += ["baseline_requests", "candidate_requests", "baseline_error_pct", "candidate_error_pct", "error_z", "error_p", "error_q"]
        for f in Self.fractions {
            let n = "p" + Self.percentileName(f)
            columns += ["baseline_\(n)", "baseline_\(n)_lo", "baseline_\(n)_hi", "candidate_\(n)", "candidate_\(n)_lo", "candidate_\(n)_hi"]
        }
        columns += ["latency_z", "latency_p", "latency_q", "rank_biserial", "p_candidate_slower", "impact_s", "new_error_codes", "verdict", "reason"]
        func real(_ v: Double?, _ digits: Int = 6) -> SQLValue { v.map { .real(AnswerFormat.round($0, digits)) } ?? .null }
        func prob(_ v: Double?) -> SQLValue { v.map { .real($0) } ?? .null }
        let rows: [[SQLValue]] = rows.map { r in
            var row: [SQLValue] = keyColumns.map { SQLValue(r[keyPath: $0.path]) }
            row += [.integer(Int64(r.baselineRequests)), .integer(Int64(r.candidateRequests)),
                    real(r.baselineErrorRate.map { 100 * $0 }), real(r.candidateErrorRate.map { 100 * $0 }),
                    real(r.errorTest?.z), prob(r.errorTest?.p), prob(r.errorQ)]
            for p in r.percentiles {
                row += [real(p.baseline), real(p.baselineCI?.lower), real(p.baselineCI?.upper),
                        real(p.candidate), real(p.candidateCI?.lower), real(p.candidateCI?.upper)]
            }
            row += [real(r.latencyTest?.z), prob(r.latencyTest?.p), prob(r.latencyQ), real(r.latencyTest?.rankBiserial),
                    real(r.latencyTest?.commonLanguage), real(r.impactSeconds, 3),
                    SQLValue(r.newErrorCodes.isEmpty ? nil : r.newErrorCodes.map(String.init).joined(separator: " ")),
                    .text(r.verdict.rawValue), SQLValue(r.reasons.isEmpty ? nil : r.reasons.joined(separator: "; "))]
            return row
        }
        // New failure origins after the rows: the origin's service and subset in the key columns, its failing
        // requests as the candidate's, the verdict `new failure origin` and the chain in the reason.
        let originRows: [[SQLValue]] = newOrigins.map { o in
            var row: [SQLValue] = keyColumns.map { k in
                switch k.name {
                case "service": .text(o.origin.service)
                case "subset": SQLValue(o.origin.subset)
                default: .text(Self.newOriginLabel)
                }
            }
            row += [.integer(0), .integer(Int64(o.requests))]
            row += Array(repeating: SQLValue.null, count: columns.count - row.count - 2)
            row += [.text(Self.newOriginVerdict), .text(Self.originReason(o))]
            return row
        }
        return ResultTable(columns: columns, rows: rows + originRows)
    }

    /// A narrower table for terminals: both sides of each figure in one cell, `baseline → candidate`.
    public func compactTable() -> ResultTable {
        let label: String
        switch grouping {
        case .edge: label = "edge"
        case .route: label = "route"
        case .service: label = "service"
        }
        let columns = [label, "requests", "err %", "p50 ms", "p90 ms", "p99 ms (95% CI)", "shift r", "impact s", "verdict", "why"]
        func pair(_ a: String, _ b: String) -> String { "\(a) → \(b)" }
        func ms(_ v: Double?) -> String { v.map(AnswerFormat.ms) ?? "-" }
        func withCI(_ v: Double?, _ ci: Statistics.Interval?) -> String {
            guard let v else { return "-" }
            guard let ci else { return AnswerFormat.ms(v) }
            return "\(AnswerFormat.ms(v)) (\(AnswerFormat.ms(ci.lower))–\(AnswerFormat.ms(ci.upper)))"
        }
        let rows: [[SQLValue]] = rows.map { r in
            let name: String
            switch grouping {
            case .edge:
                name = "\(r.source ?? AnswerQueries.outsideMesh) → \(r.service ?? "(unknown)")" + (r.subset.map { " \($0)" } ?? "")
            case .route: name = "\(r.service ?? "(unknown)") \(r.route ?? "-")"
            case .service: name = r.service ?? "(unknown)"
            }
            let p = r.percentiles
            var why = r.reasons
            if !r.newErrorCodes.isEmpty { why.append("new codes " + r.newErrorCodes.map(String.init).joined(separator: " ")) }
            return [
                .text(name),
                .text(pair(String(r.baselineRequests), String(r.candidateRequests))),
                .text(pair(r.baseline == nil ? "-" : Self.pct(r.baselineErrorRate), r.candidate == nil ? "-" : Self.pct(r.candidateErrorRate))),
                .text(pair(ms(p[0].baseline), ms(p[0].candidate))),
                .text(pair(ms(p[1].baseline), ms(p[1].candidate))),
                .text(pair(withCI(p[2].baseline, p[2].baselineCI), withCI(p[2].candidate, p[2].candidateCI))),
                .text(r.latencyTest.map { String(format: "%+.2f", $0.rankBiserial) } ?? "-"),
                .text(String(format: "%.1f", r.impactSeconds)),
                .text(r.verdict.rawValue),
                SQLValue(why.isEmpty ? nil : why.joined(separator: "; ")),
            ]
        }
        // A new failure origin: its service, subset, status and flags; its details after the chain.
        let originRows: [[SQLValue]] = newOrigins.map { o in
            let label = [Self.newOriginLabel, o.origin.service, o.origin.subset ?? "", o.origin.status, o.origin.flags].filter { !$0.isEmpty }
            return [.text(label.joined(separator: " ")), .text("\(o.requests) failing"), .text("-"), .text("-"), .text("-"),
                    .text("-"), .text("-"), .text("-"), .text(Self.newOriginVerdict),
                    .text("chain \(o.chain.joined(separator: " → "))" + (o.origin.details.map { "; \($0)" } ?? ""))]
        }
        return ResultTable(columns: columns, rows: rows + originRows,
                           alignments: [.left, .right, .right, .right, .right, .right, .right, .right, .left, .left])
    }

    /// Why new failure origins are missing, when they were not looked for.
    public var originsNote: String? {
        originsSkipped.map {
            "new failure origins not looked for: a window holds \($0.hops) hops, over \($0.budget) (meshlog why --since … --until … on each window finds them)"
        }
    }

    /// What a new failure origin's row says in its verdict.
    static let newOriginVerdict = "new failure origin"
    /// What a new failure origin's row says in its key.
    static let newOriginLabel = "(\(newOriginVerdict))"

    static func percentileName(_ f: Double) -> String {
        String(Int((f * 100).rounded()))
    }

    /// A note for terminals: the two sides, the tests and the correction.
    public var legend: String {
        let alpha = Self.significant(1 - confidence)
        return """
            baseline: \(baseline.label); candidate: \(candidate.label).
            \(testsRun) tests (two-proportion z on error rates, Mann-Whitney U on latency), Benjamini-Hochberg adjusted; \
            verdicts at q ≤ \(alpha). shift r: rank-biserial correlation, 2·P(candidate slower) + P(tie) − 1 (+1: every \
            candidate hop slower). p99 intervals: 95 % bootstrap. too few: under \(minRequests) hops on a side. impact: \
            change in mean latency × candidate hops.
            """ + (newOrigins.isEmpty ? "" : "\nnew failure origin: where failing requests started in the candidate window and never in the "
                + "baseline window (meshlog why; requests: failing requests it explains).")
    }
}
