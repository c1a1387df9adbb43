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

    /// Per edge, from the generator's ground truth pairing (call index and final attempt), not from addresses.
    func expected(_ hops: [Fixture.Hop]) -> [[String?]: Expected] {
        var out: [[String?]: Expected] = [:]
        for h in hops {
            var e = out[[h.source, h.service, h.subset]] ?? Expected()
            e.requests += 1
            if h.line.isError { e.errors += 1 }
            if let c = h.client { e.client.append(Double(c.durationMs)) }
            if let s = h.server {
                e.matched += 1
                e.server.append(Double(s.durationMs))
                if let u = s.upstreamMs { e.upstream.append(Double(u)) }
                if let c = h.client { e.overhead.append(Double(c.durationMs - s.durationMs)) }
            }
            if !h.line.flags.isEmpty { e.flags[h.line.flags.joined(separator: ","), default: 0] += 1 }
            out[[h.source, h.service, h.subset]] = e
        }
        return out
    }

    func check(_ got: LatencySummary, _ values: [Double], _ what: String) {
        let want = Fixture.summary(values)
        #expect(close(got.p50, want.p50), "\(what) p50 \(String(describing: got.p50)) want \(String(describing: want.p50))")
        #expect(close(got.p90, want.p90), "\(what) p90")
        #expect(close(got.p99, want.p99), "\(what) p99 \(String(describing: got.p99)) want \(String(describing: want.p99))")
        #expect(close(got.max, want.max), "\(what) max")
    }

    @Test("every edge's counts and exact client, server, overhead and upstream percentiles")
    func edges() throws {
        let report = try HopsReport(session: fixture.session())
        let want = expected(fixture.hops)
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
            check(edge.overhead, w.overhead, "\(name) overhead")
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
        let want = expected(fixture.hops.filter { $0.service == "course" })
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
