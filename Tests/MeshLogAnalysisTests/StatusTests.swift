import MeshLogAnalysis
import MeshLogStore
import Testing

@Suite("meshlog status")
struct StatusTests {
    let fixture = Fixture.shared

    /// Groups the test's lines and counts (requests, errors) per key.
    func expected(_ lines: [Fixture.Line], _ key: (Fixture.Line) -> [String?]) -> [[String?]: (Int, Int)] {
        var out: [[String?]: (Int, Int)] = [:]
        for l in lines {
            var c = out[key(l)] ?? (0, 0)
            c.0 += 1
            if l.isError { c.1 += 1 }
            out[key(l)] = c
        }
        return out
    }

    func actual(_ report: StatusReport, _ keys: [GroupKey]) -> [[String?]: (Int, Int)] {
        var out: [[String?]: (Int, Int)] = [:]
        for g in report.result.groups {
            let k = keys.map { key -> String? in
                switch g.keys[key] ?? .null {
                case .null: nil
                case .integer(let i): String(i)
                case let v: v.string
                }
            }
            #expect(out[k] == nil, "group \(k) appears twice")
            out[k] = (g.requests, g.errors)
        }
        return out
    }

    func same(_ a: [[String?]: (Int, Int)], _ b: [[String?]: (Int, Int)]) -> Bool {
        a.count == b.count && a.allSatisfy { k, v in b[k].map { $0 == v } ?? false }
    }

    @Test("by service counts each hop once: caller lines plus inbound lines nobody called")
    func byServiceDefaultSide() throws {
        let report = try StatusReport(session: fixture.session(), by: [.service], side: .hop)
        let hopLines = fixture.hops.map(\.line)
        let want = expected(hopLines) { [$0.service] }
        let got = actual(report, [.service])
        #expect(same(got, want), "got \(got) want \(want)")
        #expect(report.result.total == hopLines.count)
        // Shares add up to 100 and error rates are errors over requests.
        let table = report.table()
        let share = table.rows.compactMap { $0[table.columns.firstIndex(of: "share_pct")!].double }.reduce(0, +)
        #expect(abs(share - 100) < 0.05)
        let reports = try #require(table.rows.first { $0[0] == .text("reports") })
        let rIndex = table.columns.firstIndex(of: "error_pct")!
        let outside = fixture.lines.filter { $0.pod == Fixture.outsidePod }
        let rate = 100 * Double(outside.filter(\.isError).count) / Double(outside.count)
        #expect(close(reports[rIndex].double, (rate * 100).rounded() / 100))
        #expect(fixture.hops.contains { $0.line.isError }, "the fixture should hold errors")
    }

    @Test("--side inbound, outbound and both", arguments: [TrafficSide.inbound, .outbound, .both])
    func sides(side: TrafficSide) throws {
        let report = try StatusReport(session: fixture.session(), by: [.service], side: side)
        let lines = fixture.lines.filter { l in
            switch side {
            case .inbound: !l.outbound
            case .outbound: l.outbound && l.directionKnown
            default: true
            }
        }
        #expect(same(actual(report, [.service]), expected(lines) { [$0.service] }))
        #expect(report.result.total == lines.count)
    }

    @Test("by edge: caller workload → service and subset; outside callers are labelled")
    func byEdge() throws {
        let report = try StatusReport(session: fixture.session(), by: [.edge], side: .hop)
        var want: [[String?]: (Int, Int)] = [:]
        for h in fixture.hops {
            var c = want[[h.source, h.service, h.subset]] ?? (0, 0)
            c.0 += 1
            if h.line.isError { c.1 += 1 }
            want[[h.source, h.service, h.subset]] = c
        }
        #expect(same(actual(report, [.source, .service, .subset]), want))
        #expect(want[[AnswerQueries.outsideMesh, "reports", nil]]?.0 == 12)
    }

    @Test("by code and flag: a line with several flags counts under each")
    func byCodeAndFlag() throws {
        let report = try StatusReport(session: fixture.session(), by: [.code, .flag], side: .hop)
        var want: [[String?]: (Int, Int)] = [:]
        for l in fixture.hops.map(\.line) {
            for flag in l.flags.isEmpty ? ["-"] : l.flags {
                var c = want[[String(l.status), flag]] ?? (0, 0)
                c.0 += 1
                if l.isError { c.1 += 1 }
                want[[String(l.status), flag]] = c
            }
        }
        #expect(same(actual(report, [.code, .flag]), want))
        #expect(report.result.total == fixture.hops.count)
        #expect(fixture.hops.contains { $0.line.flags.count > 1 }, "the fixture should hold combined flags such as UF,URX")
        let table = report.table()
        let uf = try #require(table.rows.first { $0[2] == .text("UF") })
        #expect(uf[3] == .text("UpstreamConnectionFailure"))
        #expect(uf.last?.string?.contains("could not connect") == true)
    }

    @Test("a 503 without a flag is the upstream app's; code 0 is the client going away")
    func explanations() throws {
        let report = try StatusReport(session: fixture.session(), by: [.code, .flag], side: .inbound)
        let table = report.table()
        let app503 = try #require(table.rows.first { $0[0] == .integer(503) && $0[2] == .text("-") })
        #expect(app503.last?.string?.contains("sent by the upstream app") == true)
        let zero = try #require(table.rows.first { $0[0] == .integer(0) })
        #expect(zero[1] == .text("no response"))
        let byCode = try StatusReport(session: fixture.session(), by: [.code], side: .inbound).table()
        let zeroOnly = try #require(byCode.rows.first { $0[0] == .integer(0) })
        #expect(zeroOnly.last?.string?.contains("the client went away") == true)
        #expect(StatusExplanation.code(503, requests: 4, unflagged: 4).contains("sent by the upstream app"))
        #expect(StatusExplanation.code(503, requests: 4, unflagged: 1).contains("1 sent by the upstream app"))
    }

    @Test("by minute, in time order, and --since relative to the newest line")
    func byMinuteSince() throws {
        let session = try fixture.session(since: "20m")
        let since = fixture.newest - 20 * 60_000_000
        #expect(session.filter.sinceMicros == since)
        let report = try StatusReport(session: session, by: [.minute], side: .hop)
        let lines = fixture.hops.map(\.line).filter { $0.startMicros >= since }
        let want = expected(lines) { [String($0.startMicros / 60_000_000 * 60_000_000)] }
        #expect(same(actual(report, [.minute]), want))
        let minutes = report.orderedGroups.compactMap { $0.keys[.minute]?.int64 }
        #expect(minutes == minutes.sorted())
    }

    @Test("--service keeps requests to those services; --until is exclusive")
    func serviceAndUntil() throws {
        let until = fixture.newest - 30 * 60_000_000
        let session = try fixture.session(until: AnswerFormat.timestamp(until), services: ["payment,user"])
        let report = try StatusReport(session: session, by: [.service, .code], side: .hop)
        let lines = fixture.hops.map(\.line).filter { ($0.service == "payment" || $0.service == "user") && $0.startMicros < until }
        #expect(same(actual(report, [.service, .code]), expected(lines) { [$0.service, String($0.status)] }))
        #expect(report.result.total == lines.count)
    }

    @Test("windows cut inside a minute add their partial minutes' lines to the summaries; both paths agree")
    func narrowFilters() throws {
        let outside = fixture.lines.filter { $0.pod == Fixture.outsidePod }
        let reports = try StatusReport(session: fixture.session(services: ["reports"]), by: [.edge], side: .hop)
        #expect(reports.result.total == outside.count)
        #expect(reports.result.groups.first?.keys[.source] == .text(AnswerQueries.outsideMesh))
        #expect(reports.result.groups.first?.errors == outside.filter(\.isError).count)
        let start = outside.map(\.startMicros).min()! - 1_000_000
        let end = start + 120_000_000
        let session = try fixture.session(since: AnswerFormat.timestamp(start), until: AnswerFormat.timestamp(end))
        #expect(session.reader.executedSQL.isEmpty == false)
        let window = try StatusReport(session: session, by: [.service], side: .hop)
        let lines = fixture.hops.map(\.line).filter { $0.startMicros >= start && $0.startMicros < end }
        #expect(same(actual(window, [.service]), expected(lines) { [$0.service] }))
        // Cut inside a minute: the summaries of the whole minutes plus the lines of the partial ones.
        #expect(session.reader.executedSQL.contains { $0.contains("UNION ALL") && $0.contains("FROM log_row e") })
        #expect(session.reader.usedSummaries)
        let whole = try fixture.session()
        let fromSummaries = try StatusReport(session: whole, by: [.service], side: .hop)
        #expect(whole.reader.executedSQL.contains { $0.contains("FROM summary_hour s") })
        #expect(whole.reader.usedSummaries && whole.summaryNote != nil)
        let exact = try AnswerSession(path: fixture.dbPath, since: nil, until: nil, services: [], exact: true)
        let fromLines = try StatusReport(session: exact, by: [.service], side: .hop)
        #expect(!exact.reader.usedSummaries)
        #expect(fromSummaries.result.total == fromLines.result.total)
        #expect(Set(fromSummaries.result.groups.map { "\($0.keys[.service] ?? .null) \($0.requests) \($0.errors) \($0.classes)" })
                == Set(fromLines.result.groups.map { "\($0.keys[.service] ?? .null) \($0.requests) \($0.errors) \($0.classes)" }))
    }

    @Test("by route, reporter and subset")
    func otherKeys() throws {
        let hopLines = fixture.hops.map(\.line)
        let bySubset = try StatusReport(session: fixture.session(), by: [.subset], side: .hop)
        #expect(same(actual(bySubset, [.subset]), expected(hopLines) { [$0.subset] }))
        let byReporter = try StatusReport(session: fixture.session(), by: [.reporter], side: .both)
        #expect(same(actual(byReporter, [.reporter]), expected(fixture.lines) { [$0.pod] }))
        let byRoute = try StatusReport(session: fixture.session(), by: [.route], side: .hop)
        #expect(byRoute.result.groups.reduce(0) { $0 + $1.requests } == hopLines.count)
        #expect(byRoute.result.groups.contains { $0.keys[.route] == .text("/courses/{id}") })
    }

    @Test("grouping names parse, with helpful errors")
    func groupingNames() throws {
        #expect(try StatusGrouping.parse(["edge,code", "flag"]).get() == [.edge, .code, .flag])
        guard case .failure(let error) = StatusGrouping.parse(["service,colour"]) else {
            Issue.record("colour should not parse")
            return
        }
        #expect(error.description.contains("colour"))
    }
}
