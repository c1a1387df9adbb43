import Testing
@testable import MeshLogCore

/// Every test that decodes runs once per inflater this process can load: zlib always, ISA-L
/// when libisal.so.2 is there (`isalIsAvailableToTest` is skipped, saying so, where it is not).
@Suite("Input: GzipByteStream")
struct InputGzipByteStreamTests {
    private func gunzip(_ compressed: [UInt8], _ inflater: GzipInflater, chunk: Int = 1 << 16) throws -> (bytes: [UInt8], error: Error?) {
        let stream = try GzipByteStream(MemoryByteStream(compressed, maxChunk: 10_000), path: "test.gz", inflater: inflater)
        return InputTestSupport.drain(stream, chunk: chunk)
    }

    /// A gzip file decoded with `inflater`, as `InputOpener` would open it with the preferred one.
    private func openGzip(_ path: String, _ inflater: GzipInflater) throws -> GzipByteStream {
        try GzipByteStream(PeekableByteStream(try FileByteStream(path: path)), path: path, inflater: inflater)
    }

    private func gzipped(_ bytes: [UInt8], in dir: String, name: String = "data") throws -> [UInt8] {
        try InputTestSupport.write(bytes, to: dir + "/" + name)
        return try InputTestSupport.contents(of: try InputTestSupport.gzip(dir + "/" + name))
    }

    @Test(arguments: GzipInflater.available)
    func decodesSingleMember(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 20_000)
            let compressed = try gzipped(original, in: dir)
            for chunk in [13, 4096, 1 << 20] {
                let result = try gunzip(compressed, inflater, chunk: chunk)
                #expect(result.error == nil)
                #expect(result.bytes == original)
            }
        }
    }

    @Test(arguments: GzipInflater.available)
    func decodesConcatenatedMembers(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let first = InputTestSupport.sampleLog(lines: 3000, seed: 1)
            let second = InputTestSupport.sampleLog(lines: 10, seed: 2)
            let third = Array("tail line without newline".utf8)
            let compressed = try gzipped(first, in: dir, name: "a") + gzipped(second, in: dir, name: "b")
                + gzipped(third, in: dir, name: "c")
            let stream = try GzipByteStream(MemoryByteStream(compressed), path: "multi.gz", inflater: inflater)
            let result = InputTestSupport.drain(stream)
            #expect(result.error == nil)
            #expect(result.bytes == first + second + third)
            #expect(stream.membersDecoded == 3)
            #expect(stream.rawBytesRead == Int64(compressed.count))
        }
    }

    @Test(arguments: GzipInflater.available)
    func truncatedInputYieldsDecodedPrefixThenCorruptGzip(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 50_000)
            let compressed = try gzipped(original, in: dir)
            let cut = compressed.count / 2
            try InputTestSupport.write(Array(compressed[..<cut]), to: dir + "/cut.gz")
            let stream = try openGzip(dir + "/cut.gz", inflater)
            let result = InputTestSupport.drain(stream)
            #expect(result.bytes.count > original.count / 4)
            #expect(result.bytes == Array(original.prefix(result.bytes.count)))
            guard case .corruptGzip(let path, let offset, let reason)? = result.error as? InputError else {
                Issue.record("expected corruptGzip, got \(String(describing: result.error))")
                return
            }
            #expect(path == dir + "/cut.gz")
            #expect(offset == Int64(cut))
            #expect(reason.contains("truncated"))
            // The error is sticky.
            var byte: UInt8 = 0
            #expect(throws: InputError.self) { try withUnsafeMutableBytes(of: &byte) { try stream.read(into: $0) } }
        }
    }

    @Test(arguments: GzipInflater.available)
    func truncatedInputThroughLineReaderKeepsCompleteLines(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 50_000)
            let compressed = try gzipped(original, in: dir)
            try InputTestSupport.write(Array(compressed[..<(compressed.count - 100)]), to: dir + "/cut.gz")
            let reader = LineReader(try openGzip(dir + "/cut.gz", inflater))
            var count = 0
            #expect(throws: InputError.self) {
                try reader.forEachLine { _, _ in
                    count += 1
                    return true
                } oversized: { _, _, _ in }
            }
            #expect(count > 40_000)
        }
    }

    @Test(arguments: GzipInflater.available)
    func garbageAfterValidGzipIsReportedAfterAllData(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 1000)
            let compressed = try gzipped(original, in: dir)
            let result = try gunzip(compressed + Array("this is not gzip\n".utf8), inflater)
            #expect(result.bytes == original)
            guard case .corruptGzip(_, let offset, let reason)? = result.error as? InputError else {
                Issue.record("expected corruptGzip, got \(String(describing: result.error))")
                return
            }
            #expect(offset == Int64(compressed.count))
            #expect(reason.contains("after the end of gzip member 1"))

            // A second 1f byte that does not start a real gzip header.
            let fake = try gunzip(compressed + [0x1f, 0x00, 0x01, 0x02], inflater)
            #expect(fake.bytes == original)
            #expect(fake.error is InputError)
        }
    }

    @Test(arguments: GzipInflater.available)
    func trailingZeroPaddingIsIgnored(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 100)
            let compressed = try gzipped(original, in: dir)
            let result = try gunzip(compressed + [UInt8](repeating: 0, count: 30_000), inflater)
            #expect(result.error == nil)
            #expect(result.bytes == original)
            let notOnlyZeros = try gunzip(compressed + [0, 0, 0, 7], inflater)
            #expect(notOnlyZeros.bytes == original)
            guard case .corruptGzip(_, let offset, _)? = notOnlyZeros.error as? InputError else {
                Issue.record("expected corruptGzip")
                return
            }
            #expect(offset == Int64(compressed.count + 3))
        }
    }

    @Test(arguments: GzipInflater.available)
    func corruptDataThrowsCorruptGzip(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            var compressed = try gzipped(InputTestSupport.sampleLog(lines: 20_000), in: dir)
            for i in stride(from: compressed.count / 2, to: compressed.count / 2 + 64, by: 1) { compressed[i] ^= 0x5a }
            let result = try gunzip(compressed, inflater)
            guard case .corruptGzip(_, let offset, _)? = result.error as? InputError else {
                Issue.record("expected corruptGzip, got \(String(describing: result.error))")
                return
            }
            #expect(offset >= Int64(compressed.count / 2))
        }
    }

    @Test(arguments: GzipInflater.available)
    func aWrongChecksumInTheTrailerIsReportedAfterTheData(inflater: GzipInflater) throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 2000)
            var compressed = try gzipped(original, in: dir)
            compressed[compressed.count - 8] ^= 0xff  // the CRC-32's first byte
            let result = try gunzip(compressed, inflater)
            #expect(result.bytes == original)
            guard case .corruptGzip(_, _, let reason)? = result.error as? InputError else {
                Issue.record("expected corruptGzip, got \(String(describing: result.error))")
                return
            }
            #expect(reason.contains("CRC-32"))
        }
    }

    @Test(arguments: GzipInflater.available)
    func rejectsNonGzipAndEmptyInput(inflater: GzipInflater) throws {
        let plain = try gunzip(Array("plain text\n".utf8), inflater)
        #expect(plain.bytes.isEmpty)
        if case .corruptGzip(_, let offset, _)? = plain.error as? InputError {
            #expect(offset <= 2)
        } else {
            Issue.record("expected corruptGzip, got \(String(describing: plain.error))")
        }
        let empty = try gunzip([], inflater)
        if case .corruptGzip(_, 0, let reason)? = empty.error as? InputError {
            #expect(reason.contains("empty"))
        } else {
            Issue.record("expected corruptGzip, got \(String(describing: empty.error))")
        }
    }

    @Test(.enabled(if: GzipInflater.isal.isAvailable,
                   "ISA-L is not available here (built without libisal-dev, or libisal.so.2 missing): the gzip tests ran on zlib only"))
    func isalIsAvailableToTest() {
        #expect(GzipInflater.available == [.isal, .zlib])
    }

    @Test func inputOpenerDecodesWithThePreferredInflater() throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 100)
            _ = try gzipped(original, in: dir)
            let stream = try InputOpener.open(InputFile(path: dir + "/data.gz"))
            #expect((stream as? GzipByteStream)?.inflater == GzipInflater.preferred)
            #expect(InputTestSupport.drain(stream).bytes == original)
        }
    }

    @Test func errorDescriptionsExplainTheFix() {
        let error = InputError.corruptGzip(path: "x.gz", compressedOffset: 1234, reason: "unexpected end of data")
        #expect(error.description.contains("x.gz"))
        #expect(error.description.contains("1234"))
        #expect(error.description.contains("copy it again"))
        #expect(InputError.notFound(path: "nope.log").description.contains("nope.log"))
    }
}
