import Testing
@testable import MeshLogCore

@Suite("Input: GzipInflater")
struct InputGzipInflaterTests {
    /// Decodes `compressed` with `inflater`, fed `maxChunk` bytes at a time.
    private func gunzip(_ compressed: [UInt8], _ inflater: GzipInflater, maxChunk: Int = 10_000)
        throws -> (bytes: [UInt8], offset: Int64?, reason: String?) {
        let stream = try GzipByteStream(MemoryByteStream(compressed, maxChunk: maxChunk), path: "t.gz", inflater: inflater)
        let result = InputTestSupport.drain(stream)
        guard let error = result.error else { return (result.bytes, nil, nil) }
        guard case .corruptGzip(_, let offset, let reason) = error as? InputError else {
            Issue.record("expected corruptGzip, got \(error)")
            return (result.bytes, nil, nil)
        }
        return (result.bytes, offset, reason)
    }

    private func gzipped(_ bytes: [UInt8], in dir: String, name: String) throws -> [UInt8] {
        try InputTestSupport.write(bytes, to: dir + "/" + name)
        return try InputTestSupport.contents(of: try InputTestSupport.gzip(dir + "/" + name))
    }

    @Test(.enabled(if: GzipInflater.isal.isAvailable, "ISA-L is not available here: nothing to compare zlib with"))
    func bothInflatersAgreeOnDamagedInput() throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 5000)
            let compressed = try gzipped(original, in: dir, name: "a")
            let small = try gzipped(InputTestSupport.sampleLog(lines: 200, seed: 5), in: dir, name: "b")
            var damaged: [(String, [UInt8], maxChunk: Int)] = [
                ("intact", compressed, 10_000),
                ("intact, concatenated", compressed + small, 10_000),
                ("garbage after the member", compressed + Array("not gzip\n".utf8), 10_000),
                ("a second member without its magic", compressed + [0x1f, 0x8c, 0x08, 0x00], 10_000),
                ("zero padding, then junk", compressed + [0, 0, 0, 7], 10_000),
                ("zero padding", compressed + [UInt8](repeating: 0, count: 3000), 10_000),
                ("not gzip", Array("plain text\n".utf8), 10_000),
                ("empty", [], 10_000),
            ]
            // Wrong CRC-32 or length, with a member after it, fed whole or a byte or seven at a time.
            for position in [8, 5, 4, 1] {
                for maxChunk in [1, 7, 10_000] {
                    var bad = small
                    bad[small.count - position] ^= 0x01
                    damaged.append(("trailer byte -\(position), chunks of \(maxChunk)", bad + small, maxChunk))
                }
            }
            for (name, input, maxChunk) in damaged {
                let isal = try gunzip(input, .isal, maxChunk: maxChunk)
                let zlib = try gunzip(input, .zlib, maxChunk: maxChunk)
                #expect(isal.bytes == zlib.bytes, "\(name)")
                #expect(isal.offset == zlib.offset, "\(name)")
                #expect(isal.reason == zlib.reason, "\(name)")
            }

            // Truncated: the same offset and message. ISA-L may keep back the last few bytes whose
            // bits did arrive (its table look-ups decode several literals at once), so its output is
            // a prefix of zlib's, at most a few bytes shorter.
            for cut in Array(stride(from: 0, to: compressed.count, by: compressed.count / 24)) + [compressed.count - 1] {
                let isal = try gunzip(Array(compressed[..<cut]), .isal)
                let zlib = try gunzip(Array(compressed[..<cut]), .zlib)
                #expect(isal.offset == Int64(cut) && zlib.offset == Int64(cut), "cut at \(cut)")
                #expect(isal.reason == zlib.reason, "cut at \(cut)")
                #expect(zlib.bytes.starts(with: isal.bytes) && zlib.bytes.count - isal.bytes.count <= 8, "cut at \(cut)")
                #expect(original.starts(with: zlib.bytes), "cut at \(cut)")
            }

            // Damaged deflate data: the two decoders diagnose it differently and at different
            // points, but both stop after the damaged byte and name member 1.
            for position in [3, 15, 50, 200, compressed.count / 2] {
                var bad = compressed
                bad[position] ^= 0x5a
                for inflater in GzipInflater.allCases {
                    let result = try gunzip(bad, inflater)
                    #expect((result.offset ?? 0) > Int64(position), "\(inflater.name), byte \(position)")
                    #expect(result.reason?.hasSuffix("in gzip member 1") == true, "\(inflater.name), byte \(position)")
                }
            }
        }
    }

    @Test func selectionFollowsMESHLOG_INFLATE() {
        func select(_ value: String?, isal: Bool) -> GzipInflater.Selection {
            GzipInflater.select(environment: value.map { ["MESHLOG_INFLATE": $0] } ?? ["HOME": "/root"], isalAvailable: isal)
        }
        #expect(select(nil, isal: true) == .init(inflater: .isal))
        #expect(select(nil, isal: false) == .init(inflater: .zlib))
        #expect(select("", isal: true) == .init(inflater: .isal))
        #expect(select("zlib", isal: true) == .init(inflater: .zlib))
        #expect(select("ZLIB", isal: true) == .init(inflater: .zlib))
        #expect(select("zlib", isal: false) == .init(inflater: .zlib))
        #expect(select("isal", isal: true) == .init(inflater: .isal))
        #expect(select("isa-l", isal: true) == .init(inflater: .isal))
        #expect(select("auto", isal: true) == .init(inflater: .isal))
        #expect(select("auto", isal: false) == .init(inflater: .zlib))
        let unavailable = select("isal", isal: false)
        #expect(unavailable.inflater == .zlib)
        #expect(unavailable.note?.contains("not available") == true)
        let unknown = select("brotli", isal: true)
        #expect(unknown.inflater == .isal)
        #expect(unknown.note?.contains("brotli") == true)
    }

    @Test func thePreferredInflaterIsOneThatRuns() {
        #expect(GzipInflater.preferred.isAvailable)
        #expect(GzipInflater.available.contains(.zlib))
        #expect(GzipInflater.allCases.map(\.name) == ["isa-l", "zlib"])
    }
}
