import MeshLogAnalysis
import MeshLogStore
import Testing

@Suite("meshlog hops")
struct HopsTests {
    let fixture = Fixture.shared

    struct Expected {
        var requests = 0
        var errors = 0
        var matched = 0
        var client: [Double] = []
        var server: [Double] = []
        var overhead: [Double] = []
        var upstream: [Double] = []
        var flags: [String: Int] = [:]
    }

    /// Per edge, from the generator's ground truth (which call each line belongs to), not from
    /// addresses: hops from the caller's lines, the server side from every inbound line of the edge.
    func expected(_ hops: [Fixture.Hop], _ serverLines: [(source: String, service: String?, subset: String?, line: Fixture.Line)]) -> [[String?]: Expected] {
        var out: [[String?]: Expected] = [:]
        for h in hops {
            var e = out[[h.source, h.service, h.subset]] ?? Expected()
            e.requests += 1
            if h.line.isError { e.errors += 1 }
            if let c = h.client { e.client.append(Double(c.durationMs)) }
            if !h.line.flags.isEmpty { e.flags[h.line.flags.joined(separator: ","), default: 0] += 1 }
            out[[h.source, h.service, h.subset]] = e
        }
        for s in serverLines {
            var e = out[[s.source, s.service, s.subset]] ?? Expected()
            e.matched += 1
            e.server.append(Double(s.line.durationMs))
            if let u = s.line.upstreamMs { e.upstream.append(Double(u)) }
            out[[s.source, s.service, s.subset]] = e
        }
        return out
    }

    /// Client minus server at each percentile.
    func difference(_ client: [Double], _ server: [Double]) -> LatencySummary {
        let c = Fixture.summary(client), s = Fixture.summary(server)
        func minus(_ a: Double?, _ b: Double?) -> Double? { a.flatMap { a in b.map { a - $0 } } }
        return LatencySummary(p50: minus(c.p50, s.p50), p90: minus(c.p90, s.p90), p99: minus(c.p99, s.p99), max: minus(c.max, s.max))
    }

    func check(_ got: LatencySummary, _ values: [Double], _ what: String) {
        check(got, Fixture.summary(values), what)
    }

    func check(_ got: LatencySummary, _ want: LatencySummary, _ what: String) {
        #expect(close(got.p50, want.p50), "\(what) p50 \(String(describing: got.p50)) want \(String(describing: want.p50))")
        #expect(close(got.p90, want.p90), "\(what) p90")
        #expect(close(got.p99, want.p99), "\(what) p99 \(String(describing: got.p99)) want \(String(describing: want.p99))")
        #expect(close(got.max, want.max), "\(what) max")
    }

    @Test("every edge's counts and exact client, server, overhead and upstream percentiles")
    func edges() throws {
        let report = try HopsReport(session: fixture.session())
        let want = expected(fixture.hops, fixture.serverLines)
        #expect(report.edges.count == want.count)
        for edge in report.edges {
            let key: [String?] = [edge.source, edge.service, edge.subset]
            guard let w = want[key] else {
                Issue.record("unexpected edge \(key)")
                continue
            }
            let name = HopsReport.label(edge)
            #expect(edge.requests == w.requests, "\(name) requests")
            #expect(edge.errors == w.errors, "\(name) errors")
            #expect(edge.matched == w.matched, "\(name) matched \(edge.matched) want \(w.matched)")
            check(edge.client, w.client, "\(name) client")
            check(edge.server, w.server, "\(name) server")
            check(edge.overhead, difference(w.client, w.server), "\(name) overhead")
            check(edge.upstream, w.upstream, "\(name) upstream")
            #expect(Dictionary(uniqueKeysWithValues: edge.flags.map { ($0.flags, $0.count) }) == w.flags, "\(name) flags")
        }
        // Sanity: the fixture exercises retries (several inbound lines for one hop) and hops the callee never saw.
        #expect(fixture.hops.contains { h in h.client != nil && h.server == nil })
        #expect(fixture.lines.contains { ($0.attempt ?? 0) > 0 })
        #expect(report.edges.first { $0.source == AnswerQueries.outsideMesh }?.client.max == nil)
    }

    @Test("requests per edge add up to status's hop count; --service filters by destination")
    func filtered() throws {
        let all = try HopsReport(session: fixture.session())
        #expect(all.edges.reduce(0) { $0 + $1.requests } == fixture.hops.count)
        let course = try HopsReport(session: fixture.session(services: ["course"]))
        #expect(Set(course.edges.map(\.service)) == ["course"])
        let want = expected(fixture.hops.filter { $0.service == "course" }, fixture.serverLines.filter { $0.service == "course" })
        #expect(course.edges.count == want.count)
        for edge in course.edges {
            check(edge.client, want[[edge.source, edge.service, edge.subset]]?.client ?? [], "course client")
        }
    }

    @Test("tables: one column per figure for scripts, compact cells for terminals")
    func tables() throws {
        let report = try HopsReport(session: fixture.session())
        let table = report.table()
        #expect(table.columns.contains("overhead_p99"))
        #expect(table.columns.contains("upstream_max"))
        #expect(table.rows.count == report.edges.count)
        let compact = report.compactTable().renderText()
        #expect(compact.contains("istio-ingressgateway → frontend"))
        #expect(compact.contains("client ms p50/p90/p99/max"))
    }
}
