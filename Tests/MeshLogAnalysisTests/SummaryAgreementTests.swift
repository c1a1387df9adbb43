import MeshLogAnalysis
import MeshLogStore
import Testing

/// The summary tables must give exactly what reading every line gives: same groups, counts and
/// percentiles, for every answer they serve.
@Suite("summaries agree with the lines")
struct SummaryAgreementTests {
    let fixture = Fixture.shared

    func sessions(since: String? = nil, until: String? = nil, services: [String] = []) throws -> (summary: AnswerSession, exact: AnswerSession) {
        (try AnswerSession(path: fixture.dbPath, since: since, until: until, services: services),
         try AnswerSession(path: fixture.dbPath, since: since, until: until, services: services, exact: true))
    }

    @Test("status by every summarised key, on every side", arguments: [
        [GroupKey.service], [.source, .service, .subset], [.reporter], [.code], [.flag], [.minute], [.hour, .service], [.service, .code],
    ], [TrafficSide.hop, .inbound, .outbound, .both])
    func status(keys: [GroupKey], side: TrafficSide) throws {
        let (s, e) = try sessions()
        let a = try s.reader.status(keys: keys, side: side, filter: s.filter)
        let b = try e.reader.status(keys: keys, side: side, filter: e.filter)
        #expect(s.reader.usedSummaries && !e.reader.usedSummaries)
        #expect(a.total == b.total && a.total > 0)
        #expect(Set(a.groups.map(canonical)) == Set(b.groups.map(canonical)))
    }

    /// A group as text with its keys in a fixed order.
    func canonical(_ g: StatusGroup) -> String {
        let keys = g.keys.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }
        return "\(keys) \(g.requests) \(g.errors) \(g.classes) \(g.unflagged)"
    }

    @Test("hops: every edge's counts and percentiles")
    func hops() throws {
        let (s, e) = try sessions()
        let a = try HopsReport(session: s).edges
        let b = try HopsReport(session: e).edges
        #expect(s.reader.usedSummaries && !e.reader.usedSummaries)
        #expect(a.count == b.count && a.count > 5)
        for x in a {
            let y = try #require(b.first { $0.source == x.source && $0.service == x.service && $0.subset == x.subset })
            #expect(x.requests == y.requests && x.errors == y.errors && x.matched == y.matched)
            #expect(x.client == y.client && x.server == y.server && x.upstream == y.upstream)
            #expect(x.overhead == y.overhead)
            #expect(x.flags.map(\.flags) == y.flags.map(\.flags) && x.flags.map(\.count) == y.flags.map(\.count))
        }
    }

    @Test("timeline per minute and per five minutes, and the graph, in a window of whole minutes", arguments: [60_000_000, 300_000_000] as [Int64])
    func timelineAndGraph(bucket: Int64) throws {
        let newest = fixture.newest
        let until = (newest / 3_600_000_000) * 3_600_000_000
        let since = until - 20 * 60_000_000
        let (s, e) = try sessions(since: AnswerFormat.timestamp(since), until: AnswerFormat.timestamp(until), services: ["course,payment"])
        let a = try TimelineReport(session: s, bucketMicros: bucket, side: .hop).buckets
        let b = try TimelineReport(session: e, bucketMicros: bucket, side: .hop).buckets
        #expect(s.reader.usedSummaries)
        #expect(a == b && !a.isEmpty)
        let g1 = try ServiceGraph(session: s).edges.map { "\($0.row)" }
        let g2 = try ServiceGraph(session: e).edges.map { "\($0.row)" }
        #expect(g1 == g2 && !g1.isEmpty)
    }

    /// Windows cut inside a minute, as `--since 2h` gives: summaries of the whole minutes plus
    /// the lines of the partial first and last minute must equal reading every line.
    @Test("windows cut inside minutes, and inside one minute", arguments: [
        (1_000_017, 1_500_000_000 + 3_456_789), (61_234_567, 61_234_567 + 30_000_000), (0, 2_400_000_001),
    ] as [(Int64, Int64)])
    func cutWindows(offsets: (Int64, Int64)) throws {
        let first = fixture.lines.map(\.startMicros).min()!
        let since = first + offsets.0, until = first + offsets.1
        let (s, e) = try sessions(since: AnswerFormat.timestamp(since), until: AnswerFormat.timestamp(until))
        for keys in [[GroupKey.service], [.source, .service, .subset], [.minute], [.reporter]] {
            let a = try s.reader.status(keys: keys, side: .hop, filter: s.filter)
            let b = try e.reader.status(keys: keys, side: .hop, filter: e.filter)
            #expect(a.total == b.total && a.total > 0, "\(keys)")
            #expect(Set(a.groups.map(canonical)) == Set(b.groups.map(canonical)), "\(keys)")
        }
        #expect(s.reader.usedSummaries && !e.reader.usedSummaries)
        let h1 = try HopsReport(session: s).edges, h2 = try HopsReport(session: e).edges
        #expect(h1.count == h2.count)
        for x in h1 {
            let y = try #require(h2.first { $0.source == x.source && $0.service == x.service && $0.subset == x.subset })
            #expect(x.requests == y.requests && x.errors == y.errors && x.matched == y.matched)
            #expect(x.client == y.client && x.server == y.server && x.upstream == y.upstream)
        }
        #expect(try TimelineReport(session: s, bucketMicros: 60_000_000, side: .hop).buckets
                == TimelineReport(session: e, bucketMicros: 60_000_000, side: .hop).buckets)
        #expect(try ServiceGraph(session: s).edges.map { "\($0.row)" } == ServiceGraph(session: e).edges.map { "\($0.row)" })
    }
}
