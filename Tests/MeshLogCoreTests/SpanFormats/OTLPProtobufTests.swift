import Foundation
import MeshLogCore
import MeshLogTestSupport
import Testing

/// OTLP protobuf and the wrappers query APIs put around OTLP JSON, checked span by span against the same trace in
/// OTLP JSON. The fixtures in `Tests/Fixtures/otlp-proto` were all written from one trace by `make_fixtures.py`
/// with Google's protobuf runtime and the published opentelemetry-proto classes.
@Suite struct OTLPProtobufTests {
    static func fixture(_ name: String) -> String { Fixtures.path("otlp-proto/" + name) }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
    }

    /// The trace as OTLP JSON, the reference every other source must match.
    static func reference() throws -> SpanTestSupport.Outcome {
        let (format, outcome) = try SpanTestSupport.decodeFile(fixture("trace.json"))
        #expect(format == .otlp)
        return outcome
    }

    /// The spans with their line set to `line` (a single message or JSON object has no line structure to compare).
    static func withLine(_ spans: [Span], _ line: Int) -> [Span] {
        spans.map { s in
            var s = s
            s.line = line
            return s
        }
    }

    /// Expects `actual` equal to `expected` field by field, naming the first field that differs.
    static func expectSameSpans(_ actual: [Span], _ expected: [Span], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(a.traceID == e.traceID, sourceLocation: sourceLocation)
            #expect(a.spanID == e.spanID, sourceLocation: sourceLocation)
            #expect(a.parentID == e.parentID, sourceLocation: sourceLocation)
            #expect(a.service == e.service, sourceLocation: sourceLocation)
            #expect(a.name == e.name, sourceLocation: sourceLocation)
            #expect(a.kind == e.kind, sourceLocation: sourceLocation)
            #expect(a.startMicros == e.startMicros, sourceLocation: sourceLocation)
            #expect(a.durationMicros == e.durationMicros, sourceLocation: sourceLocation)
            #expect(a.status == e.status, sourceLocation: sourceLocation)
            #expect(a.httpStatus == e.httpStatus, sourceLocation: sourceLocation)
            #expect(a.requestID == e.requestID, sourceLocation: sourceLocation)
            #expect(a.attributes == e.attributes, sourceLocation: sourceLocation)
            #expect(a.shared == e.shared, sourceLocation: sourceLocation)
            #expect(a.line == e.line, sourceLocation: sourceLocation)
        }
    }

    /// The reference itself decodes as the trace was built: 64-bit ids padded, typed attributes as text, no end
    /// time no duration, clock skew kept, the span without a span id skipped with a warning.
    @Test func referenceTraceDecodesAsBuilt() throws {
        let outcome = try Self.reference()
        #expect(outcome.error == nil)
        #expect(outcome.warnings.map(\.reason) == ["span has no spanId; skipped"])
        #expect(SpanFixtureTests.rows(outcome.spans) == [
            "6e0c63257de34c926f9efcd03927272e a1b2c3d4e5f60718 <- - checkout server 1772460000000000+45500 error 502 9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "6e0c63257de34c926f9efcd03927272e b2c3d4e5f6071829 <- a1b2c3d4e5f60718 checkout internal 1772460000002000+8000 ok - -",
            "6e0c63257de34c926f9efcd03927272e c3d4e5f607182930 <- a1b2c3d4e5f60718 payments server 1772460000012000+30000 error 503 -",
            "00000000000000005af7183fb1d4cf5f 1a2b3c4d5e6f7081 <- 8e9fa0b1c2d3e4f5 payments client 1772460000013000+- error 404 -",
            "00000000000000005af7183fb1d4cf5f 2b3c4d5e6f708192 <- 1a2b3c4d5e6f7081 payments producer 1772460000014000+-500 error - -",
        ])
        let root = try #require(outcome.spans.first)
        #expect(root.attributes["ratio"] == "0.25")
        #expect(root.attributes["retries"] == "-3")
        #expect(root.attributes["tags"] == #"["a",2,false,1.5]"#)
        #expect(root.attributes["peer"] == #"{"ip":"10.1.2.3","port":9080}"#)
        #expect(root.attributes["raw"] == "AAAwOQ==")
        #expect(root.attributes["empty"] == "")
        #expect(root.attributes["note"] == "café → über")
        #expect(root.attributes["resource.host.cpus"] == "8")
        #expect(root.attributes["otel.scope.name"] == "envoy")
        #expect(root.attributes["otel.scope.mesh"] == "istio")
        #expect(root.attributes["otel.status_description"] == "upstream reset")
    }

    /// One binary ExportTraceServiceRequest gives the JSON's spans exactly, in any read size.
    @Test(arguments: [64 * 1024, 7, 1])
    func singleMessageMatchesJSON(chunk: Int) throws {
        let reference = try Self.reference()
        let (format, outcome) = try SpanTestSupport.decodeFile(Self.fixture("trace.binpb"), chunk: chunk)
        #expect(format == .otlpProtobuf)
        #expect(outcome.error == nil)
        Self.expectSameSpans(outcome.spans, Self.withLine(reference.spans, 1))
        #expect(outcome.warnings.map(\.reason) == ["span has no span_id; skipped"])
    }

    /// The file exporter's length-prefixed messages match its JSON Lines, line for message.
    @Test(arguments: [64 * 1024, 3])
    func lengthPrefixedStreamMatchesJSONLines(chunk: Int) throws {
        let (jsonFormat, lines) = try SpanTestSupport.decodeFile(Self.fixture("file-exporter.jsonl"))
        #expect(jsonFormat == .otlp)
        #expect(lines.spans.map(\.line) == [1, 1, 2, 2, 2])
        Self.expectSameSpans(Self.withLine(lines.spans, 1), Self.withLine(try Self.reference().spans, 1))
        let (format, outcome) = try SpanTestSupport.decodeFile(Self.fixture("file-exporter.pb"), chunk: chunk)
        #expect(format == .otlpProtobuf)
        #expect(outcome.error == nil)
        Self.expectSameSpans(outcome.spans, lines.spans)
        #expect(outcome.warnings.map(\.line) == [1])
    }

    /// gzip is undone by the input layer, by content: the spans are the same.
    @Test func gzippedMessageMatchesJSON() throws {
        let stream = try InputOpener.open(InputFile(path: Self.fixture("trace.binpb.gz")))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 333)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        #expect(bytes == (try Self.bytes("trace.binpb")))
        let outcome = SpanTestSupport.decode(bytes: bytes)
        #expect(outcome.error == nil)
        Self.expectSameSpans(outcome.spans, Self.withLine(try Self.reference().spans, 1))
    }

    /// Jaeger v2's `{"result":…}` (single and streamed) and Tempo v2's `{"trace":…}` give the JSON's spans.
    @Test(arguments: ["jaeger-v2.json", "jaeger-v2-stream.json", "tempo-v2.json"])
    func queryAPIWrappersMatchJSON(file: String) throws {
        let (format, outcome) = try SpanTestSupport.decodeFile(Self.fixture(file))
        #expect(format == .otlp)
        #expect(outcome.error == nil)
        let reference = try Self.reference().spans
        Self.expectSameSpans(Self.withLine(outcome.spans, 1), Self.withLine(reference, 1))
        #expect(outcome.warnings.count == 1)
        try SpanTestSupport.expectSameInTinyReads(Self.fixture(file), as: outcome)
    }

    /// Jaeger v2's error object is refused with its message, also after streamed results (whose spans are kept).
    @Test func jaegerV2ErrorIsRefused() throws {
        let alone = SpanTestSupport.decode(#"{"error":{"httpCode":404,"message":"No traces found"}}"#)
        guard case .notASpanFile(let reason)? = alone.error else {
            Issue.record("expected a rejection, got \(String(describing: alone.error))")
            return
        }
        #expect(reason.contains("error response"))
        let stream = try String(contentsOfFile: Self.fixture("jaeger-v2-stream.json"), encoding: .utf8)
        let outcome = SpanTestSupport.decode(stream + #"{"error":{"httpCode":500,"message":"storage timeout"}}"# + "\n")
        #expect(outcome.spans.count == 5)
        guard case .notASpanFile(let r)? = outcome.error else {
            Issue.record("expected a rejection, got \(String(describing: outcome.error))")
            return
        }
        #expect(r.contains("storage timeout"))
    }

    /// Every cut of the binary message is rejected as truncated with a byte offset inside the file, and the spans
    /// decoded before the cut are the JSON's first spans. The one exception is a cut exactly between the two
    /// ResourceSpans (or the two framed messages): what is left is a complete, valid message of the first resource.
    @Test(arguments: ["trace.binpb", "file-exporter.pb"])
    func truncatedProtobufKeepsEarlierSpans(file: String) throws {
        let whole = try Self.bytes(file)
        let reference = try Self.reference().spans
        var keptSome = false
        var validCuts: [Int] = []
        for cut in 1..<whole.count {
            let outcome = SpanTestSupport.decode(bytes: Array(whole[0..<cut]), as: .otlpProtobuf)
            if outcome.error == nil {
                validCuts.append(cut)
                Self.expectSameSpans(Self.withLine(outcome.spans, 1), Array(Self.withLine(reference, 1).prefix(2)))
                continue
            }
            guard case .malformedProtobuf(let offset, let reason)? = outcome.error else {
                Issue.record("cut at \(cut): expected a protobuf error, got \(String(describing: outcome.error))")
                continue
            }
            #expect(offset >= 0 && offset <= cut, "cut at \(cut): offset \(offset)")
            #expect(reason.contains("truncated"), "cut at \(cut): \(reason)")
            #expect(outcome.spans.count < reference.count)
            Self.expectSameSpans(Self.withLine(outcome.spans, 1), Array(Self.withLine(reference, 1).prefix(outcome.spans.count)))
            keptSome = keptSome || !outcome.spans.isEmpty
        }
        #expect(keptSome)
        // The first ResourceSpans (or framed message) ends there: 3 bytes of tag and length, or 4 of length, first.
        #expect(validCuts == [file == "trace.binpb" ? 3 + 809 : 4 + 812])
    }

    /// A corrupt byte (an invalid wire type where the second span's tag is) stops decoding at that offset; the
    /// span before it is kept.
    @Test func corruptProtobufNamesTheOffset() throws {
        var bytes = try Self.bytes("trace.binpb")
        // The second span's span id "b2c3d4e5f6071829": its Span starts a few bytes before it.
        let spanID: [UInt8] = [0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18, 0x29]
        let at = try #require((0...(bytes.count - 8)).first { Array(bytes[$0..<($0 + 8)]) == spanID })
        // Its trace id field (tag 0x0A, length 16) comes first: 16 bytes of id and 2 of tag and length before the
        // span id's own tag and length.
        let traceTag = at - 2 - 16 - 2
        #expect(bytes[traceTag] == 0x0A)
        bytes[traceTag] = 0x0F  // field 1, wire type 7: invalid
        let outcome = SpanTestSupport.decode(bytes: bytes)
        #expect(outcome.error == .malformedProtobuf(
            offset: traceTag, reason: "invalid wire type 7 for field 1 (corrupt, or not OTLP protobuf)"))
        #expect(outcome.error?.description.contains("byte offset \(traceTag)") == true)
        Self.expectSameSpans(outcome.spans, Array(Self.withLine(try Self.reference().spans, 1).prefix(1)))
    }

    /// The sniffer claims protobuf only for protobuf: access logs that start with a newline or a NUL, and JSON,
    /// are not mistaken for it.
    @Test func sniffingDoesNotClaimText() throws {
        let texts = [
            "\n[2026-03-02T10:00:00.000Z] \"GET /api HTTP/1.1\" 200 - via_upstream - \"-\" 0 12 3 2 \"-\" \"curl\"\n",
            "\n\n{\"start_time\":\"2026-03-02T10:00:00.000Z\",\"method\":\"GET\"}\n",
            "\u{0}\u{0}\u{0}\u{5}hello",
            "\n\u{10}garbage",
        ]
        for text in texts {
            #expect(Array(text.utf8).withUnsafeBytes { SpanFormatSniffer.sniff($0) } != .otlpProtobuf, "\(text.debugDescription)")
        }
        #expect(try Self.bytes("trace.binpb").withUnsafeBytes { SpanFormatSniffer.sniff($0) } == .otlpProtobuf)
        #expect(try Self.bytes("trace.json").withUnsafeBytes { SpanFormatSniffer.sniff($0) } == .otlp)
        // Only the first 700 bytes of a message: still recognised (the head ends inside it).
        #expect(try Array(Self.bytes("trace.binpb").prefix(700)).withUnsafeBytes { SpanFormatSniffer.sniff($0) } == .otlpProtobuf)
    }

    // MARK: - zstd

    static let zstdTool = "/usr/bin/zstd"

    /// Runs the zstd command line on `input`, returning the compressed bytes.
    static func zstd(_ input: [UInt8], in dir: TemporaryDirectory) throws -> [UInt8] {
        let plain = try dir.write("plain-\(input.count)", Data(input))
        try runTool(zstdTool, ["-q", "-f", plain, "-o", plain + ".zst"])
        return Array(try Data(contentsOf: URL(fileURLWithPath: plain + ".zst")))
    }

    /// The file exporter's messages, from its length-prefixed output.
    static func messages(_ framed: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i + 4 <= framed.count {
            let n = Int(framed[i]) << 24 | Int(framed[i + 1]) << 16 | Int(framed[i + 2]) << 8 | Int(framed[i + 3])
            out.append(Array(framed[(i + 4)..<(i + 4 + n)]))
            i += 4 + n
        }
        return out
    }

    static func framed(_ messages: [[UInt8]]) -> [UInt8] {
        messages.flatMap { m -> [UInt8] in
            [UInt8(m.count >> 24 & 0xFF), UInt8(m.count >> 16 & 0xFF), UInt8(m.count >> 8 & 0xFF), UInt8(m.count & 0xFF)] + m
        }
    }

    static var zstdMissing: String? {
        if !FileManager.default.isExecutableFile(atPath: zstdTool) { return "the zstd command line tool is not installed" }
        if !Zstd.isAvailable { return "libzstd.so.1 is not installed" }
        return nil
    }

    /// `compression: zstd` (each message compressed, then framed), in proto and in JSON, and a whole file compressed
    /// as one zstd stream: the same spans as the JSON Lines.
    @Test func zstdCompressedMessagesAndFiles() throws {
        if let missing = Self.zstdMissing {
            print("skipped: \(missing)")
            return
        }
        let dir = try TemporaryDirectory()
        let lines = try SpanTestSupport.decodeFile(Self.fixture("file-exporter.jsonl")).outcome.spans
        let messages = Self.messages(try Self.bytes("file-exporter.pb"))
        #expect(messages.count == 2)

        let protoFramed = Self.framed(try messages.map { try Self.zstd($0, in: dir) })
        let proto = SpanTestSupport.decode(bytes: protoFramed)
        #expect(proto.error == nil)
        Self.expectSameSpans(proto.spans, lines)

        let jsonLines = try String(contentsOfFile: Self.fixture("file-exporter.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { Array($0.utf8) }
        let json = SpanTestSupport.decode(bytes: Self.framed(try jsonLines.map { try Self.zstd($0, in: dir) }))
        #expect(json.error == nil)
        Self.expectSameSpans(json.spans, lines)

        // The whole file as one zstd stream, undone by the input layer by its magic number.
        let whole = try dir.write("whole.pb.zst", Data(try Self.zstd(try Self.bytes("file-exporter.pb"), in: dir)))
        let stream = try InputOpener.open(InputFile(path: whole))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 100)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        #expect(bytes == (try Self.bytes("file-exporter.pb")))

        // A cut zstd frame is refused with an offset; the message before it is kept.
        let cut = Array(protoFramed.prefix(protoFramed.count - 5))
        let truncated = SpanTestSupport.decode(bytes: cut)
        #expect(truncated.spans.count == 2)
        guard case .malformedProtobuf(_, let reason)? = truncated.error else {
            Issue.record("expected a protobuf error, got \(String(describing: truncated.error))")
            return
        }
        #expect(reason.contains("truncated"))
    }

    /// Where libzstd is missing, the message says what to install and how to decompress by hand.
    @Test func zstdMissingMessage() {
        let reason = Zstd.missingReason(path: "traces.pb.zst")
        #expect(reason.contains("libzstd.so.1 not found"))
        #expect(reason.contains("install libzstd1"))
        #expect(reason.contains("zstd -d traces.pb.zst"))
    }
}
