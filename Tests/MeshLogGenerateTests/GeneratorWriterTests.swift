import MeshLogGenerate
import Foundation
import Testing
@testable import MeshLogCore

@Suite("Generate: writers")
struct GeneratorWriterTests {
    @Test func gzipOutputDecompressesToThePlainOutput() throws {
        try GeneratorTestSupport.withTempDir { dir in
            let lines = GeneratorTestSupport.completionOrderedLines(lines: 5_000, seed: 21).map(\.text)
            let plainPath = dir + "/plain.log"
            let gzipPath = dir + "/mesh.log.gz"
            let plain = try GeneratedLogWriter(path: plainPath, gzip: false)
            let gzip = try GeneratedLogWriter(path: gzipPath, gzip: true, flushThreshold: 64 << 10)
            for line in lines {
                try plain.write(line)
                try gzip.write(line)
            }
            try plain.finish()
            try gzip.finish()
            try gzip.finish()  // idempotent
            let expected = try String(contentsOfFile: plainPath, encoding: .utf8)
            #expect(expected == lines.joined(separator: "\n") + "\n")
            let compressed = try Data(contentsOf: URL(fileURLWithPath: gzipPath))
            #expect(compressed.prefix(2) == Data([0x1f, 0x8b]))
            #expect(compressed.count < expected.utf8.count / 4)
            #expect(try GeneratorTestSupport.gunzip(gzipPath) == expected)
        }
    }

    @Test func splitByPodWritesOneFilePerPodInCompletionOrder() throws {
        try GeneratorTestSupport.withTempDir { dir in
            let lines = GeneratorTestSupport.completionOrderedLines(lines: 8_000, seed: 22)
            let out = dir + "/dump"
            let writer = try GeneratedLogSplitWriter(directory: out, gzip: false)
            for line in lines { try writer.write(line) }
            try writer.finish()
            let pods = Set(lines.map(\.pod))
            let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            #expect(files == pods.map { $0 + ".log" }.sorted())
            #expect(writer.linesWritten == lines.count)
            for pod in pods {
                let text = try String(contentsOfFile: out + "/" + pod + ".log", encoding: .utf8)
                let expected = lines.filter { $0.pod == pod }.map(\.text)
                #expect(text == expected.joined(separator: "\n") + "\n")
            }
        }
    }

    @Test func splitByPodCanGzip() throws {
        try GeneratorTestSupport.withTempDir { dir in
            let lines = GeneratorTestSupport.completionOrderedLines(lines: 1_000, seed: 23)
            let writer = try GeneratedLogSplitWriter(directory: dir, gzip: true)
            for line in lines { try writer.write(line) }
            try writer.finish()
            #expect(writer.filePaths.allSatisfy { $0.hasSuffix(".log.gz") })
            var total = 0
            for path in writer.filePaths {
                total += try GeneratorTestSupport.gunzip(path).split(separator: "\n").count
            }
            #expect(total == lines.count)
        }
    }

    @Test func mergerEmitsEverythingInEndTimeOrder() {
        let generator = TrafficGenerator(options: GeneratorOptions(lines: 4_000, seed: 24, durationSeconds: 5))
        var merger = CompletionOrderMerger()
        var emitted: [GeneratedLine] = []
        var total = 0
        while let request = generator.nextRequest() {
            total += request.lines.count
            merger.add(request) { emitted.append($0) }
        }
        merger.finish { emitted.append($0) }
        #expect(merger.bufferedCount == 0)
        #expect(emitted.count == total)
        let ends = emitted.map(\.endTimeMicros)
        #expect(ends == ends.sorted())
    }
}
