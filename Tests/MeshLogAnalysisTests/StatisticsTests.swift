import Foundation
import MeshLogAnalysis
import MeshLogStore
import Testing

/// The statistics of `meshlog compare` against reference values. Every expected number was computed
/// once, offline, with SciPy 1.17.1 / NumPy 2.4.6 (the Python is quoted next to each); the tests do
/// not need Python.
@Suite struct StatisticsTests {
    func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    /// `stats.norm.cdf(1.96)`, `stats.norm.sf(3)`, `stats.norm.sf(8)`.
    @Test func normalDistribution() {
        #expect(near(Statistics.normalCDF(1.96), 0.9750021048517795, 1e-12))
        #expect(near(Statistics.normalSF(3), 0.0013498980316300933, 1e-12))
        #expect(abs(Statistics.normalSF(8) - 6.22096057427174e-16) < 1e-25)
        #expect(near(Statistics.twoSidedP(-1.96), 2 * (1 - 0.9750021048517795), 1e-9))
    }

    /// Pooled z: `p=(x1+x2)/(n1+n2); z=(x2/n2-x1/n1)/sqrt(p*(1-p)*(1/n1+1/n2)); 2*stats.norm.sf(abs(z))`.
    @Test func twoProportions() throws {
        let a = try #require(Statistics.twoProportionZ(x1: 45, n1: 100, x2: 60, n2: 120))
        #expect(near(a.z, 0.7393130939809445))
        #expect(near(a.p, 0.4597169000968615))
        let b = try #require(Statistics.twoProportionZ(x1: 18, n1: 3600, x2: 108, n2: 3600))
        #expect(near(b.z, 8.088927769096049))
        #expect(near(b.p, 6.019225189254124e-16, 1e-6))
        let none = try #require(Statistics.twoProportionZ(x1: 0, n1: 500, x2: 0, n2: 700))
        #expect(none.p == 1)
        #expect(Statistics.twoProportionZ(x1: 0, n1: 0, x2: 1, n2: 10) == nil)
        // n·p̂ ≥ 5 on both sides: 3 errors in 1,000 + 1,000 is too few to trust the normal approximation.
        #expect(!Statistics.proportionTestApplies(x1: 1, n1: 1000, x2: 2, n2: 1000))
        #expect(Statistics.proportionTestApplies(x1: 18, n1: 3600, x2: 108, n2: 3600))
    }

    /// `stats.mannwhitneyu(cand, base, method='asymptotic')` (two-sided, continuity correction, tie correction).
    @Test func mannWhitneyWithTies() throws {
        let base = ValueHistogram([1, 2, 2, 3, 3, 3, 5, 8])
        let cand = ValueHistogram([2, 3, 4, 4, 5, 6, 9, 9, 10])
        let r = try #require(Statistics.mannWhitneyU(baseline: base, candidate: cand))
        #expect(r.u == 56)
        #expect(near(r.p, 0.057927669883889955))
        #expect(r.z > 0)
        #expect(near(r.commonLanguage, 56.0 / 72))
        #expect(near(r.rankBiserial, 2 * 56.0 / 72 - 1))
        // The other way round: same p, mirrored U and z.
        let back = try #require(Statistics.mannWhitneyU(baseline: cand, candidate: base))
        #expect(back.u == 72 - 56)
        #expect(near(back.p, r.p))
        #expect(back.z < 0)
    }

    /// `rng=np.random.default_rng(5); b=np.round(rng.lognormal(np.log(20),0.5,60)).astype(int);
    /// c=np.round(rng.lognormal(np.log(24),0.5,50)).astype(int)`.
    static let b: [Int64] = [13, 10, 18, 25, 35, 21, 15, 14, 29, 45, 23, 11, 12, 45, 22, 8, 19, 11, 15, 16, 14, 26, 19, 15, 25,
                             30, 9, 18, 12, 18, 10, 20, 20, 17, 12, 16, 12, 10, 22, 11, 36, 29, 7, 23, 12, 20, 20, 7, 18, 18,
                             32, 11, 29, 12, 17, 13, 41, 27, 67, 28]
    static let c: [Int64] = [37, 37, 18, 23, 47, 20, 26, 24, 33, 20, 22, 27, 25, 16, 38, 13, 13, 13, 39, 20, 15, 14, 30, 14, 13,
                             33, 13, 20, 24, 19, 23, 47, 19, 13, 10, 22, 20, 27, 19, 19, 17, 19, 26, 20, 25, 62, 30, 11, 57, 29]

    /// `stats.mannwhitneyu(c, b, method='asymptotic')` → U 1917, p 0.012313779797689326.
    @Test func mannWhitneyLognormal() throws {
        let r = try #require(Statistics.mannWhitneyU(baseline: ValueHistogram(Self.b), candidate: ValueHistogram(Self.c)))
        #expect(r.u == 1917)
        #expect(near(r.p, 0.012313779797689326, 1e-9))
        #expect(Statistics.mannWhitneyU(baseline: ValueHistogram(), candidate: ValueHistogram(Self.c)) == nil)
        // Identical samples: no shift at all.
        let same = try #require(Statistics.mannWhitneyU(baseline: ValueHistogram(Self.b), candidate: ValueHistogram(Self.b)))
        #expect(same.p == 1)
        #expect(same.rankBiserial == 0)
    }

    /// `stats.false_discovery_control([0.01,0.04,0.03,0.005,0.5,0.2], method='bh')`.
    @Test func benjaminiHochberg() {
        let q = Statistics.benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5, 0.2])
        let expected = [0.03, 0.06, 0.06, 0.03, 0.5, 0.24]
        #expect(q.count == expected.count)
        for (x, y) in zip(q, expected) { #expect(near(x, y, 1e-12)) }
        #expect(Statistics.benjaminiHochberg([]).isEmpty)
        #expect(Statistics.benjaminiHochberg([0.9, 0.95]) == [0.95, 0.95])
    }

    /// `stats.binom.sf(r - 1, n, p)`: P(Binomial(n, p) ≥ r).
    @Test func binomialTail() {
        #expect(near(Statistics.binomialUpperTail(n: 1000, p: 0.3, atLeast: 320), 0.08978432977036861, 1e-9))
        #expect(near(Statistics.binomialUpperTail(n: 2_000_000, p: 0.99, atLeast: 1_980_500), 0.00018303578702734112, 1e-6))
        #expect(near(Statistics.binomialUpperTail(n: 10, p: 0.25, atLeast: 5), 0.07812690734863281, 1e-12))
        #expect(Statistics.binomialUpperTail(n: 10, p: 0.25, atLeast: 0) == 1)
        #expect(Statistics.binomialUpperTail(n: 10, p: 0.25, atLeast: 11) == 0)
    }

    /// The exact bootstrap interval, from the binomial formula with `stats.binom.sf` over the
    /// sample `b` above; 20,000 NumPy resamples (`rng=np.random.default_rng(1)`, `np.percentile`
    /// of each, then the 2.5 % and 97.5 % percentiles) gave the same ends: p50 15 … 20,
    /// p90 27.2 … 45 (exact: 27.1 … 45), p99 37.46 … 67.
    @Test func bootstrapIntervals() throws {
        let h = ValueHistogram(Self.b)
        let p50 = try #require(Statistics.bootstrapPercentileCI(h, fraction: 0.5))
        #expect(p50 == Statistics.Interval(lower: 15, upper: 20))
        let p90 = try #require(Statistics.bootstrapPercentileCI(h, fraction: 0.9))
        #expect(near(p90.lower, 27.1, 1e-9) && near(p90.upper, 45, 1e-9))
        let p99 = try #require(Statistics.bootstrapPercentileCI(h, fraction: 0.99))
        #expect(near(p99.lower, 37.46, 1e-9) && near(p99.upper, 67, 1e-9))
        #expect(Statistics.bootstrapPercentileCI(ValueHistogram(), fraction: 0.5) == nil)
        let one = try #require(Statistics.bootstrapPercentileCI(ValueHistogram([7]), fraction: 0.99))
        #expect(one == Statistics.Interval(lower: 7, upper: 7))
    }

    /// The interval against a seeded Monte Carlo bootstrap run here: resampling the histogram's
    /// values 4,000 times, the 2.5 % and 97.5 % points of the resampled p90 land within one
    /// distinct value of the exact ends.
    @Test func bootstrapMatchesResampling() throws {
        var values: [Int64] = []
        for (i, v) in Self.c.enumerated() { values.append(v); values.append(v + Int64(i % 3)) }
        let h = ValueHistogram(values)
        let exact = try #require(Statistics.bootstrapPercentileCI(h, fraction: 0.9))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(values.count))
        }
        var boots: [Double] = []
        for _ in 0..<4000 {
            let resample = ValueHistogram((0..<values.count).map { _ in values[next()] })
            boots.append(resample.percentile(0.9)!)
        }
        boots.sort()
        let lo = boots[Int(0.025 * Double(boots.count))]
        let hi = boots[Int(0.975 * Double(boots.count))]
        #expect(abs(lo - exact.lower) <= 3, "MC \(lo) vs exact \(exact.lower)")
        #expect(abs(hi - exact.upper) <= 3, "MC \(hi) vs exact \(exact.upper)")
    }

    @Test func mean() {
        #expect(Statistics.mean(ValueHistogram([1, 2, 3, 10])) == 4)
        #expect(Statistics.mean(ValueHistogram()) == nil)
    }
}
