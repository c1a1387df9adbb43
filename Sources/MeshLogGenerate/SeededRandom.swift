import MeshLogCore
import Foundation

/// A small, fast, seedable random number generator (xoshiro256**) whose sequence never changes between releases.
///
/// The generator is seeded through SplitMix64, so any 64-bit seed (including 0) gives a well-mixed state.
/// All helpers (`nextDouble()`, `nextInt(below:)`, `logNormal(median:sigma:)`, …) are implemented here rather than
/// through the standard library's `random(in:using:)`, whose algorithm is not promised to stay stable; the same
/// seed therefore yields the same traffic on every Swift version and platform.
///
/// For example:
/// ```swift
/// var rng = SeededRandom(seed: 42)
/// let latency = rng.logNormal(median: 8_000, sigma: 0.5)   // µs
/// let id = rng.uuidString()                                 // "3f1c…-4…-a…"
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        s0 = SeededRandom.splitMix(&sm)
        s1 = SeededRandom.splitMix(&sm)
        s2 = SeededRandom.splitMix(&sm)
        s3 = SeededRandom.splitMix(&sm)
    }

    /// Creates a generator seeded from a string (FNV-1a), for stable per-name streams such as pod-name hashes.
    public init(label: String, salt: UInt64 = 0) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        self.init(seed: hash)
    }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniformly distributed value in `0 ..< 1` with 53 bits of precision.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniformly distributed integer in `0 ..< bound` (`bound` must be positive).
    @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(bound).multipliedFullWidth(by: next()).high)
    }

    /// A uniformly distributed integer in `range`.
    @inline(__always)
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// A uniformly distributed 64-bit integer in `range` (used for microsecond offsets).
    @inline(__always)
    public mutating func nextInt64(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(nextInt(below: Int(range.upperBound - range.lowerBound) + 1))
    }

    /// A uniformly distributed double in `low ..< high`.
    @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextDouble()
    }

    /// `true` with probability `p` (values ≤ 0 never, ≥ 1 always).
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool {
        p > 0 && nextDouble() < p
    }

    /// A standard normal deviate (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        let u1 = max(nextDouble(), 0x1.0p-60)
        let u2 = nextDouble()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// A log-normal deviate with the given median and shape `sigma` (the standard deviation of its logarithm).
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * Foundation.exp(sigma * normal())
    }

    /// An exponential deviate with the given mean (inter-arrival times of a Poisson process).
    public mutating func exponential(mean: Double) -> Double {
        -mean * Foundation.log(1 - nextDouble())
    }

    /// An index drawn from a table of cumulative weights (the last entry is the total).
    public mutating func pick(cumulativeWeights: [Double]) -> Int {
        guard let total = cumulativeWeights.last, total > 0 else { return 0 }
        let x = nextDouble() * total
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulativeWeights[mid] > x { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// An index in `0 ..< count` skewed towards small indices (a rough Zipf-like popularity: `count · u^skew`).
    public mutating func popularIndex(count: Int, skew: Double) -> Int {
        min(count - 1, Int(Double(count) * Foundation.pow(nextDouble(), skew)))
    }

    /// A random version-4 UUID in lowercase canonical form (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
    public mutating func uuidString() -> String {
        let hi = (next() & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000
        let lo = (next() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var i = 0
            func put(_ value: UInt64, nibbles: Int, _ buffer: UnsafeMutableBufferPointer<UInt8>, _ i: inout Int) {
                var shift = (nibbles - 1) * 4
                while shift >= 0 {
                    buffer[i] = SeededRandom.hexDigits[Int((value >> UInt64(shift)) & 0xf)]
                    i += 1
                    shift -= 4
                }
            }
            put(hi >> 32, nibbles: 8, buffer, &i)
            buffer[i] = UInt8(ascii: "-"); i += 1
            put(hi >> 16, nibbles: 4, buffer, &i)
            buffer[i] = UInt8(ascii: "-"); i += 1
            put(hi, nibbles: 4, buffer, &i)
            buffer[i] = UInt8(ascii: "-"); i += 1
            put(lo >> 48, nibbles: 4, buffer, &i)
            buffer[i] = UInt8(ascii: "-"); i += 1
            put(lo, nibbles: 12, buffer, &i)
            return i
        }
    }

    /// A random lowercase hexadecimal string of `length` characters.
    public mutating func hexString(length: Int) -> String {
        String(unsafeUninitializedCapacity: length) { buffer in
            var bits: UInt64 = 0
            var left = 0
            for i in 0..<length {
                if left == 0 {
                    bits = next()
                    left = 16
                }
                buffer[i] = SeededRandom.hexDigits[Int(bits & 0xf)]
                bits >>= 4
                left -= 1
            }
            return length
        }
    }

    /// A random string of `length` characters drawn from `alphabet` (ASCII).
    public mutating func string(length: Int, alphabet: String) -> String {
        let chars = Array(alphabet.utf8)
        return String(unsafeUninitializedCapacity: length) { buffer in
            for i in 0..<length { buffer[i] = chars[nextInt(below: chars.count)] }
            return length
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
