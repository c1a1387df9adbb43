import Foundation
import Testing
@testable import MeshLogCore

@Suite("Input: TarReader")
struct InputTarReaderTests {
    private static let longDirectory = "var/log/pods/" + String(repeating: "very-long-namespace-name/", count: 6) + "pod"

    /// Builds a tree of members: plain logs, a nested gzipped log, an empty file, a long
    /// name, a hidden file. Returns the expected decompressed content of each visible member.
    private func makeTree(in dir: String) throws -> [String: [UInt8]] {
        let src = dir + "/src"
        var expected: [String: [UInt8]] = [:]
        let a = InputTestSupport.sampleLog(lines: 500, seed: 1)
        let b = InputTestSupport.sampleLog(lines: 3, seed: 2)
        let nested = InputTestSupport.sampleLog(lines: 800, seed: 3)
        let long = Array("long name content\n".utf8)
        try InputTestSupport.write(a, to: src + "/a.log")
        try InputTestSupport.write(b, to: src + "/dir/b.log")
        try InputTestSupport.write(nested, to: src + "/dir/nested.log")
        try InputTestSupport.gzip(src + "/dir/nested.log")
        try FileManager.default.removeItem(atPath: src + "/dir/nested.log")
        try InputTestSupport.write([], to: src + "/empty.log")
        try InputTestSupport.write(long, to: src + "/" + Self.longDirectory + "/0.log")
        try InputTestSupport.write("hidden\n", to: src + "/dir/.hidden.log")
        try FileManager.default.createSymbolicLink(atPath: src + "/link.log", withDestinationPath: "a.log")
        expected["a.log"] = a
        expected["dir/b.log"] = b
        expected["dir/nested.log.gz"] = nested
        expected["empty.log"] = []
        expected[Self.longDirectory + "/0.log"] = long
        return expected
    }

    private func readMembers(_ path: String, chunk: Int = 1 << 16) throws -> [(name: String, size: Int64, bytes: [UInt8])] {
        let (stream, format) = try InputOpener.openDetectingFormat(InputFile(path: path))
        #expect(format.isArchive)
        let reader = TarReader(stream, archiveName: "bundle")
        var members: [(name: String, size: Int64, bytes: [UInt8])] = []
        try reader.forEachMember { name, size, member in
            let result = InputTestSupport.drain(member, chunk: chunk)
            if let error = result.error { throw error }
            members.append((name, size, result.bytes))
        }
        return members
    }

    @Test(arguments: ["gnu", "pax", "ustar"], [false, true])
    func readsArchiveMembers(format: String, compressed: Bool) throws {
        try InputTestSupport.withTempDir { dir in
            let expected = try makeTree(in: dir)
            let archive = dir + "/bundle" + (compressed ? ".tar.gz" : ".tar")
            try InputTestSupport.run(
                "tar", ["--format=" + format, compressed ? "-czf" : "-cf", archive, "-C", dir + "/src", "."])
            let members = try readMembers(archive, chunk: 1000)
            #expect(Set(members.map(\.name)) == Set(expected.keys.map { "bundle:" + $0 }))
            #expect(members.count == expected.count)
            for member in members {
                #expect(member.bytes == expected[String(member.name.dropFirst("bundle:".count))], "\(member.name)")
            }
            let nested = members.first { $0.name.hasSuffix("nested.log.gz") }
            #expect(nested?.size == Int64(try InputTestSupport.contents(of: dir + "/src/dir/nested.log.gz").count))
        }
    }

    @Test func skipsUnreadMemberBytesAndReadsLinesOfMembers() throws {
        try InputTestSupport.withTempDir { dir in
            _ = try makeTree(in: dir)
            try InputTestSupport.run("tar", ["-czf", dir + "/b.tgz", "-C", dir + "/src", "a.log", "dir", "empty.log"])
            let reader = TarReader(try InputOpener.open(InputFile(path: dir + "/b.tgz")), archiveName: "b.tgz")
            var firstLines: [String: String] = [:]
            try reader.forEachMember { name, _, stream in
                // Read only the first line, leaving the rest unread.
                try LineReader(stream, bufferSize: 64).forEachLine { line, _ in
                    firstLines[name] = String(decoding: line, as: UTF8.self)
                    return false
                } oversized: { _, _, _ in }
            }
            #expect(firstLines.keys.sorted() == ["b.tgz:a.log", "b.tgz:dir/b.log", "b.tgz:dir/nested.log.gz"])
            #expect(firstLines["b.tgz:dir/nested.log.gz"]?.hasPrefix("[2024-05-01T10:00:0Z]") == true)
            #expect(reader.rawBytesRead == Int64(try InputTestSupport.contents(of: dir + "/b.tgz").count))
        }
    }

    @Test func truncatedArchiveThrowsAfterEarlierMembers() throws {
        try InputTestSupport.withTempDir { dir in
            try InputTestSupport.write(InputTestSupport.sampleLog(lines: 100, seed: 1), to: dir + "/src/1.log")
            try InputTestSupport.write(InputTestSupport.sampleLog(lines: 2000, seed: 2), to: dir + "/src/2.log")
            try InputTestSupport.run("tar", ["-cf", dir + "/t.tar", "-C", dir + "/src", "1.log", "2.log"])
            let full = try InputTestSupport.contents(of: dir + "/t.tar")
            let firstSize = (try InputTestSupport.contents(of: dir + "/src/1.log")).count
            let cut = 512 + ((firstSize + 511) / 512) * 512 + 512 + 5000
            #expect(cut < full.count)
            let reader = TarReader(MemoryByteStream(Array(full[..<cut])), archiveName: "t.tar")
            var names: [String] = []
            do {
                try reader.forEachMember { name, _, stream in
                    names.append(name)
                    let result = InputTestSupport.drain(stream)
                    if let error = result.error { throw error }
                }
                Issue.record("expected truncatedTar")
            } catch let error as InputError {
                guard case .truncatedTar(let path, let reason) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(path == "t.tar")
                #expect(reason.contains("2.log"))
            }
            #expect(names == ["t.tar:1.log", "t.tar:2.log"])

            // Cut inside a header.
            let headerCut = TarReader(MemoryByteStream(Array(full[..<100])), archiveName: "h.tar")
            #expect(throws: InputError.self) { try headerCut.forEachMember { _, _, _ in } }
        }
    }

    @Test func rejectsDamagedHeader() throws {
        var block = [UInt8](repeating: 0, count: 1024)
        for (index, byte) in "not a tar header at all".utf8.enumerated() { block[index] = byte }
        let reader = TarReader(MemoryByteStream(block), archiveName: "junk.tar")
        do {
            try reader.forEachMember { _, _, _ in }
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.description.contains("checksum"))
        }
    }

    @Test func parsesNumericFields() {
        func field(_ bytes: [UInt8]) -> Int64? {
            var header = [UInt8](repeating: 0, count: 512)
            header.replaceSubrange(124..<(124 + bytes.count), with: bytes)
            return header.withUnsafeBytes { TarReader.number($0, 124, 12) }
        }
        #expect(field(Array("00000000012\0".utf8)) == 10)
        #expect(field(Array("     12 \0".utf8)) == 10)
        #expect(field([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]) == 2 << 16)  // GNU base-256
        #expect(field(Array("12x".utf8)) == nil)
        #expect(TarReader.paxRecords(Array("27 path=some/long/name.log\n11 size=42\n".utf8)).map { "\($0.key)=\($0.value)" }
            == ["path=some/long/name.log", "size=42"])
    }
}
