import MeshLogCore
import Testing

@Suite struct ZipkinV2SpanDecoderTests {
    /// One hop through two Istio sidecars with B3 (64-bit trace id): the productpage sidecar's CLIENT span and the
    /// reviews sidecar's shared SERVER half, which reuses the client's span id.
    static let envoyHop = #"""
        [
          {
            "traceId": "8a3c60f7d188f8fa",
            "parentId": "8a3c60f7d188f8fa",
            "id": "3f2a9b1c44d0e7a2",
            "kind": "CLIENT",
            "name": "reviews.bookinfo.svc.cluster.local:9080/*",
            "timestamp": 1717430400123456,
            "duration": 4210,
            "localEndpoint": {"serviceName": "productpage.bookinfo", "ipv4": "10.244.1.17"},
            "remoteEndpoint": {"ipv4": "10.96.41.9", "port": 9080},
            "tags": {
              "component": "proxy",
              "guid:x-request-id": "6f1e0c2a-9b7d-4d6e-8c31-2a4f5b6c7d8e",
              "http.method": "GET",
              "http.status_code": "503",
              "http.url": "http://reviews:9080/reviews/0",
              "node_id": "sidecar~10.244.1.17~productpage-v1-6b746f74dc-9xq2p.bookinfo~bookinfo.svc.cluster.local",
              "response_flags": "UF,URX",
              "upstream_cluster": "outbound|9080||reviews.bookinfo.svc.cluster.local"
            }
          },
          {
            "traceId": "8a3c60f7d188f8fa",
            "parentId": "8a3c60f7d188f8fa",
            "id": "3f2a9b1c44d0e7a2",
            "kind": "SERVER",
            "name": "reviews.bookinfo.svc.cluster.local:9080/*",
            "timestamp": 1717430400124102,
            "duration": 2977,
            "localEndpoint": {"serviceName": "reviews.bookinfo", "ipv4": "10.244.2.31"},
            "shared": true,
            "tags": {
              "guid:x-request-id": "6f1e0c2a-9b7d-4d6e-8c31-2a4f5b6c7d8e",
              "http.status_code": "200",
              "response_flags": "-",
              "upstream_cluster": "inbound|9080||",
              "node_id": "sidecar~10.244.2.31~reviews-v2-7bf8c9648f-l4k2m.bookinfo~bookinfo.svc.cluster.local"
            }
          }
        ]
        """#

    @Test(arguments: [Int.max, 1, 13])
    func decodesEnvoyClientAndSharedServerHalves(chunk: Int) throws {
        let outcome = SpanTestSupport.decode(Self.envoyHop, as: .zipkinV2, chunk: chunk)
        #expect(outcome.error == nil)
        #expect(outcome.warnings.isEmpty)
        try #require(outcome.spans.count == 2)
        let client = outcome.spans[0]
        #expect(client.traceID == "00000000000000008a3c60f7d188f8fa")
        #expect(client.spanID == "3f2a9b1c44d0e7a2")
        #expect(client.parentID == "8a3c60f7d188f8fa")
        #expect(client.service == "productpage.bookinfo")
        #expect(client.name == "reviews.bookinfo.svc.cluster.local:9080/*")
        #expect(client.kind == .client)
        #expect(client.startMicros == 1_717_430_400_123_456)
        #expect(client.durationMicros == 4210)
        #expect(client.httpStatus == 503)
        #expect(client.status == .error)
        #expect(client.requestID == "6f1e0c2a-9b7d-4d6e-8c31-2a4f5b6c7d8e")
        #expect(client.attributes["upstream_cluster"] == "outbound|9080||reviews.bookinfo.svc.cluster.local")
        #expect(client.attributes["response_flags"] == "UF,URX")
        #expect(client.attributes["localEndpoint.ipv4"] == "10.244.1.17")
        #expect(client.attributes["remoteEndpoint.port"] == "9080")
        #expect(client.attributes["localEndpoint.serviceName"] == nil)
        #expect(!client.shared)
        #expect(client.line == 2)

        let server = outcome.spans[1]
        #expect(server.spanID == client.spanID)
        #expect(server.kind == .server)
        #expect(server.shared)
        #expect(server.httpStatus == 200)
        #expect(server.status == .unset)
        #expect(server.service == "reviews.bookinfo")
        #expect(server.line == 23)
    }

    @Test func decodesAListOfTraces() {
        let text = #"""
            [[{"traceId":"a1b2c3d4e5f60718a1b2c3d4e5f60718","id":"a1b2c3d4e5f60718","name":"get /api","kind":"SERVER",
               "localEndpoint":{"serviceName":"frontend"}}],
             [],
             [{"traceId":"0102030405060708","id":"1111111111111111","name":"ingress","kind":"SERVER"},
              {"traceId":"0102030405060708","parentId":"1111111111111111","id":"2222222222222222","name":"db"}]]
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.error == nil)
        #expect(outcome.spans.map(\.spanID) == ["a1b2c3d4e5f60718", "1111111111111111", "2222222222222222"])
        #expect(outcome.spans.map(\.line) == [1, 4, 5])
        #expect(outcome.spans[2].kind == .internal)  // no kind: a local span
        #expect(outcome.spans[1].parentID == nil)
    }

    @Test func decodesASingleSpanObject() {
        let text = #"{"traceId":"4D1E00C0DB9010DB86154A4BA6E91385","parentId":"0000000000000000","id":"4D1E00C0DB9010DB","kind":"PRODUCER","name":"send","localEndpoint":{"serviceName":"orders"}}"#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.spans.count == 1)
        #expect(outcome.spans.first?.traceID == "4d1e00c0db9010db86154a4ba6e91385")
        #expect(outcome.spans.first?.spanID == "4d1e00c0db9010db")
        #expect(outcome.spans.first?.parentID == nil)  // all zeros: a root
        #expect(outcome.spans.first?.kind == .producer)
    }

    @Test func skipsSpansWithoutIDsAndKeepsGoing() {
        let text = """
            [
              {"traceId":"8a3c60f7d188f8fa","id":"0000000000000001","name":"ok"},
              {"id":"0000000000000002","name":"no trace id","tags":{"upstream_cluster":"outbound|9080||reviews"}},
              {"traceId":"8a3c60f7d188f8fa","name":"no span id"},
              42,
              {"traceId":"8a3c60f7d188f8fa","id":"0000000000000003","name":"also ok"}
            ]
            """
        let outcome = SpanTestSupport.decode(text, as: .zipkinV2)
        #expect(outcome.error == nil)
        #expect(outcome.spans.map(\.name) == ["ok", "also ok"])
        #expect(outcome.warnings.map(\.line) == [3, 4, 5])
        #expect(outcome.warnings[0].reason.contains("traceId"))
        #expect(outcome.warnings[0].excerpt.hasPrefix(#"{"id":"0000000000000002","name":"no trace id""#))
        #expect(outcome.warnings[1].reason.contains("id"))
        #expect(outcome.warnings[2].reason.contains("number"))
    }

    @Test(arguments: [
        // Zipkin puts the message in `error`: any value is an error, even with a 200.
        (#""kind":"SERVER","tags":{"error":"upstream connect error","http.status_code":"200"}"#, SpanStatus.error),
        (#""kind":"SERVER","tags":{"error":""}"#, .error),
        (#""kind":"CLIENT","tags":{"otel.status_code":"ERROR"}"#, .error),
        (#""kind":"CLIENT","tags":{"otel.status_code":"OK","http.status_code":"503"}"#, .ok),
        (#""kind":"CLIENT","tags":{"http.status_code":"404"}"#, .error),
        (#""kind":"SERVER","tags":{"http.status_code":"404"}"#, .unset),
        (#""kind":"SERVER","tags":{"http.status_code":"500"}"#, .error),
        (#""kind":"SERVER","tags":{"http.response.status_code":"502"}"#, .error),
        (#""kind":"SERVER","tags":{"http.status_code":"-"}"#, .unset),
        (#""kind":"SERVER""#, .unset),
    ])
    func statusRules(fields: String, expected: SpanStatus) {
        let text = #"[{"traceId":"8a3c60f7d188f8fa","id":"3f2a9b1c44d0e7a2","name":"x","# + fields + "}]"
        let outcome = SpanTestSupport.decode(text, as: .zipkinV2)
        #expect(outcome.spans.first?.status == expected)
    }

    @Test func numericTagValuesAreFlattenedToText() {
        let text = #"[{"traceId":"8a3c60f7d188f8fa","id":"3f2a9b1c44d0e7a2","tags":{"http.status_code":503,"retry":true,"response_size":67342}}]"#
        let span = SpanTestSupport.decode(text, as: .zipkinV2).spans.first
        #expect(span?.httpStatus == 503)
        #expect(span?.attributes["retry"] == "true")
        #expect(span?.attributes["response_size"] == "67342")
        #expect(span?.name == "")
        #expect(span?.startMicros == nil)
    }

    @Test func rejectsOtherFormatsForcedAsZipkin() {
        let outcome = SpanTestSupport.decode(#"{"resourceSpans":[]}"#, as: .zipkinV2)
        guard case .notASpanFile(let reason)? = outcome.error else {
            Issue.record("expected notASpanFile, got \(String(describing: outcome.error))")
            return
        }
        #expect(reason.contains("OTLP"))
    }
}
