import MeshLogTestSupport
import Testing
@testable import MeshLogCore

@Suite("Input: LineReader")
struct InputLineReaderTests {
    private func lines(_ text: String, bufferSize: Int = 7, maxChunk: Int = .max) throws -> [String] {
        let reader = LineReader(MemoryByteStream(Array(text.utf8), maxChunk: maxChunk), bufferSize: bufferSize)
        return try InputTestSupport.lines(of: reader).lines.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func splitsLinesAcrossBufferBoundaries() throws {
        let text = "alpha\nbeta gamma delta\n\nx\nlonger line of text that spans several fills\nend\n"
        for bufferSize in 1...20 {
            for maxChunk in [1, 3, 7, Int.max] {
                #expect(try lines(text, bufferSize: bufferSize, maxChunk: maxChunk) == [
                    "alpha", "beta gamma delta", "", "x", "longer line of text that spans several fills", "end",
                ])
            }
        }
    }

    @Test func reportsOneBasedLineNumbers() throws {
        let reader = LineReader(MemoryByteStream(Array("a\nb\n\nc\n".utf8)), bufferSize: 7)
        let result = try InputTestSupport.lines(of: reader)
        #expect(result.numbers == [1, 2, 3, 4])
        #expect(reader.lineNumber == 4)
        #expect(reader.bytesConsumed == 7)
    }

    @Test func stripsCarriageReturnOfCRLF() throws {
        #expect(try lines("a\r\nbb\r\n\r\nccc\r\n") == ["a", "bb", "", "ccc"])
        #expect(try lines("x\ry\n") == ["x\ry"])  // a lone CR inside a line is data
        #expect(try lines("last\r") == ["last"])
        #expect(try lines("two\r\r\n") == ["two\r"])  // only one trailing CR is removed
    }

    @Test func keepsFinalLineWithoutNewline() throws {
        #expect(try lines("a\nb") == ["a", "b"])
        #expect(try lines("only") == ["only"])
        #expect(try lines("a\n") == ["a"])
        #expect(try lines("") == [])
    }

    @Test func keepsEmptyLines() throws {
        #expect(try lines("\n") == [""])
        #expect(try lines("\n\n\n") == ["", "", ""])
        #expect(try lines("a\n\n\nb\n") == ["a", "", "", "b"])
    }

    @Test func matchesReferenceOnRandomInput() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let count = Int(random.next() % 300)
            let bytes = (0..<count).map { _ -> UInt8 in
                switch random.next() % 10 {
                case 0, 1: return 0x0A
                case 2: return 0x0D
                default: return UInt8(0x61 + random.next() % 26)
                }
            }
            let bufferSize = Int(1 + random.next() % 40)
            let maxLineLength = Int(1 + random.next() % 60)
            let maxChunk = Int(1 + random.next() % 50)
            let reader = LineReader(
                MemoryByteStream(bytes, maxChunk: maxChunk), bufferSize: bufferSize, maxLineLength: maxLineLength)
            let result = try InputTestSupport.lines(of: reader)
            let expected = InputTestSupport.referenceLines(bytes)
            // Merge normal and oversized lines back in line-number order.
            var merged: [Int: [UInt8]] = [:]
            for (line, number) in zip(result.lines, result.numbers) { merged[number] = line }
            for item in result.oversized {
                #expect(item.length > maxLineLength)
                #expect(item.prefix.count == maxLineLength)
                let original = expected[item.number - 1]
                #expect(item.length == original.count)
                #expect(item.prefix == Array(original.prefix(maxLineLength)))
                merged[item.number] = original
            }
            #expect(merged.count == expected.count)
            for (index, line) in expected.enumerated() {
                #expect(merged[index + 1] == line)
                if line.count <= maxLineLength {
                    #expect(result.lines.contains(line))
                }
            }
            #expect(reader.bytesConsumed == Int64(bytes.count))
            #expect(reader.bufferCapacity <= maxLineLength + bufferSize + 2)
        }
    }

    @Test func reportsHugeLineAsOversizedWithoutHoldingIt() throws {
        let mib = 1 << 20
        var bytes = Array("first\n".utf8)
        let huge = (0..<(3 * mib)).map { UInt8(0x41 + $0 % 26) }
        bytes += huge + [0x0A]
        bytes += Array("after\r\nlast".utf8)
        for bufferSize in [64 << 10, mib] {
            let reader = LineReader(MemoryByteStream(bytes, maxChunk: 100_000), bufferSize: bufferSize, maxLineLength: mib)
            let result = try InputTestSupport.lines(of: reader)
            #expect(result.lines.map { String(decoding: $0, as: UTF8.self) } == ["first", "after", "last"])
            #expect(result.numbers == [1, 3, 4])
            #expect(result.oversized.count == 1)
            #expect(result.oversized.first?.number == 2)
            #expect(result.oversized.first?.length == 3 * mib)
            #expect(result.oversized.first?.prefix == Array(huge.prefix(mib)))
            #expect(reader.bufferCapacity <= mib + bufferSize)
            #expect(reader.bytesConsumed == Int64(bytes.count))
        }
    }

    @Test func reportsOversizedLinesWithCRLFAndAtEnd() throws {
        let text = "ok\r\n" + String(repeating: "z", count: 50) + "\r\nmid\n" + String(repeating: "y", count: 40)
        let reader = LineReader(MemoryByteStream(Array(text.utf8)), bufferSize: 8, maxLineLength: 10)
        let result = try InputTestSupport.lines(of: reader)
        #expect(result.lines.map { String(decoding: $0, as: UTF8.self) } == ["ok", "mid"])
        #expect(result.oversized.map(\.number) == [2, 4])
        #expect(result.oversized.map(\.length) == [50, 40])
        #expect(result.oversized.map { String(decoding: $0.prefix, as: UTF8.self) } == ["zzzzzzzzzz", "yyyyyyyyyy"])
        #expect(reader.bytesConsumed == Int64(text.utf8.count))
    }

    @Test func lineOfExactlyMaxLengthIsNotOversized() throws {
        let line = String(repeating: "q", count: 16)
        for ending in ["\n", "\r\n", ""] {
            let reader = LineReader(MemoryByteStream(Array((line + ending + "n\n").utf8)), bufferSize: 4, maxLineLength: 16)
            let result = try InputTestSupport.lines(of: reader)
            #expect(result.lines.map { String(decoding: $0, as: UTF8.self) } == (ending.isEmpty ? [line + "n"].filter { $0.count <= 16 } : [line, "n"]))
            #expect(result.oversized.count == (ending.isEmpty ? 1 : 0))
        }
    }

    @Test func stopsEarlyAndResumes() throws {
        let reader = LineReader(MemoryByteStream(Array("1\n2\n3\n4\n5\n".utf8)), bufferSize: 3)
        var seen: [String] = []
        try reader.forEachLine { line, number in
            seen.append(String(decoding: line, as: UTF8.self))
            return number < 2
        } oversized: { _, _, _ in }
        #expect(seen == ["1", "2"])
        #expect(reader.bytesConsumed == 4)
        let rest = try InputTestSupport.lines(of: reader)
        #expect(rest.lines.map { String(decoding: $0, as: UTF8.self) } == ["3", "4", "5"])
        #expect(rest.numbers == [3, 4, 5])
    }

    @Test func skipsLines() throws {
        let text = (1...100).map { "line \($0)" }.joined(separator: "\n") + "\n"
        for bufferSize in [5, 64, 1 << 20] {
            let reader = LineReader(MemoryByteStream(Array(text.utf8)), bufferSize: bufferSize)
            #expect(try reader.skipLines(0) == 0)
            #expect(try reader.skipLines(97) == 97)
            #expect(reader.lineNumber == 97)
            #expect(reader.bytesConsumed == Int64((1...97).map { "line \($0)\n".utf8.count }.reduce(0, +)))
            let rest = try InputTestSupport.lines(of: reader)
            #expect(rest.lines.map { String(decoding: $0, as: UTF8.self) } == ["line 98", "line 99", "line 100"])
            #expect(rest.numbers == [98, 99, 100])
        }
        let short = LineReader(MemoryByteStream(Array("a\nb\nc".utf8)), bufferSize: 2)
        #expect(try short.skipLines(10) == 3)
        #expect(try InputTestSupport.lines(of: short).lines.isEmpty)
    }

    @Test func readsGzipFileLines() throws {
        try InputTestSupport.withTempDir { dir in
            let bytes = InputTestSupport.sampleLog(lines: 5000)
            try InputTestSupport.write(bytes, to: dir + "/app.log")
            let gz = try InputTestSupport.gzip(dir + "/app.log")
            let reader = LineReader(try InputOpener.open(InputFile(path: gz)), bufferSize: 4096)
            let result = try InputTestSupport.lines(of: reader)
            #expect(result.lines == InputTestSupport.referenceLines(bytes))
            #expect(reader.bytesConsumed == Int64(bytes.count))
            #expect(reader.rawBytesRead == Int64(try InputTestSupport.contents(of: gz).count))
        }
    }
}
