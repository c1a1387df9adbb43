import Foundation
import Testing
import MeshLogStore
import MeshLogTestSupport
@testable import MeshLogAnalysis

/// `meshlog why` on generated cascades with a known origin, from access logs alone, spans alone and both; and on
/// hand-built trees for what must not be forced: a retry that succeeded below the failure, a timeout whose callee
/// answered, and a fault injected on purpose.
@Suite struct FailureOriginsTests {
    /// A generated hour (clean apart from `options`) as three stores: its access logs, its spans, both.
    final class Cascade: @unchecked Sendable {
        let dir: TemporaryDirectory
        let logs: String, spans: String, both: String

        init(_ options: [String], lines: Int = 20_000) throws {
            dir = try TemporaryDirectory(prefix: "meshlog-why")
            let generated = try MeshLogBinary.run(["generate", "--lines", "\(lines)", "--seed", "4", "--error-rate-scale", "0",
                                                   "--split-by-pod", dir.path("pods"), "--spans", dir.path("spans.json")] + options)
            guard generated.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            logs = dir.path("logs.db"); spans = dir.path("spans.db"); both = dir.path("both.db")
            for (inputs, db) in [([dir.path("pods")], logs), ([dir.path("spans.json")], spans), ([dir.path("pods"), dir.path("spans.json")], both)] {
                guard try MeshLogBinary.run(["ingest"] + inputs + ["--db", db, "--quiet"]).status == 0 else { throw CocoaError(.fileWriteUnknown) }
            }
        }

        func why(_ db: String) throws -> FailureOrigins {
            try FailureOrigins(reader: SQLiteTraceReader(db: SQLiteStore.openForReading(path: db)), sinceUs: nil, untilUs: nil)
        }

        /// Requests with a line of `status` from `service`, counted in SQL (independently of the trees).
        func requests(_ db: String, status: Int, service: String) throws -> Int {
            let rows = try SQLiteStore.openForReading(path: db).rows(
                "SELECT count(DISTINCT request_id) FROM access_log WHERE status = ? AND service = ?", [.integer(Int64(status)), .text(service)])
            return Int(rows.first?[0].int64 ?? -1)
        }

        /// Requests the gateway answered with a failure (5xx or none), counted in SQL: the failing requests.
        func failingAtTheGateway(_ db: String) throws -> Int {
            let rows = try SQLiteStore.openForReading(path: db).rows(
                "SELECT count(DISTINCT request_id) FROM access_log WHERE reporter LIKE 'istio-ingressgateway%' AND (status >= 500 OR status = 0)", [])
            return Int(rows.first?[0].int64 ?? -1)
        }
    }

    @Test func aNewErrorSignatureIsItsOwnOriginOnEveryBasis() throws {
        let c = try Cascade(["--error", "frontend->user=501:0.05"])
        // Every request the gateway answered with a failure, and only those (frontend tolerates some of user's 501s).
        let expected = try c.failingAtTheGateway(c.logs)
        let with501 = try c.requests(c.logs, status: 501, service: "user")
        #expect(expected > 30 && expected <= with501)
        var perPod: [[String: Int]] = []
        for db in [c.logs, c.spans, c.both] {
            let o = try c.why(db)
            #expect(o.failing == expected, "\(db): \(o.rows.map { "\($0.origin.service) \($0.origin.status) \($0.requests) \($0.chain)" })")
            #expect(o.ambiguous.isEmpty && o.injected == 0)
            #expect(o.rows.allSatisfy { $0.origin.service == "user" && $0.origin.status == "501" && $0.chain == ["user 501", "frontend 502"] })
            #expect(o.rows.reduce(0) { $0 + $1.requests } == expected)
            perPod.append(Dictionary(o.rows.map { ($0.origin.pod ?? "-", $0.requests) }, uniquingKeysWith: +))
        }
        // The pods come from the callee's inbound lines, or its server spans' node ids: the same split.
        #expect(perPod[0] == perPod[1] && perPod[1] == perPod[2] && perPod[0].count == 3)
    }

    @Test func aCrashedServiceIsTheOriginOfItsCascade() throws {
        let c = try Cascade(["--incident", "payment", "--error", "frontend->user=501:0.02"], lines: 60_000)
        for db in [c.logs, c.spans, c.both] {
            let o = try c.why(db)
            let payment = o.rows.filter { $0.origin.service == "payment" }
            let user = o.rows.filter { $0.origin.service == "user" }
            #expect(!payment.isEmpty && !user.isEmpty)
            #expect(payment.allSatisfy { $0.origin.status == "503" && $0.chain.first?.hasPrefix("payment 503") == true })
            // The crash travels up through enrollment to the entry.
            #expect(payment.allSatisfy { $0.chain.count == 3 && $0.chain[1].hasPrefix("enrollment 5") && $0.chain[2].hasPrefix("frontend 5") })
            #expect(o.rows.reduce(0) { $0 + $1.requests } + o.ambiguous.values.reduce(0, +) == o.failing)
            let with501 = try c.requests(c.logs, status: 501, service: "user")
            #expect(user.reduce(0) { $0 + $1.requests } <= with501)
        }
    }

    @Test func theBadCanaryIsNamedAtItsOwnRate() throws {
        // The generator's built-in bad rollout: course v2 (10 % of course's traffic) fails 2 % of its calls, v1 0.5 %.
        let dir = try TemporaryDirectory(prefix: "meshlog-why-canary")
        let log = dir.path("mesh.log"), db = dir.path("mesh.db")
        #expect(try MeshLogBinary.run(["generate", "--lines", "80000", "--seed", "6", "--output", log]).status == 0)
        #expect(try MeshLogBinary.run(["ingest", log, "--db", db, "--quiet"]).status == 0)
        let o = try FailureOrigins(reader: SQLiteTraceReader(db: SQLiteStore.openForReading(path: db)), sinceUs: nil, untilUs: nil)
        func origins(_ subset: String) -> Int {
            o.rows.filter { $0.origin.service == "course" && $0.origin.subset == subset && $0.origin.status == "500" }.reduce(0) { $0 + $1.requests }
        }
        // Per call the canary is named as an origin several times as often as the stable version, as configured.
        let calls = try SQLiteStore.openForReading(path: db).rows(
            "SELECT subset, count(*) FROM access_log WHERE service = 'course' AND direction = 'outbound' GROUP BY subset", [])
        let bySubset = Dictionary(uniqueKeysWithValues: calls.compactMap { r in r[0].string.map { ($0, Double(r[1].int64 ?? 0)) } })
        let v1 = Double(origins("v1")) / (bySubset["v1"] ?? 1), v2 = Double(origins("v2")) / (bySubset["v2"] ?? 1)
        #expect(origins("v2") >= 10 && v1 > 0)
        #expect(v2 > 2.5 * v1, "v1 \(origins("v1")) of \(bySubset["v1"] ?? 0), v2 \(origins("v2")) of \(bySubset["v2"] ?? 0)")
        #expect(o.rows.filter { $0.origin.service == "course" && $0.origin.subset == "v2" }.allSatisfy { $0.chain.last?.hasPrefix("frontend") == true })
    }

    /// The trees loaded many at a time give the origins loaded one at a time give, from logs, spans and both; and the
    /// batch holds exactly what the one-at-a-time statements return, in their order.
    @Test func batchLoadingGivesTheSameOriginsAsOneAtATime() throws {
        let c = try Cascade(["--incident", "payment", "--error", "frontend->user=501:0.02"], lines: 30_000)
        for db in [c.logs, c.spans, c.both] {
            let reader = SQLiteTraceReader(db: try SQLiteStore.openForReading(path: db))
            let batched = try FailureOrigins(reader: reader, sinceUs: nil, untilUs: nil, batchSize: 17)
            let single = try FailureOrigins(reader: reader, sinceUs: nil, untilUs: nil, batchSize: 1)
            #expect(batched.failing > 30 && batched.rows.contains { $0.origin.service == "payment" }, "\(db) \(batched.failing) \(batched.rows.map { "\($0.origin.service) \($0.requests)" })")
            #expect(batched.table().rows == single.table().rows, "\(db)")
            #expect(batched.failing == single.failing && batched.injected == single.injected && batched.ambiguous == single.ambiguous)

            let requests = try reader.failingRequests(sinceUs: nil, untilUs: nil, limit: 400)
            let traces = try reader.failingTraces(sinceUs: nil, untilUs: nil, limit: 400)
            let batch = try reader.records(requests: requests, traces: traces)
            #expect(batch.linesByRequest.count == requests.count && batch.spansByTrace.count == traces.count)
            for r in requests {
                #expect(batch.linesByRequest[r] == (try reader.logLines(request: r)), "\(db) \(r)")
                #expect(batch.tracesByRequest[r] == (try reader.traces(request: r)), "\(db) \(r)")
            }
            for t in traces {
                #expect(batch.spansByTrace[t] == (try reader.spans(trace: t)), "\(db) \(t)")
                #expect(batch.linesByTrace[t] == (try reader.logLines(trace: t)), "\(db) \(t)")
            }
            // Lines found through their traces: `both` has lines with trace ids.
            let named = batch.named()
            if db == c.both { #expect(!named.traces.isEmpty || !traces.isEmpty) }
        }
    }

    /// The daily report's "Where failures started": the rows `meshlog why` gives over the same window (the top ten
    /// origins, then the injected and ambiguous counts), the payment crash first, in JSON, Markdown and HTML; and,
    /// on a window over the report's budget, only its busiest buckets, said in the section.
    @Test func theReportSaysWhereFailuresStarted() throws {
        let c = try Cascade(["--incident", "payment"], lines: 60_000)
        let window = ["--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z", "--db", c.logs]
        let json = try MeshLogBinary.run(["report", "--json"] + window)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        let section = try #require(object["failure_origins"] as? [String: Any])
        let rows = try #require(section["rows"] as? [[String: Any]])
        let why = try MeshLogBinary.run(["why", "--json"] + window)
        let all = try #require(try JSONSerialization.jsonObject(with: Data(why.stdout.utf8)) as? [[String: Any]])
        let apart = all.filter { ($0["service"] as? String)?.hasPrefix("(") == true }
        let origins = all.filter { ($0["service"] as? String)?.hasPrefix("(") != true }
        #expect(origins.count > 3 && rows.count == min(10, origins.count) + apart.count)
        #expect(NSArray(array: rows) == NSArray(array: Array(origins.prefix(10)) + apart))
        #expect(rows.first?["service"] as? String == "payment" && rows.first?["status"] as? String == "503", "\(rows.first ?? [:])")
        #expect(section["failing_requests"] as? Int == all.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) })
        #expect(section["origins"] as? Int == origins.count && section["sampled"] as? Bool == false && section["truncated"] as? Bool == false)
        #expect(section["all"] as? String == "meshlog why --since 2026-11-25T00:00:00Z --until 2026-11-26T00:00:00Z")

        let markdown = try MeshLogBinary.run(["report"] + window)
        #expect(markdown.stdout.contains("## Where failures started\n\nEach failing request") && markdown.stdout.contains("| payment | "))
        let html = c.dir.path("report.html")
        #expect(try MeshLogBinary.run(["report", "--html", html, "--quiet"] + window).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<h2>Where failures started</h2>") && page.contains("<td>payment</td>"))

        // Over the budget: the busiest buckets only, and the section says which.
        let start = try #require(TimeExpression.parseRFC3339("2026-11-25T00:00:00Z"))
        let day: Int64 = 86_400_000_000
        let small = try DailyReport(location: .sqlite(path: c.logs), window: (start, start + day), baseline: (start - day, start), originHopBudget: 2_000)
        // (the incident's failures fall in one 15-minute bucket, so they are all followed)
        #expect(small.originsSampled && small.originWindows.count == 1 && small.originErrors.followed <= small.originErrors.window)
        #expect(small.originWindows[0].end - small.originWindows[0].start == small.timelineBucketMicros)
        #expect(small.origins.failing > 0 && small.origins.failing <= (section["failing_requests"] as? Int ?? 0))
        #expect(section["window_failing_hops"] as? Int == small.originErrors.window)
        #expect(ReportRenderer.markdown(small).contains("only the failing requests of the \(small.originWindows.count) busiest"))
    }

    /// `meshlog why` as a user runs it, with each of its options.
    @Test func theCommand() throws {
        let c = try Cascade(["--error", "frontend->user=501:0.05"], lines: 8_000)
        let csv = try MeshLogBinary.run(["why", "--limit", "5", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-25T01:00:00Z",
                                         "--service", "user", "--csv", "--explain", "--db", c.logs])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("service,subset,pod,status,flags,details,requests,share_pct,first,last,chain"), "\(csv.stdout.prefix(300))")
        #expect(csv.stderr.contains("SELECT r.rid FROM request r") && csv.stderr.contains("only the first 5 failing requests"))
        let markdown = try MeshLogBinary.run(["why", "--markdown", "--store", "sqlite:" + c.both])
        #expect(markdown.status == 0 && markdown.stdout.contains("| user "))
        let json = try MeshLogBinary.run(["why", "--json", "--db", c.spans])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(!rows.isEmpty && rows.allSatisfy { $0["chain"] as? String == "user 501 → frontend 502" })
        let none = try MeshLogBinary.run(["why", "--until", "2026-11-24T00:00:00Z", "--db", c.logs])
        #expect(none.status == 0 && none.stdout == "no failing request in the window\n")
    }

    // MARK: hand-built trees

    static func line(_ id: Int64, _ start: Int64, _ inbound: Bool, _ service: String, _ status: Int64, _ flags: String = "-",
                     reporter: String, details: String? = nil) -> TraceLogLine {
        TraceLogLine(id: id, startUs: start, durationMs: 10, upstreamMs: nil, reporter: reporter, inbound: inbound, method: "GET",
                     path: "/x", route: nil, status: status, flags: flags, service: service, upstreamLocal: nil, downstreamLocal: nil,
                     downstreamRemote: nil, requestID: "r", traceID: nil, details: details)
    }

    static func node(_ service: String, _ status: String, _ start: Int64, flags: String = "", lines: [Int64] = [], kind: TraceNode.Kind = .hop) -> TraceNode {
        var n = TraceNode(kind: kind, service: service, operation: "GET /x", startUs: start, durationUs: 10_000, status: status,
                          isError: (Int(status) ?? 0) >= 500 || status == "0", flags: flags)
        n.logLines = lines
        return n
    }

    @Test func aRetryThatSucceededBelowIsAmbiguous() {
        var tree = TraceTree()
        let root = tree.add(Self.node("frontend", "500", 0), parent: nil)
        tree.add(Self.node("user", "503", 100), parent: root)
        tree.add(Self.node("user", "200", 200), parent: root)
        #expect(FailureOrigins.outcome(LoadedTrace(tree: tree, spans: [], lines: [])) == .ambiguous(.retrySucceeded))
        // Without the successful retry, the user call is the origin.
        var plain = TraceTree()
        let r = plain.add(Self.node("frontend", "500", 0), parent: nil)
        plain.add(Self.node("user", "503", 100, flags: "UF"), parent: r)
        guard case .origin(let o, let chain) = FailureOrigins.outcome(LoadedTrace(tree: plain, spans: [], lines: [])) else {
            Issue.record("no origin"); return
        }
        #expect(o.service == "user" && o.status == "503" && o.flags == "UF" && chain == ["user 503 UF", "frontend 500"])
    }

    @Test func aTimeoutWhoseCalleeAnsweredIsAmbiguous() {
        var tree = TraceTree()
        let root = tree.add(Self.node("frontend", "504", 0, flags: "UT", lines: [1, 2]), parent: nil)
        _ = root
        let lines = [Self.line(1, 0, false, "frontend", 504, "UT", reporter: "gateway-1"), Self.line(2, 5, true, "frontend", 200, reporter: "frontend-1")]
        #expect(FailureOrigins.outcome(LoadedTrace(tree: tree, spans: [], lines: lines)) == .ambiguous(.slowCallee))
        // A timeout whose callee never answered is the callee's.
        let unanswered = [Self.line(1, 0, false, "frontend", 504, "UT", reporter: "gateway-1")]
        guard case .origin(let o, _) = FailureOrigins.outcome(LoadedTrace(tree: tree, spans: [], lines: unanswered)) else {
            Issue.record("no origin"); return
        }
        #expect(o.service == "frontend" && o.status == "504" && o.pod == nil)
    }

    @Test func anInjectedFaultIsKeptApart() throws {
        var tree = TraceTree()
        let root = tree.add(Self.node("frontend", "503", 0, lines: [1]), parent: nil)
        tree.add(Self.node("user", "503", 100, flags: "FI", lines: [2]), parent: root)
        let lines = [Self.line(1, 0, false, "frontend", 503, reporter: "gateway-1"),
                     Self.line(2, 100, false, "user", 503, "FI", reporter: "frontend-1", details: "fault_filter_abort")]
        let loaded = LoadedTrace(tree: tree, spans: [], lines: lines)
        guard case .injected(let o) = FailureOrigins.outcome(loaded) else { Issue.record("not kept apart"); return }
        #expect(o.service == "user" && o.details == "fault_filter_abort")
        let all = FailureOrigins(trees: [loaded])
        #expect(all.failing == 1 && all.injected == 1 && all.rows.isEmpty)
        #expect(all.table().rows.first?.first == .text("(injected fault)"))
    }
}
