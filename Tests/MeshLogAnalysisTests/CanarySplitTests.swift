import Foundation
import Testing
import MeshLogTestSupport
@testable import MeshLogAnalysis

/// `compare --expect`: a rollout's split against its weights, with an exact binomial test.
@Suite struct CanarySplitTests {
    @Test func exactTwoSidedBinomial() {
        // n = 10, k = 0, p = 0.5: both tails 1/1024.
        #expect(abs(CanarySplit.binomialTwoSided(k: 0, n: 10, p: 0.5) - 2.0 / 1024) < 1e-12)
        // The mode is never off.
        #expect(CanarySplit.binomialTwoSided(k: 5, n: 10, p: 0.5) == 1)
        // 0 % or 100 % expected: one hop the other way is decisive.
        #expect(CanarySplit.binomialTwoSided(k: 1, n: 1000, p: 0) == 0)
        #expect(CanarySplit.binomialTwoSided(k: 1000, n: 1000, p: 1) == 1)
        // Twice the lower tail, P(X ≤ 85) for Binomial(1000, 0.1) summed exactly in Python: 0.12138746103593.
        let p = CanarySplit.binomialTwoSided(k: 85, n: 1000, p: 0.1)
        #expect(abs(p - 0.1213874610359335) < 1e-9, "\(p)")
    }

    @Test func acceptsTheConfiguredSplitAndRejectsAnother() throws {
        let counts = ["course": ["v1": 912, "v2": 88], "payment": ["v1": 500]]
        let ninety = CanarySplit(counts: counts, weights: try CanarySplit.parseWeights("v1=90,v2=10").get())
        #expect(ninety.rows.filter { $0.service == "course" }.allSatisfy { $0.verdict == .asExpected })
        // payment sends everything to v1: its v2 share is 0 against 10 % expected.
        #expect(ninety.rows.first { $0.service == "payment" && $0.subset == "v2" }?.verdict == .off)
        let half = CanarySplit(counts: counts, weights: try CanarySplit.parseWeights("v1=50, v2=50%").get())
        let course = half.rows.filter { $0.service == "course" }
        #expect(course.count == 2 && course.allSatisfy { $0.verdict == .off })
        #expect(course.map(\.expectedPercent) == [50, 50] && course.map(\.observedPercent) == [91.2, 8.8])
        let few = CanarySplit(counts: ["course": ["v1": 20, "v2": 0]], weights: try CanarySplit.parseWeights("v1=90,v2=10").get())
        #expect(few.rows.allSatisfy { $0.verdict == .tooFew && $0.p == nil })
    }

    @Test func weightsThatCannotBeRead() {
        for bad in ["v1=90", "v1", "v1=ninety,v2=10", "v1=90,v1=10", "v1=0,v2=0", "v1=-5,v2=10"] {
            if case .success = CanarySplit.parseWeights(bad) { Issue.record("accepted \(bad)") }
        }
    }

    /// The generator routes 10 % of course's traffic to v2: the split test accepts 90/10 and rejects 50/50.
    @Test func generatedTrafficHasTheGeneratorsSplit() throws {
        let dir = try TemporaryDirectory(prefix: "meshlog-canary")
        let log = dir.path("mesh.log"), db = dir.path("mesh.db")
        #expect(try MeshLogBinary.run(["generate", "--lines", "20000", "--seed", "5", "--output", log]).status == 0)
        #expect(try MeshLogBinary.run(["ingest", log, "--db", db, "--quiet"]).status == 0)
        func verdicts(_ weights: String) throws -> [String] {
            let run = try MeshLogBinary.run(["compare", "--expect", weights, "--service", "course", "--json", "--db", db])
            #expect(run.status == 0, "\(run.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { $0["verdict"] as? String }
        }
        #expect(try verdicts("v1=90,v2=10") == ["as expected", "as expected"])
        #expect(try verdicts("v1=50,v2=50") == ["off", "off"])
        let mixed = try MeshLogBinary.run(["compare", "--expect", "v1=90,v2=10", "--baseline-subset", "v1", "--db", db])
        #expect(mixed.status == 64 && mixed.stderr.contains("without the baseline and candidate options"))
    }
}
