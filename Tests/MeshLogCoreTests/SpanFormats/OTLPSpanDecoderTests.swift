import MeshLogCore
import Testing

@Suite struct OTLPSpanDecoderTests {
    static let resourceSpans = #"""
        {
          "resourceSpans": [
            {
              "resource": {
                "attributes": [
                  {"key": "service.name", "value": {"stringValue": "reviews.bookinfo"}},
                  {"key": "k8s.pod.name", "value": {"stringValue": "reviews-v2-7bf8c9648f-l4k2m"}},
                  {"key": "host.cpus", "value": {"intValue": "8"}}
                ]
              },
              "scopeSpans": [
                {
                  "scope": {"name": "envoy", "version": "1.30.1"},
                  "spans": [
                    {
                      "traceId": "5B8EFFF798038103D269B633813FC60C",
                      "spanId": "EEE19B7EC3C1B174",
                      "parentSpanId": "EEE19B7EC3C1B173",
                      "name": "reviews.bookinfo.svc.cluster.local:9080/*",
                      "kind": 2,
                      "startTimeUnixNano": "1717430400123456789",
                      "endTimeUnixNano": "1717430400127667789",
                      "attributes": [
                        {"key": "http.status_code", "value": {"stringValue": "503"}},
                        {"key": "guid:x-request-id", "value": {"stringValue": "9d2c6e1f-3a4b-4c5d-8e7f-0a1b2c3d4e5f"}},
                        {"key": "upstream_cluster", "value": {"stringValue": "inbound|9080||"}},
                        {"key": "response_flags", "value": {"stringValue": "URX"}},
                        {"key": "response_size", "value": {"intValue": "91"}},
                        {"key": "sampled", "value": {"boolValue": true}},
                        {"key": "ratio", "value": {"doubleValue": 0.5}},
                        {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "2"}]}}},
                        {"key": "peer", "value": {"kvlistValue": {"values": [{"key": "ip", "value": {"stringValue": "10.1.2.3"}}]}}},
                        {"key": "raw", "value": {"bytesValue": "AAAwOQ=="}},
                        {"key": "empty", "value": {}}
                      ],
                      "status": {}
                    },
                    {
                      "traceId": "5b8efff798038103d269b633813fc60c",
                      "spanId": "eee19b7ec3c1b175",
                      "parentSpanId": "",
                      "name": "GET",
                      "kind": "SPAN_KIND_CLIENT",
                      "startTimeUnixNano": 1717430400200000000,
                      "endTimeUnixNano": 1717430400200100000,
                      "attributes": [{"key": "http.response.status_code", "value": {"intValue": 200}}],
                      "status": {"code": 2, "message": "deadline exceeded"}
                    }
                  ]
                }
              ],
              "schemaUrl": "https://opentelemetry.io/schemas/1.21.0"
            }
          ]
        }
        """#

    @Test(arguments: [Int.max, 2])
    func decodesResourceSpans(chunk: Int) throws {
        let outcome = SpanTestSupport.decode(Self.resourceSpans, chunk: chunk)
        #expect(outcome.error == nil)
        #expect(outcome.warnings.isEmpty)
        try #require(outcome.spans.count == 2)
        let s = outcome.spans[0]
        #expect(s.traceID == "5b8efff798038103d269b633813fc60c")
        #expect(s.spanID == "eee19b7ec3c1b174")
        #expect(s.parentID == "eee19b7ec3c1b173")
        #expect(s.service == "reviews.bookinfo")
        #expect(s.kind == .server)
        #expect(s.startMicros == 1_717_430_400_123_456)
        #expect(s.durationMicros == 4211)
        #expect(s.httpStatus == 503)
        #expect(s.status == .error)  // status {} is unset, so the SERVER 5xx rule applies
        #expect(s.requestID == "9d2c6e1f-3a4b-4c5d-8e7f-0a1b2c3d4e5f")
        #expect(s.attributes["resource.k8s.pod.name"] == "reviews-v2-7bf8c9648f-l4k2m")
        #expect(s.attributes["resource.host.cpus"] == "8")
        #expect(s.attributes["resource.service.name"] == nil)
        #expect(s.attributes["otel.scope.name"] == "envoy")
        #expect(s.attributes["otel.scope.version"] == "1.30.1")
        #expect(s.attributes["response_size"] == "91")
        #expect(s.attributes["sampled"] == "true")
        #expect(s.attributes["ratio"] == "0.5")
        #expect(s.attributes["tags"] == #"["a",2]"#)
        #expect(s.attributes["peer"] == #"{"ip":"10.1.2.3"}"#)
        #expect(s.attributes["raw"] == "AAAwOQ==")
        #expect(s.attributes["empty"] == "")
        #expect(s.line == 15)

        let c = outcome.spans[1]
        #expect(c.parentID == nil)
        #expect(c.kind == .client)
        #expect(c.httpStatus == 200)
        #expect(c.status == .error)  // explicit status code wins over HTTP 200
        #expect(c.attributes["otel.status_description"] == "deadline exceeded")
        #expect(c.durationMicros == 100)
    }

    @Test func decodesFileExporterJSONLinesAndLegacyNames() {
        let text = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ratings"}}]},"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"io.opentelemetry.http"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /ratings/0","kind":2,"startTimeUnixNano":"1717430400000000000","endTimeUnixNano":"1717430400001000000","status":{"code":"STATUS_CODE_OK"}}]}]}]}
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"details"}}]},"scopeSpans":[{"scope":{},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203332","parentSpanId":"0000000000000000","name":"GET /details/0","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1717430400000500000","endTimeUnixNano":"1717430400000900000"}]}]}]}
            """
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.error == nil)
        #expect(outcome.spans.map(\.service) == ["ratings", "details"])
        #expect(outcome.spans.map(\.line) == [1, 2])
        #expect(outcome.spans.map(\.status) == [.ok, .unset])
        #expect(outcome.spans[0].attributes["otel.scope.name"] == "io.opentelemetry.http")
        #expect(outcome.spans[1].parentID == nil)
        #expect(outcome.spans[1].durationMicros == 400)
    }

    @Test func emptyIDsAreKeptAsZerosWithAWarningAndMissingIDsAreSkipped() {
        let text = #"""
            {"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[
              {"traceId":"","spanId":"","parentSpanId":"","name":"operationA","startTimeUnixNano":"1581452772000000321","endTimeUnixNano":"1581452773000000789"},
              {"traceId":"0af7651916cd43dd8448eb211c80319c","name":"no span id"},
              {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203333","name":"fine"}
            ]}]}]}
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.spans.map(\.name) == ["operationA", "fine"])
        #expect(outcome.spans.first?.traceID == String(repeating: "0", count: 32))
        #expect(outcome.spans.first?.spanID == String(repeating: "0", count: 16))
        #expect(outcome.spans.first?.startMicros == 1_581_452_772_000_000)
        #expect(outcome.spans.first?.durationMicros == 1_000_000)
        #expect(outcome.warnings.count == 2)
        #expect(outcome.warnings[0].line == 2)
        #expect(outcome.warnings[0].reason.contains("kept"))
        #expect(outcome.warnings[1].line == 3)
        #expect(outcome.warnings[1].reason.contains("spanId"))
        #expect(outcome.warnings[1].reason.contains("skipped"))
    }

    @Test func resourceAfterSpansStillApplies() {
        let text = #"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"late"}],"scope":{"name":"s"}}],
              "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"late-resource"}}]}}]}
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.spans.first?.service == "late-resource")
        #expect(outcome.spans.first?.attributes["otel.scope.name"] == "s")
    }

    @Test func decodesTempoBatchesWithBase64IDsAndEnumNames() throws {
        let text = #"""
            {
              "batches": [
                {
                  "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "istio-ingressgateway.istio-system"}}]},
                  "scopeSpans": [{
                    "scope": {},
                    "spans": [{
                      "traceId": "S/kvNXezTaajzpKdDg5HNg==",
                      "spanId": "APBnqgupArc=",
                      "parentSpanId": "o86SnQ4ORzY=",
                      "name": "productpage.bookinfo.svc.cluster.local:9080/productpage",
                      "kind": "SPAN_KIND_CLIENT",
                      "startTimeUnixNano": "1717430400570888000",
                      "endTimeUnixNano": "1717430400582820000",
                      "attributes": [
                        {"key": "http.status_code", "value": {"stringValue": "404"}},
                        {"key": "node_id", "value": {"stringValue": "router~10.244.0.14~istio-ingressgateway-79788cd94-wgmsp.istio-system~istio-system.svc.cluster.local"}},
                        {"key": "upstream_cluster.name", "value": {"stringValue": "outbound|9080||productpage.bookinfo.svc.cluster.local"}}
                      ],
                      "status": {"code": "STATUS_CODE_UNSET"}
                    }]
                  }]
                }
              ]
            }
            """#
        let head = Array(text.utf8)
        #expect(head.withUnsafeBytes { SpanFormatSniffer.sniff($0) } == .tempo)
        let outcome = SpanTestSupport.decode(text)
        try #require(outcome.spans.count == 1)
        let s = outcome.spans[0]
        #expect(s.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(s.spanID == "00f067aa0ba902b7")
        #expect(s.parentID == "a3ce929d0e0e4736")
        #expect(s.kind == .client)
        #expect(s.durationMicros == 11932)
        #expect(s.status == .error)  // CLIENT 404
        #expect(s.service == "istio-ingressgateway.istio-system")
    }

    @Test func rejectsTempoSearchResults() {
        let text = #"{"traces":[{"traceID":"2e299711ce47710289dc6640727404f","rootServiceName":"waypoint.bookinfo","spanSet":{"spans":[]}}]}"#
        for format in [SpanFormat.otlp, .tempo, .jaeger, .zipkinV2] {
            guard case .notASpanFile(let reason)? = SpanTestSupport.decode(text, as: format).error else {
                Issue.record("\(format): expected notASpanFile")
                continue
            }
            #expect(reason.contains("Tempo search result"))
        }
        let sniffed = Array(text.utf8).withUnsafeBytes { SpanFormatSniffer.rejectionReason($0) }
        #expect(sniffed?.contains("/api/traces/") == true)
    }
}
