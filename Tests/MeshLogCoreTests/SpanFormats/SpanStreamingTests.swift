import Foundation
@testable import MeshLogCore
import Testing

@Suite struct SpanStreamingTests {
    /// `value` as lowercase hex, left-padded with zeros to `width`.
    static func hex(_ width: Int, _ value: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Writes a Zipkin v2 array of `count` Envoy-like spans (about 600 bytes each) to a temporary file.
    static func writeZipkinArray(count: Int, to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var chunk = "[\n"
        for i in 0..<count {
            let trace = hex(16, 0x5EED_0000_0000 + i / 4)
            let id = hex(16, 0xA000_0000_0000 + i)
            let parent = i % 4 == 0 ? "" : #""parentId":"\#(hex(16, 0xA000_0000_0000 + i - i % 4))","#
            let kind = i % 2 == 0 ? "SERVER" : "CLIENT"
            let status = i % 97 == 0 ? "503" : "200"
            chunk += #"""
                {"traceId":"\#(trace)",\#(parent)"id":"\#(id)","kind":"\#(kind)","name":"reviews.bookinfo.svc.cluster.local:9080/*","timestamp":\#(1_717_430_400_000_000 + i),"duration":\#(1000 + i % 5000),"localEndpoint":{"serviceName":"reviews.bookinfo","ipv4":"10.244.2.31"},"tags":{"component":"proxy","guid:x-request-id":"6f1e0c2a-9b7d-4d6e-8c31-\#(hex(12, i))","http.method":"GET","http.status_code":"\#(status)","response_flags":"-","upstream_cluster":"outbound|9080||reviews.bookinfo.svc.cluster.local","node_id":"sidecar~10.244.2.31~reviews-v2-7bf8c9648f-l4k2m.bookinfo~bookinfo.svc.cluster.local"}}
                """#
            chunk += i == count - 1 ? "\n]\n" : ",\n"
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data(chunk.utf8))
    }

    @Test func decodes200kSpanZipkinArrayInBoundedMemory() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("meshlog-spans-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let total = 200_000
        try Self.writeZipkinArray(count: total, to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size > 100_000_000)

        let head = try SpanTestSupport.head(ofFile: url.path)
        #expect(head.withUnsafeBytes { SpanFormatSniffer.sniff($0) } == .zipkinV2)

        // Drive the reader directly so the test can check its buffer never grew past the initial chunk size.
        let fd = open(url.path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let reader = JSONStreamReader(chunkSize: 64 * 1024) { out in read(fd, out.baseAddress!, out.count) }
        var count = 0
        var errors = 0
        var lastLine = 0
        var warnings = 0
        let sink = SpanSink(
            onSpan: { span in
                count += 1
                if span.status == .error { errors += 1 }
                lastLine = span.line
            },
            onWarning: { _ in warnings += 1 })
        try ZipkinV2Decoder(reader: reader, sink: sink).run()
        #expect(count == total)
        #expect(warnings == 0)
        #expect(errors == (0..<total).filter { $0 % 97 == 0 }.count)  // 503 is an error for SERVER and CLIENT
        #expect(lastLine == total + 1)
        #expect(reader.bufferCapacity == 64 * 1024)
    }

    @Test func publicAPIStreamsFromAReadClosure() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("meshlog-spans-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.writeZipkinArray(count: 5_000, to: url)
        var seen = 0
        let (format, outcome) = try SpanTestSupport.decodeFile(url.path, chunk: 4093) { _ in seen += 1 }
        #expect(format == .zipkinV2)
        #expect(outcome.error == nil)
        #expect(seen == 5_000)
        #expect(outcome.spans[4].parentID == nil)
        #expect(outcome.spans[5].parentID == "0000a00000000004")
        #expect(outcome.spans[5].traceID == "00000000000000000000" + "5eed00000001")
    }

    @Test func onSpanCanStopDecoding() {
        struct Stop: Error {}
        let text = "[" + (0..<10).map { #"{"traceId":"8a3c60f7d188f8fa","id":"\#(Self.hex(16, $0))"}"# }
            .joined(separator: ",") + "]"
        let bytes = Array(text.utf8)
        var delivered = 0
        #expect(throws: Stop.self) {
            try bytes.withUnsafeBytes { raw in
                try SpanDecoder(format: .zipkinV2).decode(
                    bytes: raw,
                    onSpan: { _ in
                        delivered += 1
                        if delivered == 3 { throw Stop() }
                    },
                    onWarning: { _ in })
            }
        }
        #expect(delivered == 3)
    }

    @Test func truncatedFileReportsWhereItEnds() {
        let text = "[\n" + #"{"traceId":"8a3c60f7d188f8fa","id":"0000000000000001"},"# + "\n" + #"{"traceId":"8a3c"#
        let outcome = SpanTestSupport.decode(text, as: .zipkinV2)
        #expect(outcome.spans.count == 1)
        #expect(outcome.error == .malformedJSON(line: 3, column: 17, reason: "unterminated string"))
    }
}
