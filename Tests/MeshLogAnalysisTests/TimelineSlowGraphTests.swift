import Foundation
import MeshLogAnalysis
import MeshLogStore
import Testing

@Suite("meshlog timeline")
struct TimelineTests {
    let fixture = Fixture.shared

    @Test("1m buckets: requests, errors and exact p99, with quiet minutes filled in")
    func minuteBuckets() throws {
        let report = try TimelineReport(session: fixture.session(), bucketMicros: 60_000_000, side: .hop)
        var want: [Int64: [Fixture.Line]] = [:]
        for l in fixture.hops.map(\.line) { want[l.startMicros / 60_000_000 * 60_000_000, default: []].append(l) }
        let first = want.keys.min()!, last = want.keys.max()!
        #expect(report.buckets.first?.startMicros == first)
        #expect(report.buckets.last?.startMicros == last)
        #expect(report.buckets.count == Int((last - first) / 60_000_000) + 1)
        for b in report.buckets {
            let lines = want[b.startMicros] ?? []
            #expect(b.requests == lines.count)
            #expect(b.errors == lines.filter(\.isError).count)
            #expect(close(b.p99, Fixture.percentile(lines.map { Double($0.durationMs) }, 0.99)))
        }
        let chart = report.chart()
        #expect(chart.split(separator: "\n").count == report.buckets.count + 1)
        #expect(chart.contains("█"))
        #expect(report.table().columns == ["bucket", "bucket_us", "requests", "errors", "error_pct", "p99_ms"])
    }

    @Test("auto buckets: about 60 over the window")
    func autoBuckets() throws {
        let report = try TimelineReport(session: fixture.session(), bucketMicros: nil, side: .hop)
        #expect(report.buckets.count <= 62 && report.buckets.count >= 25, "\(report.buckets.count) buckets")
        #expect(TimelineReport.autoBucket(span: 3_600_000_000) == 60_000_000)
        #expect(TimelineReport.autoBucket(span: 86_400_000_000) == 1_800_000_000)
        #expect(TimelineReport.autoBucket(span: 30_000_000) == 1_000_000)
        let windowed = try TimelineReport(session: fixture.session(since: "10m", services: ["payment"]), bucketMicros: nil, side: .hop)
        #expect(windowed.bucketMicros == 10_000_000)
        let since = fixture.newest - 600_000_000
        #expect(windowed.buckets.reduce(0) { $0 + $1.requests }
            == fixture.hops.filter { $0.service == "payment" && $0.line.startMicros >= since }.count)
    }
}

@Suite("meshlog slow")
struct SlowTests {
    let fixture = Fixture.shared

    /// Per request id: the edge-most line (earliest start, then longest, then outbound first).
    func edgeLines() -> [String: Fixture.Line] {
        var out: [String: Fixture.Line] = [:]
        for l in fixture.lines {
            guard let current = out[l.requestID] else { out[l.requestID] = l; continue }
            let better = l.startMicros != current.startMicros ? l.startMicros < current.startMicros
                : l.durationMs != current.durationMs ? l.durationMs > current.durationMs
                : (l.outbound && !current.outbound)
            if better { out[l.requestID] = l }
        }
        return out
    }

    @Test("the slowest requests by their edge-most line, with every hop paired as the ground truth pairs it")
    func slowest() throws {
        let report = try SlowReport(session: fixture.session(), limit: 8)
        let edges = edgeLines()
        let want = edges.values.map(\.durationMs).sorted(by: >).prefix(8)
        #expect(report.requests.map { $0.edge.durationMs ?? -1 } == Array(want))
        for request in report.requests {
            let edge = try #require(edges[request.requestID])
            #expect(request.edge.durationMs == edge.durationMs)
            let lines = fixture.lines.filter { $0.requestID == request.requestID }
            #expect(request.lines.count == lines.count)
            // Each caller line pairs with the final attempt's callee line, as the generator made it.
            let hops = RequestBreakdown.hops(request.lines)
            let truth = fixture.hops.filter { $0.line.requestID == request.requestID }
            #expect(hops.filter { $0.client != nil }.count == truth.filter { $0.client != nil }.count)
            for hop in hops where hop.client != nil {
                let match = truth.first { t in
                    t.client?.startMicros == hop.client?.startMicros && t.client?.pod == hop.client?.reporter
                        && t.client?.path == hop.client?.path
                }
                #expect(match?.server?.durationMs == hop.server?.durationMs, "\(request.requestID) \(hop.source) → \(hop.service ?? "")")
            }
            #expect(hops.first?.depth == 0)
        }
        #expect(report.text().contains("1. "))
        #expect(report.json().contains("\"hops\": ["))
        #expect(report.table().columns.first == "rank")
    }

    @Test("--service times requests by their edge-most line to that service")
    func slowestToService() throws {
        let report = try SlowReport(session: fixture.session(services: ["payment"]), limit: 3)
        var best: [String: Fixture.Line] = [:]
        for l in fixture.lines where l.service == "payment" {
            guard let c = best[l.requestID] else { best[l.requestID] = l; continue }
            if l.startMicros < c.startMicros || (l.startMicros == c.startMicros && l.durationMs > c.durationMs) { best[l.requestID] = l }
        }
        let want = best.values.map(\.durationMs).sorted(by: >).prefix(3)
        #expect(report.requests.map { $0.edge.durationMs ?? -1 } == Array(want))
        #expect(report.requests.allSatisfy { $0.edge.service == "payment" })
    }
}

@Suite("meshlog graph")
struct GraphTests {
    let fixture = Fixture.shared

    @Test("edges carry exact requests, errors and p99; failing edges are marked")
    func edges() throws {
        let session = try fixture.session()
        let graph = try ServiceGraph(session: session)
        var want: [[String?]: [Fixture.Line]] = [:]
        for h in fixture.hops { want[[h.source, h.service, h.subset], default: []].append(h.line) }
        #expect(graph.edges.count == want.count)
        let window = Double(session.window!.end - session.window!.start) / 1e6
        for e in graph.edges {
            let lines = try #require(want[[e.row.source, e.row.service, e.row.subset]])
            #expect(e.row.requests == lines.count)
            #expect(e.row.errors == lines.filter(\.isError).count)
            #expect(close(e.row.p99, Fixture.percentile(lines.map { Double($0.durationMs) }, 0.99)))
            #expect(close(e.rate, Double(lines.count) / window))
            #expect(e.failing == (100 * Double(e.row.errors) / Double(e.row.requests) > 1))
        }
        let labels = Set(graph.nodes.map(\.label))
        #expect(labels.isSuperset(of: ["istio-ingressgateway", "frontend", "course v1", "course v2", "payment", AnswerQueries.outsideMesh]))
        // Callers sit on the node of the service they serve: course v1 calls grading.
        let courseV1 = try #require(graph.nodes.first { $0.label == "course v1" })
        #expect(graph.edges.contains { $0.from == courseV1.id && $0.row.service == "grading" })

        let failing = graph.edges.filter(\.failing)
        #expect(!failing.isEmpty)
        let dot = graph.dot()
        #expect(dot.hasPrefix("digraph mesh {"))
        #expect(dot.components(separatedBy: ", color=red").count - 1 == failing.count)
        #expect(dot.contains("style=dashed"))
        let mermaid = graph.mermaid()
        #expect(mermaid.hasPrefix("flowchart LR"))
        #expect(mermaid.contains("linkStyle"))
        #expect(mermaid.components(separatedBy: " .-> ").count - 1 == failing.count)
        let json = try JSONSerialization.jsonObject(with: Data(graph.json().utf8)) as? [String: Any]
        #expect((json?["edges"] as? [Any])?.count == graph.edges.count)
    }
}
