import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogGenerate
import MeshLogIngest
import MeshLogStore
import Testing

/// Hand-written Istio TEXT lines for small requests with known durations:
/// gateway → frontend → user (optionally retried once), optionally frontend → course.
enum HandRequests {
    static let gateway = "istio-ingressgateway-6b7c8d9f5-abcde"
    static let frontend = "frontend-v1-fsg6lvwr4-4jjth"
    static let user = "user-v1-vznx8z9fq-htvkb"
    static let course = "course-v1-czdtkp4px-2jkfm"

    struct Spec {
        var id: String
        var startMs: Int64
        var gatewayMs: Int64
        var userMs: Int64
        var userRetry = false
        var courseMs: Int64?
        var userStatus = 200
    }

    static func line(_ startMs: Int64, _ method: String, _ path: String, _ status: Int, _ flags: String, _ duration: Int64,
                     _ id: String, _ authority: String, _ host: String, _ cluster: String, _ upstreamLocal: String,
                     _ downstreamLocal: String, _ downstreamRemote: String, _ sni: String) -> String {
        "[\(AnswerFormat.timestamp(startMs * 1000))] \"\(method) \(path) HTTP/1.1\" \(status) \(flags) via_upstream - \"-\" 0 100 "
            + "\(duration) \(max(0, duration - 1)) \"-\" \"curl/8.4.0\" \"\(id)\" \"\(authority)\" \"\(host)\" \(cluster) "
            + "\(upstreamLocal) \(downstreamLocal) \(downstreamRemote) \(sni) default"
    }

    /// Lines per pod for the requests.
    static func lines(_ specs: [Spec]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (n, s) in specs.enumerated() {
            let t = s.startMs
            let port = 40000 + n * 10
            // gateway → frontend
            out[gateway, default: []].append(line(t, "GET", "/api/courses/7", 200, "-", s.gatewayMs, s.id, "frontend:8080",
                                                  "10.244.1.10:8080", "outbound|8080||frontend.lms.svc.cluster.local",
                                                  "10.244.0.5:\(port)", "10.96.0.10:8080", "10.244.0.5:\(port + 1)", "-"))
            out[frontend, default: []].append(line(t, "GET", "/api/courses/7", 200, "-", s.gatewayMs - 1, s.id, "frontend:8080",
                                                   "10.244.1.10:8080", "inbound|8080||", "127.0.0.6:50000", "10.244.1.10:8080",
                                                   "10.244.0.5:\(port)", "outbound_.8080_._.frontend.lms.svc.cluster.local"))
            // frontend → user (one attempt, or a 503 then the answer)
            let userStart = t + 2
            let total = s.userMs + (s.userRetry ? 6 : 1)
            out[frontend, default: []].append(line(userStart, "GET", "/users/42", s.userStatus, "-", total, s.id, "user:8000",
                                                   "10.244.2.20:8000", "outbound|8000||user.lms.svc.cluster.local",
                                                   "10.244.1.10:\(port + 2)", "10.96.0.20:8000", "10.244.1.10:\(port + 3)", "-"))
            if s.userRetry {
                out[user, default: []].append(line(userStart, "GET", "/users/42", 503, "-", 3, s.id, "user:8000", "10.244.2.20:8000",
                                                   "inbound|8000||", "127.0.0.6:50001", "10.244.2.20:8000", "10.244.1.10:\(port + 4)",
                                                   "outbound_.8000_._.user.lms.svc.cluster.local"))
            }
            out[user, default: []].append(line(userStart + (s.userRetry ? 5 : 0), "GET", "/users/42", s.userStatus, "-", s.userMs,
                                               s.id, "user:8000", "10.244.2.20:8000", "inbound|8000||", "127.0.0.6:50001",
                                               "10.244.2.20:8000", "10.244.1.10:\(port + 2)",
                                               "outbound_.8000_._.user.lms.svc.cluster.local"))
            if let c = s.courseMs {
                let courseStart = userStart + total + 1
                out[frontend, default: []].append(line(courseStart, "GET", "/courses/7", 200, "-", c + 1, s.id, "course:8080",
                                                       "10.244.3.30:8080", "outbound|8080||course.lms.svc.cluster.local",
                                                       "10.244.1.10:\(port + 5)", "10.96.0.30:8080", "10.244.1.10:\(port + 6)", "-"))
                out[course, default: []].append(line(courseStart, "GET", "/courses/7", 200, "-", c, s.id, "course:8080",
                                                     "10.244.3.30:8080", "inbound|8080||", "127.0.0.6:50002", "10.244.3.30:8080",
                                                     "10.244.1.10:\(port + 5)", "outbound_.8080_._.course.lms.svc.cluster.local"))
            }
        }
        return out
    }

    /// Writes the requests' lines (one file per pod) and ingests them.
    static func store(_ specs: [Spec]) throws -> Database {
        let dir = NSTemporaryDirectory() + "meshlog-diff-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (pod, text) in lines(specs) {
            try (text.joined(separator: "\n") + "\n").write(toFile: dir + "/\(pod).log", atomically: true, encoding: .utf8)
        }
        let (db, _) = try TraceFixture.tempDB()
        let summary = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([dir]))
        #expect(summary.reports.allSatisfy { $0.rejected == 0 })
        return db
    }
}

@Suite struct TraceDiffTests {
    func diff(_ db: Database, _ a: String, _ b: String) throws -> TraceDiff {
        let loader = TraceLoader(db: db)
        return TraceDiff(try #require(try loader.load(a)), try #require(try loader.load(b)))
    }

    @Test func requestAgainstItselfShowsNoChange() throws {
        let (db, requests) = try TraceFixture.generated(lines: 3000, seed: 5, errorScale: 3, spans: false)
        for r in requests.prefix(60) {
            let d = try diff(db, r.requestID, r.requestID)
            #expect(!d.rows.isEmpty)
            #expect(d.rows.count == d.a.nodes.count)
            for k in d.rows.indices {
                #expect(d.rows[k].presence == .both)
                #expect(d.delta(k) == 0)
                #expect(!d.statusChanged(k))
            }
            let c = d.counts
            #expect(c.onlyA == 0 && c.onlyB == 0 && c.statusChanged == 0)
            #expect(!TraceDiffRenderer.text(d).split(separator: "\n").dropFirst(4).contains { $0.hasPrefix("+") || $0.hasPrefix("-") })
        }
    }

    @Test func knownDurationsGiveTheirDeltas() throws {
        let db = try HandRequests.store([
            .init(id: "aaaaaaaa-0000-4000-8000-000000000001", startMs: 1_795_564_800_000, gatewayMs: 50, userMs: 30),
            .init(id: "aaaaaaaa-0000-4000-8000-000000000002", startMs: 1_795_564_860_000, gatewayMs: 80, userMs: 60),
        ])
        let d = try diff(db, "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002")
        #expect(d.rows.count == 2)
        #expect(d.rows.allSatisfy { $0.presence == .both })
        let root = try #require(d.roots.first)
        #expect(d.rows[root].label == "istio-ingressgateway → frontend GET /api/courses/{id}")
        #expect(d.durationA(root) == 50_000 && d.durationB(root) == 80_000)
        #expect(d.delta(root) == 30_000)
        #expect(d.deltaPct(root) == 60.0)
        let user = try #require(d.rows[root].children.first)
        #expect(d.rows[user].label == "frontend-v1 → user GET /users/{id}")
        #expect(d.delta(user) == 30_000)  // 31 ms → 61 ms
        #expect(d.deltaPct(user) == 96.8)
        #expect(d.totalB - d.totalA == 30_000)
        let json = TraceDiffRenderer.json(d)
        #expect(json.contains("\"delta_us\":30000"))
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((parsed?["rows"] as? [Any])?.count == 1)
    }

    @Test func retryAndExtraCallAreOneSided() throws {
        let db = try HandRequests.store([
            .init(id: "bbbbbbbb-0000-4000-8000-000000000001", startMs: 1_795_564_800_000, gatewayMs: 40, userMs: 10),
            .init(id: "bbbbbbbb-0000-4000-8000-000000000002", startMs: 1_795_564_860_000, gatewayMs: 60, userMs: 10,
                  userRetry: true, courseMs: 12),
        ])
        let d = try diff(db, "bbbbbbbb-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002")
        let onlyB = d.rows.filter { $0.presence == .onlyB }.map(\.label)
        #expect(d.rows.filter { $0.presence == .onlyA }.isEmpty)
        #expect(onlyB.count == 3)
        #expect(onlyB.contains("frontend-v1 → course GET /courses/{id}"))
        #expect(onlyB.filter { $0.hasPrefix("attempt") }.count == 2)
        let text = TraceDiffRenderer.text(d)
        #expect(text.contains("1 only in B") == false)
        #expect(text.contains("3 only in B (+)"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("+") && $0.contains("frontend-v1 → course") })
        // The other way round, the same rows are only in A.
        let back = try diff(db, "bbbbbbbb-0000-4000-8000-000000000002", "bbbbbbbb-0000-4000-8000-000000000001")
        #expect(back.rows.filter { $0.presence == .onlyA }.count == 3)
    }

    @Test func statusChangeIsShown() throws {
        let db = try HandRequests.store([
            .init(id: "cccccccc-0000-4000-8000-000000000001", startMs: 1_795_564_800_000, gatewayMs: 40, userMs: 10),
            .init(id: "cccccccc-0000-4000-8000-000000000002", startMs: 1_795_564_860_000, gatewayMs: 40, userMs: 10, userStatus: 503),
        ])
        let d = try diff(db, "cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002")
        let changed = d.rows.indices.filter { d.statusChanged($0) }
        #expect(changed.map { d.rows[$0].label } == ["frontend-v1 → user GET /users/{id}"])
        #expect(TraceDiffRenderer.text(d).contains("200 → 503"))
    }
}

@Suite struct CriticalPathTests {
    /// Generated logs (no spans) ingested into a fresh store, optionally with an incident.
    static func store(lines: Int, seed: UInt64, incident: GeneratorOptions.Incident? = nil) throws -> Database {
        let dir = NSTemporaryDirectory() + "meshlog-cp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = GeneratorOptions(lines: lines, seed: seed, durationSeconds: 3600, errorRateScale: 0.5)
        options.incident = incident
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        let split = try GeneratedLogSplitWriter(directory: dir + "/pods", gzip: false)
        try generator.forEachLineInCompletionOrder(onRequest: { _ in }) { try split.write($0) }
        try split.finish()
        let (db, _) = try TraceFixture.tempDB()
        _ = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([dir + "/pods"]))
        return db
    }

    @Test func sharesAddUpAndMatchTheTraceTrees() throws {
        let db = try Self.store(lines: 12000, seed: 3)
        let report = try CriticalPathAnalysis(db: db).run(.init())
        let requests = try db.scalar("SELECT count(DISTINCT req) FROM log_row").int64 ?? 0
        #expect(report.requests.count == Int(requests))
        for r in report.requests {
            #expect(r.parts.reduce(0) { $0 + $1.us } == r.durationUs)
        }
        let sum = { (f: (CriticalPathAnalysis.HopRow) -> Double?) in report.rows.reduce(0.0) { $0 + (f($1) ?? 0) } }
        let tolerance = 0.006 * Double(report.rows.count)
        #expect(abs(sum(\.medianSharePct) - 100) <= tolerance)
        #expect(abs(sum(\.tailSharePct) - 100) <= tolerance)
        #expect(abs(sum(\.allSharePct) - 100) <= tolerance)
        #expect(report.tailRequests == (report.requests.count + 99) / 100)

        // Each request's own time per hop equals the walk over the tree `meshlog trace` builds.
        let loader = TraceLoader(db: db)
        let rid = try db.prepare("SELECT rid FROM request WHERE id = ?")
        var compared = 0
        for r in report.requests.prefix(400) {
            rid.reset()
            rid.bind(r.req, at: 1)
            guard try rid.step(), let id = SpanKeys.requestText(rid.value(0)) else { continue }
            rid.reset()
            let tree = try #require(try loader.load(id))
            var expected: [String: Int64] = [:]
            func hop(_ i: Int) -> String {
                let n = tree.nodes[i]
                switch n.kind {
                case .attempt: return hop(n.parent!)
                case .inbound: return AnswerQueries.outsideMesh + " → " + n.service
                default: return (n.caller ?? "?") + " → " + n.service
                }
            }
            let root = try #require(tree.roots.max { tree.nodes[$0].durationUs < tree.nodes[$1].durationUs })
            CriticalPathMarker.walk(root: root, start: { tree.nodes[$0].startUs }, end: { tree.nodes[$0].endUs },
                                    children: { tree.nodes[$0].children }) { n, us in expected[hop(n), default: 0] += us }
            var got: [String: Int64] = [:]
            for p in r.parts { got[report.hopNames[p.hop], default: 0] += p.us }
            #expect(got == expected, "request \(id)")
            #expect(tree.nodes.filter(\.critical).count > 0)
            compared += 1
        }
        #expect(compared >= 300)
    }

    @Test func slowedPaymentMakesTheTail() throws {
        // Payment 40 times slower for a third of the hour, without extra failures.
        let incident = GeneratorOptions.Incident(service: "payment", startOffsetSeconds: 1200, durationSeconds: 1200,
                                                 connectionFailureRate: 0, unavailableRate: 0, latencyFactor: 40)
        let db = try Self.store(lines: 30000, seed: 9, incident: incident)
        let report = try CriticalPathAnalysis(db: db).run(.init())
        let top = try #require(report.rows.first)
        #expect(top.hop == "enrollment-v1 → payment")
        #expect((top.tailSharePct ?? 0) > 50)
        let byMedian = report.rows.max { ($0.medianSharePct ?? 0) < ($1.medianSharePct ?? 0) }
        #expect(byMedian?.hop != "enrollment-v1 → payment")
        #expect((top.medianSharePct ?? 0) < (top.tailSharePct ?? 0))
    }

    @Test func filtersWindowAndLimit() throws {
        let db = try Self.store(lines: 6000, seed: 4)
        let all = try CriticalPathAnalysis(db: db).run(.init())
        var options = CriticalPathAnalysis.Options()
        options.limit = 50
        let limited = try CriticalPathAnalysis(db: db).run(options)
        #expect(limited.requests.count == 50)
        let earliest = all.requests.sorted { ($0.startUs, $0.req) < ($1.startUs, $1.req) }.prefix(50).map(\.req)
        #expect(limited.requests.map(\.req) == Array(earliest))

        let starts = all.requests.map(\.startUs).sorted()
        options = .init()
        options.sinceUs = starts[starts.count / 4]
        options.untilUs = starts[starts.count / 2]
        let window = try CriticalPathAnalysis(db: db).run(options)
        let expectedInWindow = all.requests.filter { $0.startUs >= options.sinceUs! && $0.startUs < options.untilUs! }
        #expect(Set(window.requests.map(\.req)) == Set(expectedInWindow.map(\.req)))

        options = .init()
        options.services = ["payment"]
        let payment = try CriticalPathAnalysis(db: db).run(options)
        #expect(!payment.requests.isEmpty && payment.requests.count < all.requests.count / 4)
        #expect(payment.rows.contains { $0.hop.hasSuffix("→ payment") })

        options = .init()
        options.route = "POST /api/courses/{id}/enroll"
        options.grouping = .route
        let enroll = try CriticalPathAnalysis(db: db).run(options)
        #expect(!enroll.requests.isEmpty)
        let rootHops = enroll.rows.filter { $0.hop.hasPrefix("istio-ingressgateway") }
        #expect(rootHops.map(\.hop) == ["istio-ingressgateway → frontend POST /api/courses/{id}/enroll"])
        #expect(rootHops.first?.requests == enroll.requests.count)
    }
}
