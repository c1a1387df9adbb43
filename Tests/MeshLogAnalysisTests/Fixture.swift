import Foundation
import MeshLogTestSupport
import MeshLogAnalysis
import MeshLogCore
import MeshLogGenerate
import MeshLogIngest
import MeshLogStore

/// A store built from generated traffic (plus a few hand-written requests from outside the mesh),
/// and the same lines kept in memory so tests can compute every answer independently.
final class Fixture: @unchecked Sendable {
    /// One ingested line as the test understands it, from the generator's record and ground truth.
    struct Line {
        var pod: String
        var workload: String
        var outbound: Bool
        /// Whether the store can tell the direction (the line names a cluster); a gateway's `NR` line cannot.
        var directionKnown: Bool
        var status: Int
        var flags: [String]
        var durationMs: Int64
        var upstreamMs: Int64?
        var startMicros: Int64
        var requestID: String
        /// The destination service, from the generator's ground truth (nil for a request no route matched).
        var service: String?
        /// The subset the caller's cluster names (outbound lines only).
        var subset: String?
        var path: String
        /// The generator's call index within its request and (inbound) attempt; nil for hand-written lines.
        var callIndex: Int?
        var attempt: Int?
        /// A failure that is not Envoy's injected fault (an abort, or a delay that ran into a timeout or a reset).
        var isError: Bool { (status >= 500 || status == 0) && !isInjectedFailure }
        var isInjectedFailure: Bool { flags.contains("FI") || (flags.contains("DI") && (status == 504 || status == 0)) }
    }

    /// A hop as the test pairs it: the caller's line and the callee's line for the final attempt.
    struct Hop {
        var client: Line?
        var server: Line?
        var source: String
        var service: String?
        var subset: String?
        var line: Line { client ?? server! }
    }

    static let shared: Fixture = {
        do { return try Fixture() } catch { fatalError("cannot build the test store: \(error)") }
    }()

    private let temporary: TemporaryDirectory
    let directory: URL
    let dbPath: String
    let requests: [GeneratedRequest]
    let lines: [Line]
    let hops: [Hop]
    /// Every inbound line with the edge it serves: (caller workload or outside, service, subset).
    let serverLines: [(source: String, service: String?, subset: String?, line: Line)]

    static let outsidePod = "reports-v1-5d8f9c7b6-q2x7z"

    init(lines lineCount: Int = 9000) throws {
        temporary = try TemporaryDirectory(prefix: "meshlog-answers")
        directory = temporary.url
        dbPath = directory.appendingPathComponent("store.db").path

        var options = GeneratorOptions(lines: lineCount, seed: 11, durationSeconds: 3600, errorRateScale: 4)
        options.incident = .standard(service: "payment", windowSeconds: 3600)
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var requests: [GeneratedRequest] = []
        while let r = generator.nextRequest() { requests.append(r) }
        self.requests = requests

        var files: [String: [String]] = [:]
        var lines: [Line] = []
        var hops: [Hop] = []
        var serverLines: [(source: String, service: String?, subset: String?, line: Line)] = []
        for request in requests {
            let calls = request.calls
            var byCall: [Int: (client: Line?, inbound: [Int: Line])] = [:]
            for g in request.lines {
                files[g.pod, default: []].append(g.text)
                let r = g.record
                let line = Line(
                    pod: g.pod, workload: Fixture.workload(g.pod), outbound: g.direction == .outbound,
                    directionKnown: r.upstreamCluster != nil, status: r.responseCode,
                    flags: r.responseFlags, durationMs: r.durationMillis, upstreamMs: r.upstreamServiceTimeMillis.map(Int64.init),
                    startMicros: Fixture.millis(r.startMicros), requestID: r.requestID,
                    service: calls[g.callIndex].calleeService,
                    subset: g.direction == .outbound ? Fixture.subset(r.upstreamCluster) : nil,
                    path: r.path, callIndex: g.callIndex, attempt: g.attempt)
                lines.append(line)
                if g.direction == .outbound { byCall[g.callIndex, default: (nil, [:])].client = line }
                else { byCall[g.callIndex, default: (nil, [:])].inbound[g.attempt ?? 0] = line }
            }
            for call in calls {
                guard let pair = byCall[call.index], let client = pair.client else { continue }
                // Ground truth: the server side is the final attempt's inbound line, when it reached the app.
                var server: Line?
                if let last = call.attempts.indices.last, call.attempts[last].reachedServer { server = pair.inbound[last] }
                hops.append(Hop(client: client, server: server, source: client.workload, service: client.service, subset: client.subset))
                for attempt in pair.inbound.keys.sorted() {
                    serverLines.append((client.workload, client.service, client.subset, pair.inbound[attempt]!))
                }
            }
        }

        // Requests from outside the mesh straight to a pod's sidecar: inbound lines no caller logged.
        let base = requests[requests.count / 2].startMicros
        var outside: [String] = []
        let statuses = [200, 200, 503, 0, 200, 500, 200, 200, 404, 200, 503, 200]
        for (k, status) in statuses.enumerated() {
            let start = Fixture.millis(base + Int64(k) * 7_000_000)
            let id = String(format: "00000000-0000-4000-8000-%012d", k)
            let flags = status == 0 ? "DC" : "-"
            let duration = 3 + (k * 7) % 40
            let upstream = status == 0 ? "-" : String(duration - 1)
            let text = "[\(AnswerFormat.timestamp(start))] \"GET /reports/\(k) HTTP/1.1\" \(status) \(flags) via_upstream - \"-\" 0 100 "
                + "\(duration) \(upstream) \"-\" \"curl/8.4.0\" \"\(id)\" \"reports:8080\" \"10.244.9.9:8080\" inbound|8080|| "
                + "127.0.0.6:40\(100 + k) 10.244.9.9:8080 203.0.113.9:0 - default"
            outside.append(text)
            let line = Line(pod: Fixture.outsidePod, workload: "reports-v1", outbound: false, directionKnown: true, status: status,
                            flags: status == 0 ? ["DC"] : [], durationMs: Int64(duration),
                            upstreamMs: status == 0 ? nil : Int64(duration - 1), startMicros: start, requestID: id,
                            service: "reports", subset: nil, path: "/reports/\(k)", callIndex: nil, attempt: nil)
            lines.append(line)
            hops.append(Hop(client: nil, server: line, source: AnswerQueries.outsideMesh, service: "reports", subset: nil))
            serverLines.append((AnswerQueries.outsideMesh, "reports", nil, line))
        }
        files[Fixture.outsidePod] = outside
        self.lines = lines
        self.hops = hops
        self.serverLines = serverLines

        // One file per pod, as a mesh log dump holds them, ingested in one run as `meshlog ingest logs/` would.
        let logs = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        for (pod, text) in files {
            try Data((text.joined(separator: "\n") + "\n").utf8).write(to: logs.appendingPathComponent("\(pod).log"))
        }
        let db = try SQLiteStore.openForWriting(path: dbPath)
        let summary = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([logs.path]))
        guard summary.reports.allSatisfy({ $0.rejected == 0 }) else { throw FixtureError.rejectedLines }
    }

    /// Opens a session on the store.
    func session(since: String? = nil, until: String? = nil, services: [String] = []) throws -> AnswerSession {
        try AnswerSession(path: dbPath, since: since, until: until, services: services)
    }

    // MARK: - Independent derivations

    /// Start times are logged with millisecond precision.
    static func millis(_ micros: Int64) -> Int64 { micros / 1000 * 1000 }

    /// `course-v1-7c9d8f6b5-x2kqp` → `course-v1`.
    static func workload(_ pod: String) -> String {
        let parts = pod.split(separator: "-")
        return parts.count >= 3 ? parts.dropLast(2).joined(separator: "-") : pod
    }

    static func subset(_ cluster: String?) -> String? {
        guard let parts = cluster?.split(separator: "|", omittingEmptySubsequences: false), parts.count == 4, !parts[2].isEmpty else {
            return nil
        }
        return String(parts[2])
    }

    /// numpy's default percentile (`linear`): `v[k] + (h - k)(v[k+1] - v[k])` with `h = (n - 1)p`.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let v = values.sorted()
        let h = Double(v.count - 1) * p
        let k = Int(h.rounded(.down))
        guard k + 1 < v.count else { return v[k] }
        return v[k] + (h - Double(k)) * (v[k + 1] - v[k])
    }

    static func summary(_ values: [Double]) -> LatencySummary {
        LatencySummary(p50: percentile(values, 0.5), p90: percentile(values, 0.9), p99: percentile(values, 0.99), max: values.max())
    }

    /// The newest start time among all lines.
    var newest: Int64 { lines.map(\.startMicros).max() ?? 0 }
}

enum FixtureError: Error { case rejectedLines }

/// Whether two optional numbers agree to within rounding noise.
func close(_ a: Double?, _ b: Double?, tolerance: Double = 1e-6) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (x?, y?): abs(x - y) <= tolerance * max(1, abs(y))
    default: false
    }
}
