import Foundation
import MeshLogStore

/// The statistics behind `meshlog compare`: the normal distribution, a two-proportion z-test,
/// the Mann-Whitney U test on exact histograms, Benjamini-Hochberg adjustment and bootstrap
/// confidence intervals of percentiles.
///
/// Every function is deterministic. Latency samples are ``ValueHistogram``s: whole milliseconds
/// with their counts, which is the full sample (ranks, ties and order statistics all follow from it).
public enum Statistics {
    // MARK: - Normal distribution

    /// The standard normal cumulative distribution function Φ(x).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// The standard normal survival function 1 − Φ(x), accurate far into the tail.
    public static func normalSF(_ x: Double) -> Double {
        0.5 * erfc(x / 2.0.squareRoot())
    }

    /// The two-sided p-value of a standard normal statistic `z`: P(|Z| ≥ |z|).
    public static func twoSidedP(_ z: Double) -> Double {
        min(1, erfc(abs(z) / 2.0.squareRoot()))
    }

    // MARK: - Two proportions

    /// The result of a two-proportion z-test.
    public struct ProportionTest: Sendable, Equatable {
        /// (candidate rate − baseline rate) / pooled standard error; positive when the candidate fails more.
        public var z: Double
        /// Two-sided p-value.
        public var p: Double
    }

    /// The pooled two-proportion z-test of `x1` successes in `n1` trials against `x2` in `n2`
    /// (no continuity correction, as `statsmodels.stats.proportion.proportions_ztest`).
    /// Returns z = 0, p = 1 when the pooled proportion is 0 or 1 (nothing to tell apart); nil when a side is empty.
    public static func twoProportionZ(x1: Int, n1: Int, x2: Int, n2: Int) -> ProportionTest? {
        guard n1 > 0, n2 > 0 else { return nil }
        let p1 = Double(x1) / Double(n1)
        let p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        guard se > 0 else { return ProportionTest(z: 0, p: 1) }
        let z = (p2 - p1) / se
        return ProportionTest(z: z, p: twoSidedP(z))
    }

    /// Whether the normal approximation behind ``twoProportionZ(x1:n1:x2:n2:)`` holds: at the
    /// pooled rate, each side expects at least `minimum` failures and `minimum` successes
    /// (the textbook rule, n·p̂ ≥ 5 and n·(1 − p̂) ≥ 5).
    public static func proportionTestApplies(x1: Int, n1: Int, x2: Int, n2: Int, minimum: Double = 5) -> Bool {
        guard n1 > 0, n2 > 0 else { return false }
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        return [n1, n2].allSatisfy { n in Double(n) * pooled >= minimum && Double(n) * (1 - pooled) >= minimum }
    }

    // MARK: - Mann-Whitney U

    /// The result of a Mann-Whitney U test of a candidate sample against a baseline.
    public struct MannWhitney: Sendable, Equatable {
        /// U of the candidate: pairs (baseline, candidate) where the candidate is larger, plus half the ties.
        public var u: Double
        /// The normal approximation's z (tie-corrected, with continuity correction toward zero);
        /// positive when the candidate tends to be larger.
        public var z: Double
        /// Two-sided p-value.
        public var p: Double
        /// The common-language effect size P(candidate > baseline) + ½·P(tie) = U / (n₁·n₂).
        public var commonLanguage: Double
        /// The rank-biserial correlation 2·CL − 1, in −1…1: 0 no shift, +1 every candidate value larger.
        public var rankBiserial: Double { 2 * commonLanguage - 1 }
    }

    /// The Mann-Whitney U test (two-sided, normal approximation with tie correction and continuity
    /// correction, as `scipy.stats.mannwhitneyu(method="asymptotic")`) from the exact histograms of
    /// both samples; nil when either is empty. Linear in the number of distinct values.
    public static func mannWhitneyU(baseline: ValueHistogram, candidate: ValueHistogram) -> MannWhitney? {
        let n1 = Double(baseline.total)
        let n2 = Double(candidate.total)
        guard n1 > 0, n2 > 0 else { return nil }
        let a = (baseline.values, baseline.counts)
        let b = (candidate.values, candidate.counts)
        var i = 0
        var j = 0
        var below = 0.0          // values ranked so far
        var rankSum2 = 0.0       // sum of the candidate's (mid)ranks
        var ties = 0.0           // Σ (t³ − t) over groups of equal values
        while i < a.0.count || j < b.0.count {
            let v: Int64
            if j >= b.0.count || (i < a.0.count && a.0[i] <= b.0[j]) { v = a.0[i] } else { v = b.0[j] }
            var c1 = 0.0
            var c2 = 0.0
            if i < a.0.count, a.0[i] == v { c1 = Double(a.1[i]); i += 1 }
            if j < b.0.count, b.0[j] == v { c2 = Double(b.1[j]); j += 1 }
            let t = c1 + c2
            let midrank = below + (t + 1) / 2
            rankSum2 += c2 * midrank
            ties += t * t * t - t
            below += t
        }
        let n = n1 + n2
        let u2 = rankSum2 - n2 * (n2 + 1) / 2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
        let cl = u2 / (n1 * n2)
        guard variance > 0, n > 1 else { return MannWhitney(u: u2, z: 0, p: 1, commonLanguage: cl) }
        let sd = variance.squareRoot()
        let distance = max(0, abs(u2 - mean) - 0.5)
        let z = (u2 >= mean ? 1 : -1) * distance / sd
        return MannWhitney(u: u2, z: z, p: twoSidedP(z), commonLanguage: cl)
    }

    // MARK: - Benjamini-Hochberg

    /// Benjamini-Hochberg adjusted p-values (q-values), in the order given: reject the hypotheses
    /// whose q ≤ α to keep the expected share of false discoveries at or below α (as
    /// `scipy.stats.false_discovery_control(ps, method="bh")`).
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] < p[$1] : $0 < $1 }
        var q = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, p[index] * Double(m) / Double(rank))
            q[index] = min(1, running)
        }
        return q
    }

    // MARK: - Bootstrap percentile intervals

    /// A confidence interval.
    public struct Interval: Sendable, Equatable {
        public var lower: Double
        public var upper: Double

        public init(lower: Double, upper: Double) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// The bootstrap percentile interval of the `fraction` percentile (linear between closest ranks)
    /// of the sample `histogram`, at `confidence` (e.g. 0.95); nil for an empty sample.
    ///
    /// Computed exactly rather than by drawing resamples: in a resample of n values with
    /// replacement, the r-th smallest is at most x exactly when at least r of the n draws are at
    /// most x, so P(X*₍ᵣ₎ ≤ x) = P(Binomial(n, F(x)) ≥ r) with F the sample's distribution function.
    /// The interval's ends are the α/2 and 1 − α/2 quantiles of that distribution for the two ranks
    /// the percentile interpolates between, interpolated with the same weight. This is the limit
    /// of the Monte Carlo bootstrap as the resamples grow (no seed, no noise), and costs a few
    /// dozen binomial tail evaluations however large the sample.
    public static func bootstrapPercentileCI(_ histogram: ValueHistogram, fraction: Double, confidence: Double = 0.95) -> Interval? {
        let n = histogram.total
        guard n > 0 else { return nil }
        let h = Double(n - 1) * min(max(fraction, 0), 1)
        let k = Int64(h.rounded(.down))
        let weight = h - Double(k)
        var cumulative: [Int64] = []
        cumulative.reserveCapacity(histogram.counts.count)
        var seen: Int64 = 0
        for c in histogram.counts { seen += c; cumulative.append(seen) }
        let alpha = 1 - confidence
        /// The smallest value x with P(X*₍ᵣ₎ ≤ x) ≥ level (rank r 1-based).
        func quantile(rank r: Int64, level: Double) -> Double {
            var lo = 0
            var hi = histogram.values.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                let f = Double(cumulative[mid]) / Double(n)
                if binomialUpperTail(n: n, p: f, atLeast: r) >= level { hi = mid } else { lo = mid + 1 }
            }
            return Double(histogram.values[lo])
        }
        let r1 = k + 1
        let r2 = min(k + 2, n)
        let lower1 = quantile(rank: r1, level: alpha / 2)
        let upper1 = quantile(rank: r1, level: 1 - alpha / 2)
        guard weight > 0, r2 != r1 else { return Interval(lower: lower1, upper: upper1) }
        let lower2 = quantile(rank: r2, level: alpha / 2)
        let upper2 = quantile(rank: r2, level: 1 - alpha / 2)
        return Interval(lower: lower1 + weight * (lower2 - lower1), upper: upper1 + weight * (upper2 - upper1))
    }

    /// P(Binomial(n, p) ≥ r), through the regularized incomplete beta function I_p(r, n − r + 1).
    public static func binomialUpperTail(n: Int64, p: Double, atLeast r: Int64) -> Double {
        if r <= 0 { return 1 }
        if r > n { return 0 }
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        return regularizedIncompleteBeta(a: Double(r), b: Double(n - r + 1), x: p)
    }

    /// The regularized incomplete beta function I_x(a, b) (continued fraction, modified Lentz).
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        // Converges in O(√max(a, b)) steps; the cap is far beyond any sample meshlog sees.
        while m < 1_000_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-13 { break }
            m += 1
        }
        return h
    }

    // MARK: - Moments

    /// The mean of a histogram's values; nil when empty.
    public static func mean(_ histogram: ValueHistogram) -> Double? {
        let n = histogram.total
        guard n > 0 else { return nil }
        var sum = 0.0
        for (v, c) in zip(histogram.values, histogram.counts) { sum += Double(v) * Double(c) }
        return sum / Double(n)
    }
}
