import MeshLogCore
import Testing

@Suite struct SpanFormatSnifferTests {
    static func sniff(_ text: String) -> SpanFormat? {
        Array(text.utf8).withUnsafeBytes { SpanFormatSniffer.sniff($0) }
    }

    static func reason(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBytes { SpanFormatSniffer.rejectionReason($0) }
    }

    @Test(arguments: [
        (#"[{"traceId":"8a3c60f7d188f8fa","id":"3f2a9b1c44d0e7a2","kind":"CLIENT"}]"#, SpanFormat.zipkinV2),
        (#"  [ [ {"traceId":"8a3c60f7d188f8fa","parentId":"1","id":"2"} ] ]"#, .zipkinV2),
        ("[]", .zipkinV2),
        ("\u{FEFF}\n" + #"{"traceId":"8a3c60f7d188f8fa","id":"3f2a9b1c44d0e7a2"}"#, .zipkinV2),
        // Truncated heads are fine: a 500 MB file is sniffed from its first bytes.
        (#"[{"traceId":"8a3c60f7d188f8fa","localEndpoint":{"serviceName":"front"#, .zipkinV2),
        (#"{"data":["#, .jaeger),
        (#"{"data":[{"traceID":"c0ffee","spans":[{"traceID":"c0ffee","spanID":"1"}]}],"total":0}"#, .jaeger),
        (#"{"_comment":"x","traceID":"trace-123","spans":[]}"#, .jaeger),
        (#"[{"traceID":"2be38093ead7a083","spanID":"7606ddfe69932d34","process":{"serviceName":"a"}}]"#, .jaeger),
        (#"{"traceID":"0000000000000001","spanID":"0000000000000002","operationName":"op"}"#, .jaeger),
        (#"{"spans":[{"traceId":"AAAAAAAAAAAAAAAAAAAAAQ==","spanId":"AAAAAAAAAAI=","operationName":"x"}],"processMap":[]}"#, .jaeger),
        (#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{},"spans":[{"traceId":"5B8E"#, .otlp),
        ("{\"resourceSpans\":[]}\n{\"resourceSpans\":[]}\n", .otlp),
        (#"{"batches":[{"resource":{},"scopeSpans":[]}]}"#, .tempo),
        // Jaeger v2's /api/v3 wrapper (one, or one per line when streamed) and Tempo v2's, around OTLP.
        (#"{"result":{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"traceId":"5B8E"#, .otlp),
        ("{\"result\":{\"resourceSpans\":[]}}\n{\"result\":{\"resourceSpans\":[]}}\n", .otlp),
        (#"{"trace":{"resourceSpans":[]},"status":"COMPLETE"}"#, .otlp),
        (#"{"trace":{"batches":[]}}"#, .otlp),
        (#"{"result":"#, .otlp),
    ])
    func recognisesFormats(text: String, expected: SpanFormat) {
        #expect(Self.sniff(text) == expected)
        #expect(Self.reason(text) == nil)
    }

    @Test(arguments: [
        (#"{"traces":[{"traceID":"100cb753c787ed5657c8d88dafc176ed","rootServiceName":"istio"}]}"#, "Tempo search"),
        (#"{"data":{"services":[],"spans":[]},"id":"84b3","state":"FETCHED_DONE"}"#, "jaeger-ui internal state"),
        (#"[{"traceId":"a","id":"b","binaryAnnotations":[]}]"#, "Zipkin v1"),
        (#"[2024-06-03T16:00:00.000Z] "GET /productpage HTTP/1.1" 200 - via_upstream"#, "not JSON"),
        (#"2024-06-03T16:00:00.000Z info access"#, "starts with '2'"),
        ("  \n ", "empty"),
        (#"{"apiVersion":"v1","kind":"Pod"}"#, "apiVersion, kind"),
        (#"[1,2,3]"#, "scalars"),
        (#"{"resourceSpans" 1}"#, "malformed JSON at line 1, column 18"),
        (#"{"error":{"httpCode":404,"message":"No traces found"}}"#, "error response"),
        (#"{"result":{"services":["a"]}}"#, "wrapper around keys [services]"),
    ])
    func rejectsWithAReason(text: String, fragment: String) {
        #expect(Self.sniff(text) == nil)
        let reason = Self.reason(text)
        #expect(reason?.contains(fragment) == true, "\(reason ?? "nil")")
    }
}
