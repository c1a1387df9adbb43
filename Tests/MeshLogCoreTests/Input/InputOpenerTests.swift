import Foundation
import Testing
@testable import MeshLogCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("Input: InputOpener and FileByteStream")
struct InputOpenerTests {
    @Test func opensPlainAndSniffsGzipByContent() throws {
        try InputTestSupport.withTempDir { dir in
            let original = InputTestSupport.sampleLog(lines: 2000)
            try InputTestSupport.write(original, to: dir + "/plain.log")
            let gz = try InputTestSupport.gzip(dir + "/plain.log")
            try FileManager.default.moveItem(atPath: gz, toPath: dir + "/compressed-no-extension")
            try InputTestSupport.write(original, to: dir + "/looks-compressed.gz")

            for name in ["plain.log", "compressed-no-extension", "looks-compressed.gz"] {
                let (stream, format) = try InputOpener.openDetectingFormat(InputFile(path: dir + "/" + name))
                let result = InputTestSupport.drain(stream, chunk: 777)
                #expect(result.error == nil)
                #expect(result.bytes == original, "\(name)")
                #expect(format == (name == "compressed-no-extension" ? .gzip : .plain))
                #expect(InputTestSupport.drain(try InputOpener.open(InputFile(path: dir + "/" + name))).bytes == original)
            }
        }
    }

    @Test func opensTinyAndEmptyFiles() throws {
        try InputTestSupport.withTempDir { dir in
            try InputTestSupport.write([], to: dir + "/empty")
            try InputTestSupport.write([0x1f], to: dir + "/one")
            #expect(InputTestSupport.drain(try InputOpener.open(InputFile(path: dir + "/empty"))).bytes == [])
            #expect(InputTestSupport.drain(try InputOpener.open(InputFile(path: dir + "/one"))).bytes == [0x1f])
            #expect(try InputOpener.detectFormat(InputFile(path: dir + "/empty")) == .plain)
        }
    }

    @Test func reportsMissingAndDirectoryInputs() throws {
        try InputTestSupport.withTempDir { dir in
            #expect(throws: InputError.notFound(path: dir + "/missing.log")) {
                _ = try InputOpener.open(InputFile(path: dir + "/missing.log"))
            }
            do {
                _ = try InputOpener.open(InputFile(path: dir))
                Issue.record("opening a directory should fail")
            } catch let error as InputError {
                guard case .unreadable(let path, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(path == dir)
            }
        }
    }

    @Test func readsFromPipeDescriptorLikeStdin() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let readEnd = fds[0]
        let writeEnd = fds[1]
        let payload = InputTestSupport.sampleLog(lines: 30_000)  // several pipe buffers
        let writer = Thread {
            payload.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(writeEnd, raw.baseAddress! + offset, min(4096 + offset % 3000, raw.count - offset))
                    if n <= 0 { break }
                    offset += n
                }
            }
            close(writeEnd)
        }
        writer.start()
        let stream = FileByteStream(fileDescriptor: readEnd, path: "-", closeOnDeinit: true)
        let reader = LineReader(stream, bufferSize: 10_000)
        let result = try InputTestSupport.lines(of: reader)
        #expect(result.lines == InputTestSupport.referenceLines(payload))
        #expect(stream.rawBytesRead == Int64(payload.count))
        #expect(reader.bytesConsumed == Int64(payload.count))
    }

    @Test func peekableStreamReplaysPeekedBytes() throws {
        let bytes = Array(0..<200).map { UInt8($0) }
        let stream = PeekableByteStream(MemoryByteStream(bytes, maxChunk: 7))
        #expect(try stream.peek(2) == [0, 1])
        #expect(try stream.peek(50) == Array(bytes[0..<50]))
        var small = [UInt8](repeating: 0, count: 10)
        #expect(try small.withUnsafeMutableBytes { try stream.read(into: $0) } == 10)
        #expect(small == Array(bytes[0..<10]))
        #expect(try stream.peek(5) == Array(bytes[10..<15]))
        #expect(InputTestSupport.drain(stream).bytes == Array(bytes[10...]))
        #expect(try stream.peek(5) == [])
    }
}
