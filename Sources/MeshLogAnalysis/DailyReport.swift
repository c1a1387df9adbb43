import Foundation
import MeshLogStore

/// `meshlog report`: a window (usually a day) against a baseline (usually the day before), in
/// the sections an on-call engineer reads in the morning. Every number comes from the summary
/// tables, so a day of a ten-million-line store takes well under a second.
public struct DailyReport: Sendable {
    /// Requests, errors and latency of one window.
    public struct Headline: Sendable, Equatable, Codable {
        /// Every hop.
        public var requests: Int
        public var errors: Int
        /// Requests entering the mesh (from outside callers or through an ingress gateway).
        public var entryRequests: Int
        public var entryErrors: Int
        public var entryP50: Double?
        public var entryP99: Double?

        public var errorRate: Double { requests > 0 ? 100 * Double(errors) / Double(requests) : 0 }
        public var entryErrorRate: Double { entryRequests > 0 ? 100 * Double(entryErrors) / Double(entryRequests) : 0 }
    }

    /// A failed-line signature: what failed, where.
    public struct Signature: Sendable, Hashable, Codable {
        public var service: String?
        public var status: Int?
        public var flags: String?
        public var details: String?
        public var route: String?
    }

    /// A failing edge with its codes and flags in words.
    public struct FailingEdge: Sendable, Codable {
        public var edge: String
        public var code: Int?
        public var flag: String
        public var requests: Int
        public var meaning: String
    }

    /// A fault Envoy injected on purpose (`FI` abort, `DI` delay) on one edge and route, with the
    /// status it answered: counted apart from the failures.
    public struct InjectedFault: Sendable, Codable, Equatable {
        public var edge: String
        public var route: String?
        public var status: Int?
        public var flags: String
        public var requests: Int
        /// The share of the edge's hops in the window, percent.
        public var sharePct: Double?
        /// For a delay: how many delayed lines were read for the figures below.
        public var delayedLines: Int?
        /// For a delay: the delayed lines' median and p99 duration (ms).
        public var delayedP50: Double?
        public var delayedP99: Double?
        /// For a delay: the delay actually added, the delayed lines' median less the edge's (ms).
        public var addedMs: Double?
    }

    /// An edge whose calls arrived without the mesh's mTLS (no SNI on the callee's inbound lines).
    public struct PlaintextEdge: Sendable, Codable, Equatable {
        public var edge: String
        /// Whether the caller is a pod of the mesh (its sidecar was bypassed or not there).
        public var callerInMesh: Bool
        /// Calls without SNI at pods whose other inbound lines carry one: plaintext for sure.
        public var plaintext: Int
        /// Calls without SNI at pods whose inbound lines never carry one (their format may not log it).
        public var unverified: Int
        /// Every inbound call of the edge in the window.
        public var inbound: Int
    }

    /// An edge's latency in both windows.
    public struct Shift: Sendable, Codable {
        public var edge: String
        public var requests: Int
        public var baselineRequests: Int
        public var p50: Double?
        public var baselineP50: Double?
        public var p99: Double?
        public var baselineP99: Double?
        /// p99 change (ms) times requests: what the change cost in total.
        public var impact: Double
    }

    /// One of the slowest requests, ready for `meshlog trace`.
    public struct SlowRequest: Sendable, Codable {
        public var requestID: String
        public var durationMs: Double
        public var start: String
        public var route: String?
        public var status: Int?
    }

    /// A reporter with a hole in its lines.
    public struct Gap: Sendable, Codable {
        public var reporter: String
        public var minutesCovered: Int
        public var longestGapMinutes: Int
        public var gapStart: String
    }

    public let window: (start: Int64, end: Int64)
    public let baseline: (start: Int64, end: Int64)
    public let headline: Headline
    public let baselineHeadline: Headline
    public let timeline: [TimelineBucket]
    public let timelineBucketMicros: Int64
    public let graph: ServiceGraph
    public let failingEdges: [FailingEdge]
    public let newSignatures: [(signature: Signature, requests: Int)]
    public let newEdges: [HopStats]
    public let vanishedEdges: [HopStats]
    public let shifts: [Shift]
    public let slowest: [SlowRequest]
    public let rejected: [(path: String, rejected: Int, lines: Int)]
    public let gaps: [Gap]
    /// Hop statistics of the window, per edge (for gates on one edge).
    public let edges: [HopStats]
    /// The faults Envoy injected on purpose in the window, most frequent first.
    public let injectedFaults: [InjectedFault]
    /// Whether the injected faults count as errors (`--include-injected`).
    public let includesInjected: Bool
    /// Edges whose calls arrived without the mesh's mTLS, callers inside the mesh first (empty when no inbound
    /// line of the window carries an SNI: see ``sniLogged``).
    public let plaintextEdges: [PlaintextEdge]
    /// Whether any inbound line of the window carries an SNI; when none does but there are inbound lines, the
    /// logs' format does not log it and plaintext cannot be told from mTLS.
    public let sniLogged: Bool
    /// Inbound lines in the window.
    public let inboundLines: Int
    /// Where the window's failing requests started, as `meshlog why` finds them.
    public let origins: FailureOrigins
    /// The parts of the window whose failing requests ``origins`` followed: the whole window, or when it holds more
    /// than ``originHopBudget`` hops, its timeline buckets with the most errors (by start).
    public let originWindows: [(start: Int64, end: Int64)]
    /// Failing hops in the window and in ``originWindows`` (from the summaries).
    public let originErrors: (window: Int, followed: Int)
    /// The origins the report lists; `meshlog why` lists them all.
    public static let originsShown = 10
    /// Above this many hops, the report follows the failing requests of its busiest timeline buckets only, as many as
    /// fit (at least one): a whole day's failing requests take `meshlog why` seconds to find and follow (the lines of
    /// the window are read to find them), the report has well under one.
    public static let originHopBudget = 150_000
    /// Edges whose median client − server time (both sidecars, mTLS, network) is over ``sidecarBudgetMs``,
    /// worst first.
    public var overBudget: [HopStats] {
        edges.filter { ($0.overhead.p50 ?? 0) > Self.sidecarBudgetMs }.sorted { ($0.overhead.p50 ?? 0) > ($1.overhead.p50 ?? 0) }
    }
    /// The time a mesh budgets for its two sidecars, mTLS and the network on one hop (ms).
    public static let sidecarBudgetMs = 2.0

    /// One UTC day, µs.
    public static let dayMicros: Int64 = 86_400_000_000

    /// The window `report` answers without `--day` or `--since`: the last full UTC day before the newest
    /// line's day, unless the store holds less than that (then the first line's day).
    public static func defaultWindow(span: (first: Int64, last: Int64)) -> (start: Int64, end: Int64) {
        let lastDay = span.last / dayMicros * dayMicros
        let start = lastDay - dayMicros >= span.first / dayMicros * dayMicros && span.first <= lastDay - dayMicros
            ? lastDay - dayMicros : span.first / dayMicros * dayMicros
        return (start, start + dayMicros)
    }

    /// Builds the report of `[window)` against `[baseline)` (µs; rounded out to whole minutes).
    public init(path: String, window: (start: Int64, end: Int64), baseline: (start: Int64, end: Int64),
                includeInjected: Bool = false) throws {
        try self.init(location: .sqlite(path: path), window: window, baseline: baseline, includeInjected: includeInjected)
    }

    /// Builds the report of `[window)` against `[baseline)` from the store at `location`; the faults
    /// Envoy injected on purpose count as errors only with `includeInjected` (above `originHopBudget` hops,
    /// where failures started is found from the busiest buckets only).
    public init(location: StoreLocation, window: (start: Int64, end: Int64), baseline: (start: Int64, end: Int64),
                includeInjected: Bool = false, originHopBudget: Int = DailyReport.originHopBudget) throws {
        let minute: Int64 = 60_000_000
        func round(_ w: (start: Int64, end: Int64)) -> (start: Int64, end: Int64) {
            (w.start / minute * minute, (w.end + minute - 1) / minute * minute)
        }
        let window = round(window), baseline = round(baseline)
        self.window = window
        self.baseline = baseline
        func session(_ w: (start: Int64, end: Int64)) throws -> AnswerSession {
            try AnswerSession(location: location, since: AnswerFormat.timestamp(w.start), until: AnswerFormat.timestamp(w.end), services: [],
                              includeInjected: includeInjected)
        }
        includesInjected = includeInjected
        let now = try session(window), before = try session(baseline)
        headline = try Self.headline(now, window, includeInjected: includeInjected)
        baselineHeadline = try Self.headline(before, baseline, includeInjected: includeInjected)

        let span = window.end - window.start
        let bucket = max(minute, span / 96 / minute * minute)
        timelineBucketMicros = bucket
        timeline = try TimelineReport(session: now, bucketMicros: bucket, side: .hop).buckets
        graph = try ServiceGraph(session: now)

        let status = try StatusReport(session: now, by: [.edge, .code, .flag], side: .hop)
        // A flagged group fails when it has errors, or a flag that is not an injected fault (a DI-delayed 200 never fails).
        failingEdges = status.result.groups.filter { $0.errors > 0 || (($0.keys[.flag]?.string ?? "-") != "-" && $0.injected == 0) }
            .prefix(12).map { g in
            let code = g.keys[.code]?.int64.map(Int.init)
            let flag = g.keys[.flag]?.string ?? "-"
            let meaning = flag != "-" ? (StatusExplanation.flag(flag).map { "\($0.long): \($0.meaning)" } ?? flag)
                : code.map { StatusExplanation.code($0, requests: g.requests, unflagged: g.unflagged) } ?? ""
            let edge = HopsReport.label(source: g.keys[.source]?.string, service: g.keys[.service]?.string, subset: g.keys[.subset]?.string)
            return FailingEdge(edge: edge, code: code, flag: flag, requests: g.requests, meaning: meaning)
        }

        let signaturesNow = try Self.signatures(now, window, includeInjected: includeInjected)
        let signaturesBefore = Set(try Self.signatures(before, baseline, includeInjected: includeInjected).map(\.signature))
        newSignatures = signaturesNow.filter { !signaturesBefore.contains($0.signature) }

        let hopsNow = try HopsReport(session: now).edges
        let hopsBefore = try HopsReport(session: before).edges
        edges = hopsNow
        func key(_ h: HopStats) -> String { HopsReport.label(h) }
        let beforeByKey = Dictionary(hopsBefore.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let nowKeys = Set(hopsNow.map(key))
        newEdges = hopsBefore.isEmpty ? [] : hopsNow.filter { beforeByKey[key($0)] == nil }
        vanishedEdges = hopsBefore.filter { !nowKeys.contains(key($0)) }
        shifts = hopsNow.compactMap { h -> Shift? in
            guard let b = beforeByKey[key(h)], let p99 = h.client.p99 ?? h.server.p99, let bp99 = b.client.p99 ?? b.server.p99 else { return nil }
            return Shift(edge: key(h), requests: h.requests, baselineRequests: b.requests, p50: h.client.p50 ?? h.server.p50,
                         baselineP50: b.client.p50 ?? b.server.p50, p99: p99, baselineP99: bp99, impact: (p99 - bp99) * Double(h.requests))
        }.sorted { abs($0.impact) > abs($1.impact) }.prefix(10).map { $0 }

        let slowRows = try now.reader.run(sql: ReportQueries.slowest(since: window.start, until: window.end, limit: 10), parameters: [:]).rows
        slowest = slowRows.compactMap { r in
            guard let id = r[0].string, let ms = r[1].double else { return nil }
            return SlowRequest(requestID: id, durationMs: ms, start: r[2].int64.map { AnswerFormat.timestamp($0) } ?? "",
                               route: r[3].string, status: r[4].int64.map(Int.init))
        }
        injectedFaults = try Self.injectedFaults(now, window, edges: hopsNow)
        let coverage = try now.reader.run(sql: ReportQueries.sniCoverage(since: window.start, until: window.end), parameters: [:]).rows.first
        sniLogged = (coverage?[0].int64 ?? 0) > 0
        inboundLines = Int(coverage?[1].int64 ?? 0)
        let withoutSNI = coverage?[2].int64 ?? 0
        plaintextEdges = !sniLogged || withoutSNI == 0 ? [] : try now.reader.run(sql: ReportQueries.plaintextEdges(since: window.start, until: window.end), parameters: [:]).rows.map { r in
            PlaintextEdge(edge: HopsReport.label(source: r[0].string, service: r[1].string, subset: r[2].string),
                          callerInMesh: (r[3].int64 ?? 0) != 0, plaintext: Int(r[4].int64 ?? 0), unverified: Int(r[5].int64 ?? 0),
                          inbound: Int(r[6].int64 ?? 0))
        }
        rejected = try now.reader.run(sql: ReportQueries.rejectedSources, parameters: [:]).rows.map {
            ($0[0].string ?? "", Int($0[1].int64 ?? 0), Int($0[2].int64 ?? 0))
        }
        gaps = try Self.gaps(now, window)

        // Where failures started: every failing request of the window when it is small enough, else those of the
        // buckets with the most errors, as many as fit in the budget.
        var chosen: [TimelineBucket] = []
        if headline.requests > originHopBudget {
            var hops = 0
            for b in timeline.filter({ $0.errors > 0 }).sorted(by: { ($0.errors, $1.startMicros) > ($1.errors, $0.startMicros) }) {
                guard hops + b.requests <= originHopBudget || chosen.isEmpty else { break }
                hops += b.requests
                chosen.append(b)
            }
            chosen.sort { $0.startMicros < $1.startMicros }
        }
        originWindows = headline.requests > originHopBudget
            ? chosen.map { ($0.startMicros, min(window.end, $0.startMicros + bucket)) } : [window]
        originErrors = (headline.errors, headline.requests > originHopBudget ? chosen.reduce(0) { $0 + $1.errors } : headline.errors)
        origins = try FailureOrigins(reader: location.traceReader(), windows: originWindows.map { ($0.start, $0.end) })
    }

    /// Whether ``origins`` followed only part of the window.
    public var originsSampled: Bool { originWindows.count != 1 || originWindows.first.map { $0 != window } ?? true }

    static func headline(_ session: AnswerSession, _ w: (start: Int64, end: Int64), includeInjected: Bool) throws -> Headline {
        let rows = try session.reader.run(sql: ReportQueries.headline(since: w.start, until: w.end, includeInjected: includeInjected),
                                          parameters: [:]).rows
        let entry = rows.first { $0[0] == .text("entry") } ?? []
        let all = rows.first { $0[0] == .text("all") } ?? []
        func int(_ r: [SQLValue], _ i: Int) -> Int { r.count > i ? Int(r[i].int64 ?? 0) : 0 }
        return Headline(requests: int(all, 1), errors: int(all, 2), entryRequests: int(entry, 1), entryErrors: int(entry, 2),
                        entryP50: entry.count > 3 ? entry[3].double : nil, entryP99: entry.count > 4 ? entry[4].double : nil)
    }

    /// The injected faults of the window, with each delay's figures measured on its lines.
    static func injectedFaults(_ session: AnswerSession, _ w: (start: Int64, end: Int64), edges: [HopStats]) throws -> [InjectedFault] {
        func label(_ r: [SQLValue]) -> String { HopsReport.label(source: r[0].string, service: r[1].string, subset: r[2].string) }
        let byEdge = Dictionary(edges.map { (HopsReport.label($0), $0) }, uniquingKeysWith: { a, _ in a })
        // By edge and route.
        var delays: [[String?]: (lines: Int, p50: Double?, p99: Double?)] = [:]
        for r in try session.reader.run(sql: ReportQueries.injectedDelays(since: w.start, until: w.end), parameters: [:]).rows {
            delays[[label(r), r[3].string]] = (Int(r[4].int64 ?? 0), r[5].double, r[6].double)
        }
        return try session.reader.run(sql: ReportQueries.injectedFaults(since: w.start, until: w.end), parameters: [:]).rows.map { r in
            let edge = label(r)
            let flags = r[5].string ?? "-"
            let requests = Int(r[6].int64 ?? 0)
            var fault = InjectedFault(edge: edge, route: r[3].string, status: r[4].int64.map(Int.init), flags: flags, requests: requests)
            if let hops = byEdge[edge], hops.requests > 0 {
                fault.sharePct = AnswerFormat.round(100 * Double(requests) / Double(hops.requests))
            }
            if flags.split(separator: ",").contains("DI"), let d = delays[[edge, r[3].string]] {
                fault.delayedLines = d.lines
                fault.delayedP50 = d.p50
                fault.delayedP99 = d.p99
                if let p50 = d.p50, let usual = byEdge[edge].flatMap({ $0.client.p50 ?? $0.server.p50 }) {
                    fault.addedMs = AnswerFormat.round(p50 - usual, 1)
                }
            }
            return fault
        }
    }

    static func signatures(_ session: AnswerSession, _ w: (start: Int64, end: Int64), includeInjected: Bool) throws -> [(signature: Signature, requests: Int)] {
        try session.reader.run(sql: ReportQueries.errorSignatures(since: w.start, until: w.end, includeInjected: includeInjected),
                               parameters: [:]).rows.map { r in
            (Signature(service: r[0].string, status: r[1].int64.map(Int.init), flags: r[2].string, details: r[3].string, route: r[4].string),
             Int(r[5].int64 ?? 0))
        }
    }

    /// Reporters whose lines stop for ten minutes or more while the window goes on.
    static func gaps(_ session: AnswerSession, _ w: (start: Int64, end: Int64)) throws -> [Gap] {
        let rows = try session.reader.run(sql: ReportQueries.coverage(since: w.start, until: w.end), parameters: [:]).rows
        var minutes: [String: [Int64]] = [:]
        for r in rows { if let name = r[0].string, let m = r[1].int64 { minutes[name, default: []].append(m) } }
        let all = Set(minutes.values.flatMap { $0 })
        guard let first = all.min(), let last = all.max() else { return [] }
        return minutes.compactMap { reporter, list -> Gap? in
            var longest: Int64 = 0, at: Int64 = first
            var previous = first - 1
            for m in list.sorted() + [last + 1] {
                if m - previous - 1 > longest { longest = m - previous - 1; at = previous + 1 }
                previous = m
            }
            guard longest >= 10 else { return nil }
            return Gap(reporter: reporter, minutesCovered: list.count, longestGapMinutes: Int(longest),
                       gapStart: AnswerFormat.timestamp(at * 60_000_000, fraction: false))
        }.sorted { ($1.longestGapMinutes, $0.reporter, $0.gapStart) < ($0.longestGapMinutes, $1.reporter, $1.gapStart) }
    }
}
