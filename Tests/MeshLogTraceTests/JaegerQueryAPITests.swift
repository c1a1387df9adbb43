import Foundation
import MeshLogAnalysis
import MeshLogStore
import Testing

/// The Jaeger query API over stores of generated traffic (serialized: the tests share one SQLite connection): the
/// envelope, every honoured search parameter, 400s for bad ones, and `/api/traces/{id}` agreeing with the tree
/// `meshlog trace --json` prints for the same id.
@Suite(.serialized) struct JaegerQueryAPITests {
    /// A store rebuilt from access logs only (retries, failures), built once.
    static let logStore: Result<(Database, [String]), Error> = Result {
        let (db, requests) = try TraceFixture.generated(lines: 2500, seed: 13, errorScale: 8, spans: false)
        return (db, requests.map(\.requestID))
    }

    static func api() throws -> (JaegerQueryAPI, Database, [String]) {
        let (db, ids) = try logStore.get()
        return (JaegerQueryAPI(reader: SQLiteTraceReader(db: db)), db, ids)
    }

    /// The answer's JSON object.
    static func body(_ r: JaegerQueryAPI.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
    }

    /// The traces of a 200 answer, checked for Jaeger's envelope and model.
    static func traces(_ r: JaegerQueryAPI.Response, _ label: String = "") throws -> [[String: Any]] {
        #expect(r.status == 200, "\(label): \(String(decoding: r.body, as: UTF8.self).prefix(300))")
        let b = try body(r)
        #expect(b["errors"] is NSNull && b["limit"] as? Int == 0 && b["offset"] as? Int == 0, "\(label)")
        let data = try #require(b["data"] as? [[String: Any]], "\(label)")
        #expect(b["total"] as? Int == data.count, "\(label)")
        for t in data {
            let spans = try #require(t["spans"] as? [[String: Any]])
            let processes = try #require(t["processes"] as? [String: [String: Any]])
            #expect(t["traceID"] as? String != nil)
            for s in spans {
                #expect(s["traceID"] as? String == t["traceID"] as? String)
                #expect((s["spanID"] as? String)?.count == 16)
                #expect(s["startTime"] is Int && s["duration"] is Int && s["logs"] is [Any])
                #expect(processes[s["processID"] as? String ?? ""]?["serviceName"] is String)
                for tag in s["tags"] as? [[String: Any]] ?? [] {
                    #expect(["string", "int64", "bool", "float64"].contains(tag["type"] as? String ?? ""))
                }
            }
        }
        return data
    }

    static func spans(_ t: [String: Any]) -> [[String: Any]] { t["spans"] as? [[String: Any]] ?? [] }
    static func tag(_ s: [String: Any], _ key: String) -> Any? {
        (s["tags"] as? [[String: Any]])?.first { $0["key"] as? String == key }?["value"]
    }
    static func bounds(_ t: [String: Any]) -> (start: Int, end: Int) {
        let s = spans(t)
        return (s.map { $0["startTime"] as? Int ?? 0 }.min() ?? 0, s.map { ($0["startTime"] as? Int ?? 0) + ($0["duration"] as? Int ?? 0) }.max() ?? 0)
    }

    @Test func servicesAndOperations() throws {
        let (api, _, _) = try Self.api()
        let services = try Self.body(api.respond(path: "/api/services", query: []))
        let names = try #require(services["data"] as? [String])
        #expect(names == names.sorted() && names.contains("frontend") && names.contains("course"), "\(names)")
        #expect(services["total"] as? Int == names.count && services["errors"] is NSNull)
        let ops = try Self.body(api.respond(path: "/api/services/course/operations", query: []))
        let opNames = try #require(ops["data"] as? [String])
        #expect(!opNames.isEmpty && opNames.allSatisfy { $0.hasPrefix("GET ") || $0.hasPrefix("POST ") || $0.hasPrefix("PUT ") || $0.hasPrefix("DELETE ") }, "\(opNames)")
        let objects = try Self.body(api.respond(path: "/api/operations", query: [("service", "course")]))
        #expect((objects["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == opNames)
        // Every operation finds traces with a span of that name.
        let op = opNames[0]
        let found = try Self.traces(api.respond(path: "/api/traces", query: [("service", "course"), ("operation", op), ("limit", "5")]))
        #expect(!found.isEmpty && found.allSatisfy { Self.spans($0).contains { $0["operationName"] as? String == op } })
    }

    @Test func searchHonoursEachParameter() throws {
        let (api, db, _) = try Self.api()
        let newest = try SQLiteTraceReader(db: db).newestStart()
        func search(_ q: [(String, String)]) throws -> [[String: Any]] {
            try Self.traces(api.respond(path: "/api/traces", query: q), "\(q)")
        }
        let five = try search([("service", "course"), ("limit", "5")])
        #expect(five.count == 5)
        #expect(five.allSatisfy { Self.spans($0).contains { Self.tag($0, "server.address") as? String == "course" } })
        #expect(try search([("service", "course")]).count == 20, "default limit")
        for t in try search([("service", "frontend"), ("minDuration", "60ms"), ("limit", "10")]) {
            let b = Self.bounds(t)
            #expect(b.end - b.start >= 60_000)
        }
        let short = try search([("service", "frontend"), ("maxDuration", "15ms"), ("limit", "10")])
        #expect(!short.isEmpty && short.allSatisfy { Self.bounds($0).end - Self.bounds($0).start <= 15_000 })
        let start = newest - 20 * 60_000_000, end = newest - 10 * 60_000_000
        let window = try search([("service", "frontend"), ("start", String(start)), ("end", String(end)), ("limit", "50")])
        #expect(!window.isEmpty && window.allSatisfy { Self.bounds($0).start >= start && Self.bounds($0).start < end + 1000 })
        let recent = try search([("service", "frontend"), ("lookback", "5m"), ("limit", "50")])
        #expect(!recent.isEmpty && recent.allSatisfy { Self.bounds($0).start >= newest - 5 * 60_000_000 - 1000 })
        let failing = try search([("service", "frontend"), ("tags", "{\"http.status_code\":\"503\"}"), ("limit", "5")])
        #expect(!failing.isEmpty && failing.allSatisfy { Self.spans($0).contains { Self.tag($0, "http.response.status_code") as? Int == 503 } })
        let errors = try search([("service", "frontend"), ("tags", "{\"error\":\"true\"}"), ("limit", "5")])
        #expect(!errors.isEmpty && errors.allSatisfy { Self.spans($0).contains { Self.tag($0, "error") as? Bool == true } })
        let retried = try search([("service", "frontend"), ("tag", "response_flags:URX"), ("limit", "3")])
        #expect(!retried.isEmpty && retried.allSatisfy { Self.spans($0).contains { Self.tag($0, "response_flags") as? String == "URX" } })
        // traceID fetches those traces.
        let ids = five.compactMap { $0["traceID"] as? String }
        let fetched = try search(ids.map { ("traceID", $0) })
        #expect(fetched.compactMap { $0["traceID"] as? String } == ids)
    }

    @Test func badParametersAnswer400() throws {
        let (api, _, _) = try Self.api()
        let bad: [[(String, String)]] = [
            [], [("service", "course"), ("limit", "many")], [("service", "course"), ("minDuration", "fast")],
            [("service", "course"), ("tags", "not json")], [("service", "course"), ("start", "yesterday")],
            [("service", "course"), ("start", "200"), ("end", "100")], [("service", "course"), ("lookback", "a while")],
            [("service", "course"), ("minDuration", "2s"), ("maxDuration", "1s")], [("service", "course"), ("tag", "nocolon")],
        ]
        for q in bad {
            let r = api.respond(path: "/api/traces", query: q)
            #expect(r.status == 400, "\(q)")
            let b = try Self.body(r)
            #expect(b["data"] is NSNull, "\(q)")
            let errors = try #require(b["errors"] as? [[String: Any]], "\(q)")
            #expect(errors.first?["code"] as? Int == 400 && !(errors.first?["msg"] as? String ?? "").isEmpty, "\(q)")
        }
        #expect(api.respond(path: "/api/nothing", query: []).status == 404)
        let missing = api.respond(path: "/api/traces/00000000000000000000000000000bad", query: [])
        let missingErrors = try Self.body(missing)["errors"] as? [[String: Any]]
        #expect(missing.status == 404 && missingErrors?.first?["msg"] as? String == "trace not found")
    }

    @Test func traceByIDAgreesWithTheTree() throws {
        let (api, db, ids) = try Self.api()
        let loader = TraceLoader(db: db)
        var retried = 0
        for id in ids.prefix(60) {
            let tree = try #require(try loader.load(id))
            let byRequest = try Self.traces(api.respond(path: "/api/traces/\(id)", query: []), "\(id)")
            let t = try #require(byRequest.first)
            let spans = Self.spans(t)
            // The trace id (the request's UUID) leads back to the same request.
            let byTraceID = api.respond(path: "/api/traces/\(t["traceID"] as? String ?? "")", query: [])
            #expect(byTraceID == api.respond(path: "/api/traces/\(id)", query: []), "\(id)")
            // Hops are the CLIENT spans: same operations, durations and statuses as the tree's hops.
            func kind(_ s: [String: Any]) -> String? { Self.tag(s, "span.kind") as? String }
            let hops = tree.nodes.filter { $0.kind == .hop }.map { "\($0.operation) \($0.clientUs ?? -1) \($0.status)" }.sorted()
            let clients = spans.filter { kind($0) == "client" }
                .map { "\($0["operationName"] as? String ?? "") \($0["duration"] as? Int ?? 0) \(Self.tag($0, "http.response.status_code") as? Int ?? -1)" }.sorted()
            #expect(clients == hops, "\(id)")
            // Every inbound line a SERVER span, every failure marked.
            let inbound = tree.nodes.filter { $0.kind == .hop }.map(\.inboundLines).reduce(0, +) + tree.nodes.filter { $0.kind == .inbound }.count
            #expect(spans.filter { kind($0) == "server" }.count == inbound, "\(id)")
            #expect(spans.contains { Self.tag($0, "error") as? Bool == true } == tree.nodes.contains { $0.isError }, "\(id)")
            let b = Self.bounds(t)
            let grew = Int64(b.end) - tree.endUs
            #expect(Int64(b.start) == tree.startUs && grew >= 0 && grew <= 1000, "\(id)")
            if tree.nodes.contains(where: { $0.kind == .attempt }) { retried += 1 }
        }
        #expect(retried > 0)
    }

    @Test func spanTracesByIDKeepTheirSpans() throws {
        let (db, requests) = try TraceFixture.generated(lines: 300, seed: 5, errorScale: 3, spans: true)
        let api = JaegerQueryAPI(reader: SQLiteTraceReader(db: db))
        for request in requests.prefix(10) {
            let tree = try #require(try TraceLoader(db: db).load(request.requestID))
            let traceID = try #require(tree.traceIDs.first)
            let t = try #require(try Self.traces(api.respond(path: "/api/traces/\(traceID.uppercased())", query: [])).first)
            let spans = Self.spans(t)
            #expect(spans.count == tree.nodes.count)
            let durations = Dictionary(uniqueKeysWithValues: tree.nodes.compactMap { n in n.spanID.map { ("\($0) \(n.spanKind ?? "")", n.durationUs) } })
            for s in spans {
                let key = "\(s["spanID"] as? String ?? "") \(Self.tag(s, "span.kind") as? String ?? "internal")"
                #expect(durations[key] == (s["duration"] as? Int).map(Int64.init), "\(key)")
            }
        }
    }
}
