import Testing
@testable import MeshLogCore

@Suite("Input: ContentHasher")
struct InputContentHasherTests {
    @Test func matchesReferenceXXH64() {
        // Values from the reference xxHash implementation (XXH64, seed 0).
        #expect(ContentHasher.hash([UInt8]()) == 0xEF46_DB37_51D8_E999)
        #expect(ContentHasher.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(ContentHasher.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(ContentHasher.hash(Array("0123456789abcdef0123456789abcdef0".utf8)) == 0xE876_84F0_8D6D_0816)
        let long = Array((0..<4).flatMap { _ in (0..<256).map { UInt8($0) } }) + Array("xyz".utf8)
        #expect(ContentHasher.hash(long) == 0xE146_CB31_B65B_C21A)
    }

    @Test func streamingMatchesOneShot() {
        let bytes = InputTestSupport.sampleLog(lines: 300)
        let expected = ContentHasher.hash(bytes)
        for chunk in [1, 3, 8, 31, 32, 33, 1000] {
            var hasher = ContentHasher()
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                hasher.update(Array(bytes[offset..<end]))
                offset = end
            }
            #expect(hasher.finalize() == expected, "chunk \(chunk)")
        }
    }

    @Test func isSensitiveToEveryByte() {
        let bytes = InputTestSupport.sampleLog(lines: 50)
        let base = ContentHasher.hash(bytes)
        var seen: Set<UInt64> = [base]
        for index in [0, 1, 7, 31, 32, 100, bytes.count / 2, bytes.count - 1] {
            var changed = bytes
            changed[index] ^= 0x01
            #expect(seen.insert(ContentHasher.hash(changed)).inserted)
        }
        #expect(seen.insert(ContentHasher.hash(bytes + [0])).inserted)
        #expect(seen.insert(ContentHasher.hash(Array(bytes.dropLast()))).inserted)
    }

    @Test func hashesRawFileBytesAndHead() throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 5000)
            try InputTestSupport.write(original, to: dir + "/a.log")
            let gz = try InputTestSupport.gzip(dir + "/a.log")
            let plain = try ContentHasher.hash(file: InputFile(path: dir + "/a.log"))
            #expect(plain.hash == ContentHasher.hash(original))
            #expect(plain.bytes == Int64(original.count))
            let compressed = try InputTestSupport.contents(of: gz)
            let zipped = try ContentHasher.hash(file: InputFile(path: gz))
            #expect(zipped.hash == ContentHasher.hash(compressed))
            #expect(zipped.bytes == Int64(compressed.count))
            // Stable across calls.
            #expect(try ContentHasher.hash(file: InputFile(path: gz)).hash == zipped.hash)

            #expect(try ContentHasher.headFingerprint(path: dir + "/a.log") == ContentHasher.hash(Array(original.prefix(65536))))
            #expect(try ContentHasher.headFingerprint(path: dir + "/a.log", bytes: 10) == ContentHasher.hash(Array(original.prefix(10))))
            #expect(try ContentHasher.headFingerprint(path: gz, bytes: 1 << 30) == zipped.hash)

            #expect(throws: InputError.self) { _ = try ContentHasher.hash(file: .stdin) }
            #expect(throws: InputError.notFound(path: dir + "/none")) { _ = try ContentHasher.hash(file: InputFile(path: dir + "/none")) }
        }
    }
}
