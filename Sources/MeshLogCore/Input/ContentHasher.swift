/// A streaming 64-bit content hash (XXH64, seed 0), used to recognise inputs already ingested.
///
/// Values equal those of the reference xxHash implementation (`xxh64sum`), so they can be
/// checked from the shell. Works on 32-byte stripes of 8-byte words: several GB/s.
public struct ContentHasher {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    private var v4: UInt64
    private var totalLength: UInt64 = 0
    /// Bytes of an unfinished 32-byte stripe.
    private var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var tailCount = 0
    private let seed: UInt64

    /// Starts a hash (seed 0 unless given).
    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.prime1 &+ Self.prime2
        v2 = seed &+ Self.prime2
        v3 = seed
        v4 = seed &- Self.prime1
    }

    /// Adds `bytes` to the hashed content.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalLength &+= UInt64(remaining)

        if tailCount > 0 {
            let take = min(32 - tailCount, remaining)
            let count = tailCount
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.advanced(by: count).copyMemory(from: pointer, byteCount: take) }
            tailCount += take
            pointer += take
            remaining -= take
            if tailCount < 32 { return }
            let stripe = tail
            v1 = Self.round(v1, stripe.0.littleEndian)
            v2 = Self.round(v2, stripe.1.littleEndian)
            v3 = Self.round(v3, stripe.2.littleEndian)
            v4 = Self.round(v4, stripe.3.littleEndian)
            tailCount = 0
        }

        if remaining >= 32 {
            var a = v1, b = v2, c = v3, d = v4
            while remaining >= 32 {
                a = Self.round(a, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
                b = Self.round(b, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
                c = Self.round(c, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                d = Self.round(d, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
                pointer += 32
                remaining -= 32
            }
            v1 = a; v2 = b; v3 = c; v4 = d
        }

        if remaining > 0 {
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: pointer, byteCount: remaining) }
            tailCount = remaining
        }
    }

    /// Adds the bytes of `bytes` to the hashed content.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The hash of everything added so far (the hasher can go on being updated).
    public func finalize() -> UInt64 {
        var h: UInt64
        if totalLength >= 32 {
            h = Self.rotate(v1, 1) &+ Self.rotate(v2, 7) &+ Self.rotate(v3, 12) &+ Self.rotate(v4, 18)
            h = Self.merge(h, v1)
            h = Self.merge(h, v2)
            h = Self.merge(h, v3)
            h = Self.merge(h, v4)
        } else {
            h = seed &+ Self.prime5
        }
        h &+= totalLength
        var copy = tail
        let count = tailCount
        withUnsafeBytes(of: &copy) { raw in
            var offset = 0
            while offset + 8 <= count {
                let k = Self.round(0, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                h ^= k
                h = Self.rotate(h, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if offset + 4 <= count {
                let k = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                h ^= k &* Self.prime1
                h = Self.rotate(h, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < count {
                h ^= UInt64(raw[offset]) &* Self.prime5
                h = Self.rotate(h, 11) &* Self.prime1
                offset += 1
            }
        }
        h ^= h >> 33
        h &*= Self.prime2
        h ^= h >> 29
        h &*= Self.prime3
        h ^= h >> 32
        return h
    }

    /// The hash of `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = ContentHasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The hash of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Hashes the raw bytes of `file` as stored (compressed bytes if it is gzipped), and
    /// counts them.
    ///
    /// - Throws: `InputError.unreadable` for standard input (it can be read only once: hash
    ///   only files), `InputError.notFound` or `InputError.unreadable` from opening.
    public static func hash(file: InputFile) throws -> (hash: UInt64, bytes: Int64) {
        if file.isStdin {
            throw InputError.unreadable(
                path: file.path,
                reason: "standard input can be read only once and cannot be hashed ahead of ingest")
        }
        let stream = try FileByteStream(path: file.path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = ContentHasher()
        var total: Int64 = 0
        while true {
            let n = try stream.read(into: buffer)
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return (hasher.finalize(), total)
    }

    /// Hashes the first `bytes` raw bytes of the file at `path` (all of it if shorter).
    ///
    /// A cheap identity for a file that grows (a log being appended to, or rotated and
    /// compressed later): to compare with a fingerprint taken when the file had `n` bytes,
    /// pass `bytes: min(n, 65536)`.
    public static func headFingerprint(path: String, bytes: Int = 65536) throws -> UInt64 {
        let head = try FileByteStream(path: path).readHead(count: max(bytes, 0))
        return hash(head)
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 {
        (x &<< r) | (x &>> (64 &- r))
    }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotate(acc &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 {
        (acc ^ round(0, value)) &* prime1 &+ prime4
    }
}
