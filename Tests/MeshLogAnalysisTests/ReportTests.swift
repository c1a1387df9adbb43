import Foundation
import MeshLogTestSupport
import MeshLogAnalysis
import MeshLogStore
import Testing

@Suite("meshlog report")
struct ReportTests {
    let fixture = Fixture.shared
    let minute: Int64 = 60_000_000

    /// The fixture's hour split in two: the first half is the baseline of the second.
    func halves() -> (window: (start: Int64, end: Int64), baseline: (start: Int64, end: Int64)) {
        let first = fixture.lines.map(\.startMicros).min()! / minute * minute
        let last = (fixture.newest / minute + 1) * minute
        let middle = (first + last) / 2 / minute * minute
        return ((middle, last), (first, middle))
    }

    @Test("headline, failing edges and shifts agree with status and hops over the same windows")
    func agreesWithTheAnswers() throws {
        let (window, baseline) = halves()
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: baseline)
        let session = try fixture.session(since: AnswerFormat.timestamp(window.start), until: AnswerFormat.timestamp(window.end))
        let status = try StatusReport(session: session, by: [.service], side: .hop)
        #expect(report.headline.requests == status.result.total)
        #expect(report.headline.errors == status.result.groups.reduce(0) { $0 + $1.errors })
        // Requests entering the mesh: the gateway's calls plus the outside callers' requests.
        let lines = fixture.hops.map(\.line).filter { $0.startMicros >= window.start && $0.startMicros < window.end }
        let entry = lines.filter { $0.workload == "istio-ingressgateway" || $0.pod == Fixture.outsidePod }
        #expect(report.headline.entryRequests == entry.count)
        #expect(report.headline.entryErrors == entry.filter(\.isError).count)
        let entryDurations = entry.map { Double($0.durationMs) }
        #expect(report.headline.entryP99 == Fixture.percentile(entryDurations, 0.99))
        let hops = try HopsReport(session: session).edges
        #expect(report.edges.count == hops.count)
        for shift in report.shifts {
            let edge = try #require(hops.first { HopsReport.label($0) == shift.edge })
            #expect(shift.p99 == (edge.client.p99 ?? edge.server.p99))
        }
        #expect(report.failingEdges.allSatisfy { $0.requests > 0 && !$0.meaning.isEmpty })
        #expect(report.timeline.reduce(0) { $0 + $1.requests } == report.headline.requests)
        #expect(report.slowest.count == 10)
        #expect(report.slowest.map(\.durationMs) == report.slowest.map(\.durationMs).sorted(by: >))
        #expect(report.slowest.first?.durationMs == lines.map { Double($0.durationMs) }.max())
    }

    @Test("new error signatures are the failures of the window that the baseline never had, read from the lines")
    func newSignatures() throws {
        let (window, baseline) = halves()
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: baseline)
        let db = try SQLiteStore.openForReading(path: fixture.dbPath)
        func signatures(_ w: (start: Int64, end: Int64)) throws -> Set<String> {
            // Hop side: outbound lines, and inbound lines from outside the mesh.
            Set(try db.rows("""
                SELECT coalesce(service, '-') || '|' || coalesce(status, -1) || '|' || coalesce(flags, '-') || '|' ||
                       coalesce(details, '-') || '|' || coalesce(route, '-')
                FROM access_log
                WHERE start_us >= \(w.start) AND start_us < \(w.end) AND (status >= 500 OR status = 0 OR flags IS NOT NULL)
                  AND (direction = 'outbound' OR direction IS NULL OR source_workload IS NULL)
                  -- not Envoy's injected faults: aborts, and delays unless the app then failed on its own
                  AND NOT (',' || coalesce(flags, '') || ',' LIKE '%,FI,%')
                  AND NOT (',' || coalesce(flags, '') || ',' LIKE '%,DI,%' AND NOT (status >= 500 AND status <> 504))
                """).compactMap { $0[0].string })
        }
        let expected = try signatures(window).subtracting(try signatures(baseline))
        let got = Set(report.newSignatures.map { s in
            "\(s.signature.service ?? "-")|\(s.signature.status ?? -1)|\(s.signature.flags ?? "-")|\(s.signature.details ?? "-")|\(s.signature.route ?? "-")"
        })
        #expect(got == expected)
        #expect(!got.isEmpty, "the fixture's halves differ in some failure")
    }

    @Test("an edge with no traffic in the window is vanished; the gates read the report")
    func vanishedEdgesAndGates() throws {
        // The outside callers' requests all fall in a few minutes around the middle of the hour.
        let outside = fixture.lines.filter { $0.pod == Fixture.outsidePod }.map(\.startMicros)
        let first = fixture.lines.map(\.startMicros).min()! / minute * minute
        let window = (start: first, end: outside.min()! / minute * minute)
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: (first, (fixture.newest / minute + 1) * minute))
        #expect(report.vanishedEdges.map(HopsReport.label).contains("(outside mesh) → reports"))
        #expect(report.newEdges.isEmpty)

        let rate = try ReportGate(parsing: "error_rate > 0.5%")
        #expect(rate.holds(in: report, edge: nil).holds == (report.headline.errorRate > 0.5))
        #expect(try ReportGate(parsing: "error_rate > 100%").holds(in: report, edge: nil).holds == false)
        #expect(try ReportGate(parsing: "vanished_edges > 0").holds(in: report, edge: nil).holds)
        let p99 = try ReportGate(parsing: "p99 > 0.001s")
        #expect(p99.threshold == 1)
        #expect(p99.holds(in: report, edge: nil).value == report.headline.entryP99)
        let edge = HopsReport.label(report.edges[0])
        #expect(try ReportGate(parsing: "requests >= 1").holds(in: report, edge: edge.replacingOccurrences(of: "→", with: "->")).holds)
        #expect(throws: ReportGateError.self) { try ReportGate(parsing: "latency > 3") }
        #expect(throws: ReportGateError.self) { try ReportGate(parsing: "error_rate = 1%") }
    }

    @Test("the sidecar budget: overhead gates read the worst edge (or --edge's), the report lists the edges over 2 ms")
    func overheadGatesAndBudget() throws {
        let (window, baseline) = halves()
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: baseline)
        let hops = try HopsReport(session: AnswerSession(path: fixture.dbPath, since: AnswerFormat.timestamp(window.start),
                                                         until: AnswerFormat.timestamp(window.end), services: []))
        for (name, path) in [("p50", \LatencySummary.p50), ("p90", \LatencySummary.p90), ("p99", \LatencySummary.p99)] {
            let worst = try #require(hops.edges.compactMap { e in e.overhead[keyPath: path].map { (HopsReport.label(e), $0) } }.max { $0.1 < $1.1 })
            let gate = try ReportGate(parsing: "overhead_\(name) > \(max(0, worst.1 - 0.5))ms")
            #expect(gate.holds(in: report, edge: nil) == (true, worst.1))
            #expect(gate.edge(in: report) == worst.0)
            #expect(try !ReportGate(parsing: "overhead_\(name) > \(worst.1)ms").holds(in: report, edge: nil).holds)
            // On one edge, that edge's value.
            let other = try #require(hops.edges.first { $0.overhead[keyPath: path] != nil })
            #expect(gate.holds(in: report, edge: HopsReport.label(other)).value == other.overhead[keyPath: path])
        }
        let over = hops.edges.filter { ($0.overhead.p50 ?? 0) > 2 }.map(HopsReport.label)
        #expect(Set(report.overBudget.map(HopsReport.label)) == Set(over))
        let markdown = ReportRenderer.markdown(report)
        #expect(markdown.contains("## Sidecar budget"))
        for edge in over { #expect(markdown.contains("| \(edge) |")) }
        let json = try JSONSerialization.jsonObject(with: Data(ReportRenderer.json(report).utf8)) as? [String: Any]
        #expect((json?["over_sidecar_budget"] as? [Any])?.count == over.count)
    }

    @Test("Markdown, JSON and HTML carry every section; the HTML loads nothing from elsewhere")
    func renderings() throws {
        let (window, baseline) = halves()
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: baseline)
        let markdown = ReportRenderer.markdown(report)
        for section in ["## Headline", "## Timeline", "## Service graph", "## Top failing edges", "## New error signatures",
                        "## New and vanished edges", "## Largest latency shifts", "## Sidecar budget", "## Slowest requests", "## Data health"] {
            #expect(markdown.contains(section), "\(section)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(ReportRenderer.json(report).utf8)) as? [String: Any]
        #expect((json?["headline"] as? [String: Any])?["requests"] as? Int == report.headline.requests)
        #expect((json?["slowest_requests"] as? [Any])?.count == report.slowest.count)
        let html = ReportRenderer.html(report)
        #expect(html.hasPrefix("<!doctype html>") && html.contains("<svg") && html.contains("</html>"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("))
    }

    @Test("the HTML report renders in headless Chromium: a non-blank screenshot, no console errors")
    func chromium() throws {
        guard let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipped: no Chromium (apt-get install chromium)")
            return
        }
        let (window, baseline) = halves()
        let report = try DailyReport(path: fixture.dbPath, window: window, baseline: baseline)
        let temporary = try TemporaryDirectory(prefix: "report")
        let dir = temporary.url
        let html = dir.appendingPathComponent("report.html"), png = dir.appendingPathComponent("report.png")
        try ReportRenderer.html(report).write(to: html, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,2600",
                             "--enable-logging=stderr", "--v=0", "--user-data-dir=\(dir.path)/profile",
                             "--screenshot=\(png.path)", html.absoluteString]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank 1000×2600 page compresses to a few kilobytes; charts, graph and tables do not.
        #expect(image.count > 60_000, "screenshot is \(image.count) bytes")
        let consoleErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Failed to load resource") }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
    }
}

/// The done-when's known change, seen by `report`: one edge 30 % slower, a new error signature,
/// a vanished edge (the same generated days as `compare`'s tests).
@Suite(.serialized) struct ReportKnownChangeTests {
    @Test(arguments: [1, 2] as [UInt64])
    func reportFindsTheKnownChanges(seed: UInt64) throws {
        let store = try TwoDayStore(seed: seed, change: TwoDayStore.knownChange)
        let day: Int64 = 86_400_000_000
        let report = try DailyReport(path: store.dbPath, window: (TwoDayStore.candidateDay, TwoDayStore.candidateDay + day),
                                     baseline: (TwoDayStore.baselineDay, TwoDayStore.baselineDay + day))
        // The vanished edge, and no other edge appears or vanishes.
        #expect(report.vanishedEdges.map(HopsReport.label) == ["enrollment-v1 → user"])
        #expect(report.newEdges.isEmpty)
        // The new 501 on frontend → user is the new signature by far; anything else new is a rare
        // failure that happened not to occur the day before.
        let top = try #require(report.newSignatures.first)
        #expect(top.signature.status == 501 && top.signature.service == "user")
        let others = report.newSignatures.filter { $0.signature.status != 501 }
        #expect(others.allSatisfy { $0.requests * 10 < top.requests }, "\(others.map { ($0.signature, $0.requests) })")
        #expect(report.newSignatures.filter { $0.signature.status == 501 }.allSatisfy { $0.signature.service == "user" })
        // The slowed edge's p99 rose.
        let slowed = try #require(report.shifts.first { $0.edge == "course-v1 → grading" })
        #expect((slowed.p99 ?? 0) > (slowed.baselineP99 ?? .infinity) * 1.1)
        // Gates see the same.
        #expect(try ReportGate(parsing: "new_errors > 0").holds(in: report, edge: nil).holds)
        #expect(try ReportGate(parsing: "vanished_edges >= 1").holds(in: report, edge: nil).holds)
        let onUser = try ReportGate(parsing: "new_errors > 0").holds(in: report, edge: "frontend-v1 -> user")
        #expect(onUser.holds && (onUser.value ?? 0) >= Double(top.requests))
        let quiet = report.edges.first { e in !report.newSignatures.contains { $0.signature.service == e.service } }
        if let quiet {
            #expect(try !ReportGate(parsing: "new_errors > 0").holds(in: report, edge: HopsReport.label(quiet)).holds)
        }
    }
}
