import Foundation
import Testing
import MeshLogTestSupport
import MeshLogAnalysis
import MeshLogStore
@testable import MeshLogWeb

/// Every page over a generated store, in process: what it shows against the CLI's `--json` for the same
/// question, the security headers, escaping of hostile log values, and errors for bad parameters.
@Suite struct WebAppTests {
    let fixture: WebStoreFixture

    init() throws { fixture = try WebStoreFixture.shared.get() }

    static let pages = ["/graph", "/status", "/status?by=code,flag", "/status?by=edge,code&service=payment", "/hops", "/timeline",
                        "/timeline?bucket=5m", "/traces", "/traces?status=5xx&service=payment", "/compare",
                        "/compare?baseline_subset=v1&candidate_subset=v2", "/report", "/sql",
                        "/sql?q=SELECT%20status%2C%20count(*)%20AS%20n%20FROM%20access_log%20GROUP%20BY%201",
                        "/sql?query=error_edges", "/edge?source=frontend-v1&service=course&subset=v1"]

    @Test(arguments: pages)
    func everyPageAnswersWithTheSecurityHeaders(_ target: String) {
        let r = fixture.get(target)
        #expect(r.status == 200, "\(target): \(r.text.prefix(2000))")
        #expect(r.contentType == "text/html; charset=utf-8")
        let csp = r.headers.first { $0.name == "Content-Security-Policy" }?.value ?? ""
        #expect(csp.contains("script-src 'self'") && csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"))
        #expect(r.headers.contains { $0.name == "X-Content-Type-Options" && $0.value == "nosniff" })
        // No inline script, handler or style attribute anywhere: the policy would block them.
        #expect(!r.text.contains("<script>") && !r.text.contains(" onclick=") && !r.text.contains(" style=\""))
        #expect(r.text.contains("<script src=\"/static/meshlog.js\" defer></script>"))
    }

    @Test func statusTableIsTheCLIsAnswer() throws {
        for by in ["service", "code,flag", "edge,code", "edge,tls"] {
            let page = fixture.get("/status?by=\(by)")
            let shown = try #require(PageTables.rows(page.text, id: "status"))
            let cli = PageTables.json(try fixture.cli(["status", "--by", by, "--json"]))
            #expect(!cli.isEmpty)
            #expect(shown == cli, "status --by \(by)")
        }
    }

    @Test func injectedFaultsCountAsErrorsOnlyWhenAsked() throws {
        for (target, flag) in [("/status?by=code,flag", [String]()), ("/status?by=code,flag&include_injected=1", ["--include-injected"])] {
            let shown = try #require(PageTables.rows(fixture.get(target).text, id: "status"))
            #expect(shown == PageTables.json(try fixture.cli(["status", "--by", "code,flag", "--json"] + flag)), "\(target)")
        }
        let report = fixture.get("/report?include_injected=1").text
        #expect(report.contains("counted as errors above") && !fixture.get("/report").text.contains("counted as errors above"))
    }

    @Test func hopsAndTimelineAreTheCLIsAnswers() throws {
        let hops = try #require(PageTables.rows(fixture.get("/hops?since=30m").text, id: "hops"))
        #expect(hops == PageTables.json(try fixture.cli(["hops", "--since", "30m", "--json"])))
        let timeline = try #require(PageTables.rows(fixture.get("/timeline?bucket=5m&service=payment").text, id: "timeline"))
        #expect(timeline == PageTables.json(try fixture.cli(["timeline", "--bucket", "5m", "--service", "payment", "--json"])))
        #expect(timeline.count >= 12)
    }

    @Test func graphLinksEveryEdgeToItsHops() throws {
        let page = fixture.get("/graph").text
        let edges = try #require(PageTables.rows(page, id: "edges"))
        let graph = try JSONSerialization.jsonObject(with: Data(try fixture.cli(["graph", "--format", "json"]).utf8)) as? [String: Any]
        let cliEdges = graph?["edges"] as? [[String: Any]] ?? []
        #expect(edges.count > 8 && edges.count == cliEdges.count)
        #expect(edges.map { $0["requests"] as? Int ?? -1 }.sorted() == cliEdges.map { $0["requests"] as? Int ?? -2 }.sorted())
        for edge in edges {
            let source = edge["source"] as? String ?? ""
            let service = edge["service"] as? String
            let subset = edge["subset"] as? String
            let link = WebURL.link("/edge", [("source", source), ("service", service), ("subset", subset)])
            #expect(page.contains("href=\"\(HTML.escape(link))\""), "no link for \(source) → \(service ?? "-")")
            // The edge page shows exactly that edge's hops row.
            let hops = try #require(PageTables.rows(fixture.get(link).text, id: "hops"))
            #expect(hops.count == 1 && hops[0]["requests"] == edge["requests"], "\(link)")
        }
        // The payment incident makes at least one failing (red, dashed) edge.
        #expect(page.contains("class=\"edge bad\""))
    }

    @Test func requestSearchAndWaterfallAgreeWithTheCLI() throws {
        let rows = try #require(PageTables.rows(fixture.get("/traces?status=5xx&limit=5").text, id: "requests"))
        let cli = PageTables.json(try fixture.cli(["traces", "--status", "5xx", "--limit", "5", "--json"]))
        #expect(rows == cli && rows.count == 5)
        let id = try #require(rows.first?["id"] as? String)
        let trace = fixture.get("/trace/" + WebURL.encode(id))
        #expect(trace.status == 200)
        // The waterfall's rows, expanded as its script does, are the nodes `trace --json` prints, field for field.
        let shown = try #require(PageTables.waterfallRows(trace.text))
        let expected = PageTables.treeRows(try fixture.cli(["trace", id, "--json", "--full"]))
        #expect(!expected.isEmpty && shown as [NSDictionary] == expected)
        #expect(trace.text.contains("<script src=\"/static/waterfall.js\" defer></script>"))
    }

    @Test func diffComparesTwoRequests() throws {
        // Pairs of requests to the same route, until one has rows in both (the diff matches rows by caller too).
        let rows = try #require(PageTables.rows(fixture.get("/traces?limit=60&service=course").text, id: "requests"))
        let byRoute = Dictionary(grouping: rows) { $0["root_route"] as? String ?? "" }
        func flatten(_ rows: [[String: Any]]) -> [String] {
            rows.flatMap { [$0["presence"] as? String ?? "?"] + flatten($0["children"] as? [[String: Any]] ?? []) }
        }
        var checked = 0
        for route in byRoute.keys.sorted() {
            let ids = byRoute[route]!.compactMap { $0["id"] as? String }
            guard ids.count >= 2 else { continue }
            let diff = try JSONSerialization.jsonObject(with: Data(try fixture.cli(["diff", ids[0], ids[1], "--json"]).utf8)) as? [String: Any]
            let presence = flatten(diff?["rows"] as? [[String: Any]] ?? [])
            let page = fixture.get("/diff?id=\(WebURL.encode(ids[0]))&id=\(WebURL.encode(ids[1]))")
            #expect(page.status == 200)
            #expect(page.text.contains("\(presence.filter { $0 == "both" }.count) rows in both, \(presence.filter { $0 == "a" }.count) only in A"))
            #expect(page.text.components(separatedBy: "data-presence=").count - 1 == presence.count)
            checked += 1
        }
        #expect(checked >= 3)
    }

    @Test func hostileValuesRenderAsText() throws {
        let search = fixture.get("/traces?status=503&limit=200").text
        #expect(search.contains(HTML.escape(WebStoreFixture.hostileRequest)))
        let trace = fixture.get("/trace/" + WebURL.encode(WebStoreFixture.hostileRequest))
        #expect(trace.status == 200)
        let sql = fixture.get("/sql?q=" + WebURL.encode("SELECT path, user_agent, request_id FROM access_log WHERE request_id LIKE 'evil%'"))
        #expect(PageTables.rows(sql.text, id: "result")?.first?["user_agent"] as? String == WebStoreFixture.imageAgent)
        for page in [search, trace.text, sql.text, fixture.get("/status?by=route").text] {
            #expect(!page.contains("<script>alert"))
            #expect(!page.contains("<img src=x"))
            #expect(!page.contains("<b>1</b>"))
        }
        #expect(sql.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(trace.text.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e") || trace.text.contains("courses/\\u003cscript"))
    }

    @Test func consoleShowsAtMostItsLimitAndStopsRunawayStatements() throws {
        let all = fixture.get("/sql?q=" + WebURL.encode("SELECT id, path FROM access_log"))
        #expect(PageTables.rows(all.text, id: "result")?.count == SQLPage.rowLimit)
        #expect(all.text.contains("The first \(SQLPage.rowLimit) rows; add a LIMIT"))
        let few = fixture.get("/sql?q=" + WebURL.encode("SELECT id FROM access_log LIMIT 3"))
        #expect(PageTables.rows(few.text, id: "result")?.count == 3 && few.text.contains(">3 rows.<"))
        // A statement that never ends is interrupted.
        let db = try SQLiteStore.openForReading(path: fixture.database)
        let forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let started = Date()
        #expect(throws: (any Error).self) { try SQLQuery.run(db, sql: forever, limit: 10, timeout: 0.3) }
        #expect(Date().timeIntervalSince(started) < 20)
    }

    /// The Jaeger query API beside the pages: services, operations, search and a trace by id, in jaeger-query's envelope.
    @Test func jaegerAPIBesideThePages() throws {
        func json(_ target: String) throws -> (Int, [String: Any]) {
            let r = fixture.get(target)
            #expect(r.contentType.hasPrefix("application/json"))
            return (r.status, try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] ?? [:])
        }
        let (status, services) = try json("/api/services")
        #expect(status == 200 && (services["data"] as? [String] ?? []).contains("payment"))
        let operations = try json("/api/services/payment/operations").1["data"] as? [String] ?? []
        #expect(!operations.isEmpty)
        let found = try json("/api/traces?service=payment&limit=3").1["data"] as? [[String: Any]] ?? []
        #expect(found.count == 3)
        let id = try #require(found.first?["traceID"] as? String)
        let one = try json("/api/traces/\(id)")
        #expect(one.0 == 200 && (one.1["data"] as? [[String: Any]])?.first?["traceID"] as? String == id)
        let missing = try json("/api/traces?limit=1")
        #expect(missing.0 == 400 && ((missing.1["errors"] as? [[String: Any]])?.first?["code"] as? Int) == 400)
        #expect(fixture.get("/api/traces/00000000000000000000000000000001").status == 404)
        // Dependencies: the graph's calls per caller and callee service, as many in all as the graph's edges carry.
        let deps = try json("/api/dependencies").1["data"] as? [[String: Any]] ?? []
        let graph = try JSONSerialization.jsonObject(with: Data(try fixture.cli(["graph", "--format", "json"]).utf8)) as? [String: Any]
        let edges = (graph?["edges"] as? [[String: Any]] ?? []).filter { $0["service"] is String }
        #expect(deps.reduce(0) { $0 + ($1["callCount"] as? Int ?? 0) } == edges.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) })
        #expect(deps.contains { $0["parent"] as? String == "frontend" && $0["child"] as? String == "user" })
        #expect(try json("/api/dependencies?endTs=1&lookback=1").1["data"] as? [Any] != nil)
        #expect(fixture.get("/api/dependencies?lookback=soon").status == 400)
    }

    @Test func readOnlyAndErrors() {
        #expect(fixture.get("/graph", method: "POST").status == 405)
        #expect(fixture.get("/sql?q=DROP%20VIEW%20access_log").status == 400)
        #expect(fixture.get("/sql?q=DROP%20VIEW%20access_log").text.contains("only runs statements that read"))
        let head = fixture.get("/graph", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(fixture.get("/").status == 303)
        #expect(fixture.get("/nothing-here").status == 404)
        #expect(fixture.get("/trace/no-such-request").status == 404)
        for bad in ["/status?since=yesterdayish", "/status?by=colour", "/traces?status=abc", "/traces?limit=0",
                    "/timeline?bucket=soon", "/diff?a=x", "/compare?baseline_subset=v1", "/edge"] {
            let r = fixture.get(bad)
            #expect(r.status == 400, "\(bad): \(r.status)")
            #expect(r.text.contains("class=\"error\""))
        }
        #expect(fixture.get("/static/meshlog.css").headers.contains { $0.name == "Cache-Control" && $0.value == "max-age=3600" })
        #expect(fixture.get("/api/nothing").contentType.hasPrefix("application/json"))
    }
}
