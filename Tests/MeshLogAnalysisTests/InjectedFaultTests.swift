import Foundation
import Testing
import MeshLogTestSupport
@testable import MeshLogAnalysis

/// Faults Envoy injected on purpose (`FI` aborts, `DI` delays) are counted apart from failures in `status`, `hops`,
/// `timeline`, `graph` and `report`, and trip no `--fail-if` gate unless `--include-injected`; checked on generated
/// traffic with a 5-second delay on 10 % of payment's calls and a 5 % abort on user's, against SQL over the public view.
@Suite(.serialized) struct InjectedFaultTests {
    /// The generated store, built once (its folder lives as long as the tests).
    static let fixture: Result<(dir: TemporaryDirectory, db: String), Error> = Result {
        let dir = try TemporaryDirectory(prefix: "meshlog-injected")
        let log = dir.path("mesh.log"), db = dir.path("mesh.db")
        _ = try run(["generate", "--lines", "30000", "--seed", "3", "--duration", "2h", "--fault", "payment=delay:0.1:5s",
                     "--fault", "user=abort:0.05", "--output", log])
        _ = try run(["ingest", log, "--db", db, "--quiet"])
        return (dir, db)
    }

    static func store() throws -> String { try fixture.get().db }

    /// Runs the CLI, expecting success; returns stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let run = try MeshLogBinary.run(arguments)
        #expect(run.status == 0, "\(arguments.prefix(3)): \(run.stderr)")
        return run.stdout
    }

    static func rows(_ json: String) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
    }

    /// Counts over the public view: lines of `side` (`hop`: outbound lines, and inbound lines whose caller logged
    /// nothing) per service, the failing ones, and the injected ones.
    static func truth(_ db: String) throws -> [String: (errors: Int, injected: Int, injectedErrors: Int)] {
        // An injected failure: an abort, or a delay that ran into a timeout or a reset (a delayed call the app then
        // failed is a real failure).
        let abort = "',' || coalesce(flags, '') || ',' LIKE '%,FI,%'", delay = "',' || coalesce(flags, '') || ',' LIKE '%,DI,%'"
        let injectedFailure = "(\(abort) OR (\(delay) AND status IN (0, 504)))"
        let sql = """
            SELECT service,
              sum((status >= 500 OR status = 0) AND NOT \(injectedFailure)) AS errors,
              sum(\(abort) OR \(delay)) AS injected,
              sum((status >= 500 OR status = 0) AND \(injectedFailure)) AS injected_errors
            FROM access_log WHERE direction = 'outbound' GROUP BY service
            """
        var out: [String: (Int, Int, Int)] = [:]
        for r in try rows(try run(["sql", sql, "--json", "--db", db])) {
            out[r["service"] as? String ?? "-"] = (r["errors"] as? Int ?? 0, r["injected"] as? Int ?? 0, r["injected_errors"] as? Int ?? 0)
        }
        return out
    }

    @Test func statusAndHopsCountInjectedFaultsApart() throws {
        let db = try Self.store()
        let truth = try Self.truth(db)
        #expect((truth["user"]?.injected ?? 0) > 100 && (truth["payment"]?.injected ?? 0) > 5)
        // Outbound lines only: in this mesh every hop has its caller's line.
        for extra in [[], ["--exact"], ["--since", "2026-11-25T00:00:00Z"]] {
            let status = try Self.rows(try Self.run(["status", "--by", "service", "--side", "outbound", "--json", "--db", db] + extra))
            for row in status {
                guard let service = row["service"] as? String, let t = truth[service] else { continue }
                #expect(row["errors"] as? Int == t.errors, "\(service) \(extra)")
                #expect(row["injected"] as? Int == t.injected, "\(service) \(extra)")
            }
            let included = try Self.rows(try Self.run(["status", "--by", "service", "--side", "outbound", "--json", "--include-injected", "--db", db] + extra))
            for row in included {
                guard let service = row["service"] as? String, let t = truth[service] else { continue }
                #expect(row["errors"] as? Int == t.errors + t.injectedErrors, "\(service) \(extra)")
            }
            let hops = try Self.rows(try Self.run(["hops", "--json", "--db", db] + extra))
            let userHops = hops.filter { $0["service"] as? String == "user" }
            #expect(userHops.reduce(0) { $0 + ($1["injected"] as? Int ?? 0) } == truth["user"]?.injected, "\(extra)")
            #expect(userHops.reduce(0) { $0 + ($1["errors"] as? Int ?? 0) } == truth["user"]?.errors, "\(extra)")
            let hopsIncluded = try Self.rows(try Self.run(["hops", "--json", "--include-injected", "--db", db] + extra))
            let userIncluded = hopsIncluded.filter { $0["service"] as? String == "user" }.reduce(0) { $0 + ($1["errors"] as? Int ?? 0) }
            #expect(userIncluded == (truth["user"].map { $0.errors + $0.injectedErrors } ?? -1), "\(extra)")
        }
        // A DI-delayed answer is never an error: payment's delayed calls all answered 2xx here.
        let byFlag = try Self.rows(try Self.run(["status", "--by", "service,flag", "--json", "--db", db]))
        let delayed = byFlag.first { $0["service"] as? String == "payment" && $0["flag"] as? String == "DI" }
        #expect(delayed?["errors"] as? Int == 0 && (delayed?["injected"] as? Int ?? 0) > 0)
        // The timeline and the graph leave them out too.
        let timeline = try Self.rows(try Self.run(["timeline", "--bucket", "1h", "--json", "--db", db]))
        func edges(_ json: String) throws -> [[String: Any]] {
            (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["edges"] as? [[String: Any]] ?? []
        }
        let graph = try edges(try Self.run(["graph", "--json", "--db", db]))
        let timelineIncluded = try Self.rows(try Self.run(["timeline", "--bucket", "1h", "--json", "--include-injected", "--db", db]))
        let graphIncluded = try edges(try Self.run(["graph", "--json", "--include-injected", "--db", db]))
        func total(_ rows: [[String: Any]]) -> Int { rows.reduce(0) { $0 + ($1["errors"] as? Int ?? 0) } }
        let injectedErrors = truth.values.reduce(0) { $0 + $1.injectedErrors }
        #expect(total(timelineIncluded) - total(timeline) == injectedErrors)
        #expect(total(graphIncluded) - total(graph) == injectedErrors)
    }

    @Test func theReportKeepsThemInTheirOwnSection() throws {
        let db = try Self.store()
        // The report's default window: the store's one day, every line.
        let report = try JSONSerialization.jsonObject(with: Data(try Self.run(["report", "--json", "--db", db]).utf8)) as? [String: Any] ?? [:]
        let failing = report["failing_edges"] as? [[String: Any]] ?? []
        #expect(!failing.isEmpty)
        // Aborts and answered delays are never failing; a delayed call the app then failed (DI and 500) would be.
        func injectedFailure(_ flags: String?, _ status: Int?) -> Bool {
            let f = (flags ?? "").split(separator: ",")
            return f.contains("FI") || (f.contains("DI") && ((status ?? 0) < 500 || status == 504))
        }
        #expect(!failing.contains { injectedFailure($0["flag"] as? String, $0["code"] as? Int) })
        let signatures = report["new_error_signatures"] as? [[String: Any]] ?? []
        #expect(!signatures.contains { injectedFailure($0["flags"] as? String, $0["status"] as? Int) })
        let injected = report["injected_faults"] as? [[String: Any]] ?? []
        let aborts = injected.filter { $0["flags"] as? String == "FI" }
        let delays = injected.filter { $0["flags"] as? String == "DI" }
        #expect(!aborts.isEmpty && aborts.allSatisfy { $0["status"] as? Int == 503 && $0["delay_added_ms"] is NSNull })
        #expect(!delays.isEmpty && delays.allSatisfy { ($0["edge"] as? String ?? "").hasSuffix("→ payment") })
        // The delay actually added is the configured 5 s, give or take the call's own time.
        for d in delays {
            let added = d["delay_added_ms"] as? Double ?? 0
            #expect(added > 4_900 && added < 5_100, "\(d)")
            #expect((d["delayed_lines"] as? Int ?? 0) == d["requests"] as? Int)
        }
        let truth = try Self.truth(db)
        #expect(injected.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) } == truth.values.reduce(0) { $0 + $1.injected })
        #expect(report["includes_injected"] as? Bool == false)
        let headline = report["headline"] as? [String: Any] ?? [:]
        #expect(headline["errors"] as? Int == truth.values.reduce(0) { $0 + $1.errors })
        // Markdown and HTML carry the section too.
        let markdown = try Self.run(["report", "--db", db])
        #expect(markdown.contains("## Injected faults") && markdown.contains("| enrollment → payment | /v1/payments | 201 | DI |"))
    }

    @Test func gatesIgnoreInjectedFaultsUnlessTold() throws {
        let db = try Self.store()
        let truth = try Self.truth(db)
        let real = truth.values.reduce(0) { $0 + $1.errors }, injected = truth.values.reduce(0) { $0 + $1.injectedErrors }
        // A gate just above the real errors holds; with the injected faults included it trips and says so.
        let gate = ["report", "--quiet", "--db", db, "--fail-if", "errors > \(real)"]
        #expect(try MeshLogBinary.run(gate).status == 0)
        let tripped = try MeshLogBinary.run(gate + ["--include-injected"])
        #expect(tripped.status == 1 && tripped.stderr.contains("errors > \(real) (it is \(real + injected))"))
    }

    @Test func compareLeavesThemOutUnlessTold() throws {
        let db = try Self.store()
        let window = ["--baseline-until", "2026-11-25T01:00:00Z", "--candidate-since", "2026-11-25T01:00:00Z", "--by", "service"]
        func userErrors(_ json: String) throws -> (Double, Double) {
            let row = try Self.rows(json).first { $0["service"] as? String == "user" }
            return (row?["baseline_error_pct"] as? Double ?? -1, row?["candidate_error_pct"] as? Double ?? -1)
        }
        let without = try userErrors(try Self.run(["compare", "--json", "--db", db] + window))
        let with = try userErrors(try Self.run(["compare", "--json", "--include-injected", "--db", db] + window))
        // user's aborts (5 % of its calls) are errors only when included.
        #expect(without.0 >= 0 && without.1 >= 0)
        #expect(with.0 > without.0 + 3 && with.1 > without.1 + 3, "\(without) \(with)")
    }

    @Test func faultOptionsOfTheGenerator() throws {
        let bad = try MeshLogBinary.run(["generate", "--lines", "10", "--fault", "payment=delay:0.1"])
        #expect(bad.status == 64 && bad.stderr.contains("expected SERVICE=abort:RATE or SERVICE=delay:RATE:DURATION"))
        let unknown = try MeshLogBinary.run(["generate", "--lines", "10", "--fault", "billing=abort:0.1"])
        #expect(unknown.status == 64 && unknown.stderr.contains("Unknown service in --fault"))
    }
}
