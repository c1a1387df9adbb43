import MeshLogCore
import Testing

@Suite struct SpanModelTests {
    @Test(arguments: [
        // 128-bit lowercase hex is kept.
        ("4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736"),
        // OTLP's example uses uppercase.
        ("5B8EFFF798038103D269B633813FC60C", "5b8efff798038103d269b633813fc60c"),
        // A 64-bit B3 id is left-padded so it matches its 128-bit form.
        ("978883983d506fa5", "0000000000000000978883983d506fa5"),
        // Tempo search drops a leading zero (31 chars).
        ("2e299711ce47710289dc6640727404f", "02e299711ce47710289dc6640727404f"),
        // Tempo / protojson base64.
        ("O6VWCcPN5JZJzXfR+dzZNg==", "3ba55609c3cde49649cd77d1f9dcd936"),
        ("AAAAAAAAAAAAAAAAAAAAAQ==", "00000000000000000000000000000001"),
        // A 64-bit id in base64 is padded too.
        ("APBnqgupArc=", "000000000000000000f067aa0ba902b7"),
        // Non-hex ids (jaeger-ui fixtures) are kept, lowercased.
        ("Trace-123", "trace-123"),
    ])
    func traceIDNormalisation(raw: String, expected: String) {
        #expect(Span.normalizedTraceID(raw) == expected)
    }

    @Test(arguments: [
        ("EEE19B7EC3C1B174", "eee19b7ec3c1b174"),
        ("4b52eb0cabcb50a", "04b52eb0cabcb50a"),
        ("Sc130fnc2TY=", "49cd77d1f9dcd936"),
        ("AAAAAAAAAAI=", "0000000000000002"),
        ("span-2_1", "span-2_1"),
    ])
    func spanIDNormalisation(raw: String, expected: String) {
        #expect(Span.normalizedSpanID(raw) == expected)
    }

    @Test func emptyIDsNormaliseToNil() {
        #expect(Span.normalizedTraceID("") == nil)
        #expect(Span.normalizedSpanID("") == nil)
        #expect(Span.isZeroID("0000000000000000"))
        #expect(!Span.isZeroID("0000000000000001"))
    }

    @Test(arguments: [
        (200, SpanKind.server, SpanStatus.unset),
        (404, .server, .unset),
        (503, .server, .error),
        (200, .client, .unset),
        (404, .client, .error),
        (429, .client, .error),
        (504, .client, .error),
        (404, .internal, .unset),
        (500, .unspecified, .error),
        (0, .client, .unset),
    ])
    func httpStatusBySemconv(code: Int, kind: SpanKind, expected: SpanStatus) {
        #expect(SpanStatus.classifying(httpStatus: code, kind: kind) == expected)
    }

    @Test(arguments: [
        ("SERVER", SpanKind.server), ("client", .client), ("SPAN_KIND_PRODUCER", .producer),
        ("span_kind_consumer", .consumer), ("INTERNAL", .internal), ("SPAN_KIND_UNSPECIFIED", .unspecified),
    ])
    func kindNames(name: String, expected: SpanKind) {
        #expect(SpanKind(name: name) == expected)
    }

    @Test func attributesJSONIsSortedAndEscaped() {
        let attributes = [
            "upstream_cluster": "outbound|9080||reviews.bookinfo.svc.cluster.local",
            "guid:x-request-id": "e4e8c177-3962-9359-945e-61e7175cd867",
            "http.url": "http://reviews:9080/reviews/0?q=\"x\"\\y",
            "note": "line1\nline2\t\u{01}",
            "名前": "値",
        ]
        #expect(
            Span.attributesJSON(attributes)
                == #"{"guid:x-request-id":"e4e8c177-3962-9359-945e-61e7175cd867","#
                + #""http.url":"http://reviews:9080/reviews/0?q=\"x\"\\y","note":"line1\nline2\t\u0001","#
                + #""upstream_cluster":"outbound|9080||reviews.bookinfo.svc.cluster.local","名前":"値"}"#)
        #expect(Span.attributesJSON([:]) == "{}")
        let span = Span(traceID: "1", spanID: "2", name: "n", attributes: ["b": "2", "a": "1"])
        #expect(span.attributesJSON == #"{"a":"1","b":"2"}"#)
    }

    /// The bytes writer escapes exactly as the `String` one, on strings with every kind of character.
    @Test func jsonStringBytesMatchTheStringWriter() {
        let pieces = ["a", "Zz9", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{1b}", "\u{1f}", "\u{7f}",
                      "é", "名前", "😀", "\u{9b}", "\u{202e}", " ", "/", "{}", ":"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let s = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var text = ""
            Span.appendJSONString(s, to: &text)
            var bytes: [UInt8] = []
            Span.appendJSONString(s, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == text, "\(s.debugDescription)")
        }
    }
}
