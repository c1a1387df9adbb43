import MeshLogCore
import Testing

@Suite struct JaegerSpanDecoderTests {
    /// A query-API response with two traces; as Jaeger writes it, `processes` comes after `spans`.
    static let queryAPI = #"""
        {
          "data": [
            {
              "traceID": "c0ffee0ddba11fe5",
              "spans": [
                {
                  "traceID": "c0ffee0ddba11fe5",
                  "spanID": "5e1ec7ed0ddba115",
                  "flags": 1,
                  "operationName": "ratings.bookinfo.svc.cluster.local:9080/*",
                  "references": [
                    {"refType": "FOLLOWS_FROM", "traceID": "c0ffee0ddba11fe5", "spanID": "00000000000000aa"},
                    {"refType": "CHILD_OF", "traceID": "00000000000000000000000000000bad", "spanID": "0000000000000bad"},
                    {"refType": "CHILD_OF", "traceID": "c0ffee0ddba11fe5", "spanID": "1ce1ce1ce1ce1ce1"}
                  ],
                  "startTime": 1717430401000123,
                  "duration": 15012,
                  "tags": [
                    {"key": "span.kind", "type": "string", "value": "client"},
                    {"key": "http.status_code", "type": "int64", "value": "504"},
                    {"key": "error", "type": "bool", "value": "true"},
                    {"key": "guid:x-request-id", "type": "string", "value": "0b4a3e52-6d1f-4c77-9e0a-7f3d2c1b5a96"},
                    {"key": "upstream_cluster", "type": "string", "value": "outbound|9080||ratings.bookinfo.svc.cluster.local"},
                    {"key": "response_flags", "type": "string", "value": "UT"},
                    {"key": "retry.budget", "type": "float64", "value": 0.25},
                    {"key": "big", "type": "int64", "value": "9223372036854775222"},
                    {"key": "blob", "type": "binary", "value": "AAAwOQ=="}
                  ],
                  "logs": [{"timestamp": 1717430401015000, "fields": [{"key": "event", "type": "string", "value": "timeout"}]}],
                  "processID": "p1",
                  "warnings": null
                }
              ],
              "processes": {
                "p1": {
                  "serviceName": "reviews.bookinfo",
                  "tags": [
                    {"key": "hostname", "type": "string", "value": "reviews-v3-84779c7bbc-7hd4x"},
                    {"key": "istio.mesh_id", "type": "string", "value": "cluster.local"}
                  ]
                }
              },
              "warnings": null
            },
            {
              "traceID": "00000000000000000000000000000abc",
              "spans": [
                {"traceID": "abc", "spanID": "def", "operationName": "GET /health", "references": [],
                 "startTime": 1717430402000000, "duration": 90,
                 "tags": [{"key": "span.kind", "type": "string", "value": "server"},
                          {"key": "error", "type": "bool", "value": false},
                          {"key": "http.status_code", "type": "int64", "value": 200}],
                 "processID": "p2"}
              ],
              "processes": {"p2": {"serviceName": "details.bookinfo", "tags": []}}
            }
          ],
          "total": 0, "limit": 0, "offset": 0, "errors": null
        }
        """#

    @Test(arguments: [Int.max, 3])
    func decodesTheQueryAPIResponse(chunk: Int) throws {
        let outcome = SpanTestSupport.decode(Self.queryAPI, chunk: chunk)
        #expect(outcome.error == nil)
        #expect(outcome.warnings.isEmpty)
        try #require(outcome.spans.count == 2)
        let s = outcome.spans[0]
        #expect(s.traceID == "0000000000000000c0ffee0ddba11fe5")
        #expect(s.spanID == "5e1ec7ed0ddba115")
        #expect(s.parentID == "1ce1ce1ce1ce1ce1")  // first CHILD_OF within the same trace
        #expect(s.service == "reviews.bookinfo")
        #expect(s.name == "ratings.bookinfo.svc.cluster.local:9080/*")
        #expect(s.kind == .client)
        #expect(s.startMicros == 1_717_430_401_000_123)
        #expect(s.durationMicros == 15012)
        #expect(s.httpStatus == 504)
        #expect(s.status == .error)
        #expect(s.requestID == "0b4a3e52-6d1f-4c77-9e0a-7f3d2c1b5a96")
        #expect(s.attributes["resource.hostname"] == "reviews-v3-84779c7bbc-7hd4x")
        #expect(s.attributes["retry.budget"] == "0.25")
        #expect(s.attributes["big"] == "9223372036854775222")
        #expect(s.attributes["blob"] == "AAAwOQ==")
        #expect(s.attributes["response_flags"] == "UT")
        #expect(s.line == 6)

        let t = outcome.spans[1]
        #expect(t.traceID == "00000000000000000000000000000abc")
        #expect(t.spanID == "0000000000000def")
        #expect(t.parentID == nil)
        #expect(t.service == "details.bookinfo")
        #expect(t.kind == .server)
        #expect(t.status == .unset)  // error=false, 200
        #expect(t.httpStatus == 200)
    }

    @Test func decodesASingleTraceObjectWithNonHexIDs() {
        let text = #"""
            {
              "_comment": "hand-written",
              "traceID": "Trace-ABC",
              "processes": {"p1": {"serviceName": "productpage.bookinfo"}},
              "spans": [
                {"traceID": "Trace-ABC", "spanID": "span-1", "operationName": "root", "startTime": 1, "duration": 10,
                 "references": [], "tags": [{"key": "span.kind", "type": "string", "value": "server"}], "processID": "p1"},
                {"traceID": "Trace-ABC", "spanID": "span-2", "operationName": "child", "startTime": 2, "duration": 5,
                 "references": [{"refType": "CHILD_OF", "traceID": "Trace-ABC", "spanID": "span-1"}], "processID": "p1"}
              ]
            }
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.error == nil)
        #expect(outcome.spans.map(\.traceID) == ["trace-abc", "trace-abc"])
        #expect(outcome.spans.map(\.spanID) == ["span-1", "span-2"])
        #expect(outcome.spans.map(\.parentID) == [nil, "span-1"])
        #expect(outcome.spans.map(\.service) == ["productpage.bookinfo", "productpage.bookinfo"])
        #expect(outcome.spans.map(\.line) == [6, 8])
    }

    @Test func decodesAnArrayOfSpansWithEmbeddedProcesses() {
        let text = #"""
            [{"traceID":"7d3a2b1c0e9f8a76","spanID":"1a2b3c4d5e6f7081","operationName":"POST /orders","references":[],
              "startTime":1717430403000000,"duration":2500,"tags":[{"key":"span.kind","type":"string","value":"producer"}],
              "process":{"serviceName":"orders","tags":[{"key":"ip","type":"string","value":"10.244.3.8"}]}},
             {"traceID":"7d3a2b1c0e9f8a76","spanID":"1a2b3c4d5e6f7082","operationName":"consume","parentSpanID":"1a2b3c4d5e6f7081",
              "startTime":1717430403001000,"duration":800,"tags":[{"key":"span.kind","type":"string","value":"consumer"},
              {"key":"error","type":"bool","value":"true"}],"process":{"serviceName":"billing"}}]
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.spans.map(\.service) == ["orders", "billing"])
        #expect(outcome.spans.map(\.kind) == [.producer, .consumer])
        #expect(outcome.spans.map(\.parentID) == [nil, "1a2b3c4d5e6f7081"])
        #expect(outcome.spans.map(\.status) == [.unset, .error])
        #expect(outcome.spans.first?.attributes["resource.ip"] == "10.244.3.8")
    }

    @Test func decodesDomainProtoJSON() throws {
        let text = #"""
            {
              "spans": [
                {
                  "traceId": "S/kvNXezTaajzpKdDg5HNg==",
                  "spanId": "APBnqgupArc=",
                  "operationName": "GET /productpage",
                  "references": [{"traceId": "S/kvNXezTaajzpKdDg5HNg==", "spanId": "o86SnQ4ORzY="}],
                  "startTime": "2024-06-03T16:00:00.123456789Z",
                  "duration": "1.5ms",
                  "tags": [
                    {"key": "span.kind", "vStr": "server"},
                    {"key": "http.status_code", "vType": "INT64", "vInt64": "503"},
                    {"key": "error", "vType": "BOOL", "vBool": true}
                  ],
                  "processId": "p1"
                },
                {
                  "traceId": "S/kvNXezTaajzpKdDg5HNg==",
                  "spanId": "o86SnQ4ORzY=",
                  "operationName": "ingress",
                  "startTime": "2024-06-03T12:00:00.1-04:00",
                  "duration": "5000ns",
                  "process": {"serviceName": "istio-ingressgateway"}
                }
              ],
              "processMap": [{"processId": "p1", "process": {"serviceName": "productpage.bookinfo"}}]
            }
            """#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.error == nil)
        try #require(outcome.spans.count == 2)
        let a = outcome.spans[0]
        #expect(a.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(a.spanID == "00f067aa0ba902b7")
        #expect(a.parentID == "a3ce929d0e0e4736")
        #expect(a.service == "productpage.bookinfo")
        #expect(a.startMicros == 1_717_430_400_123_456)
        #expect(a.durationMicros == 1500)
        #expect(a.kind == .server)
        #expect(a.httpStatus == 503)
        #expect(a.status == .error)
        let b = outcome.spans[1]
        #expect(b.startMicros == 1_717_430_400_100_000)
        #expect(b.durationMicros == 5)
        #expect(b.service == "istio-ingressgateway")
    }

    @Test func rejectsJaegerUIInternalState() {
        let text = #"{"data":{"spans":[{"traceID":"a","spanID":"b","depth":0,"hasChildren":false}],"processes":{}},"id":"a","state":"FETCHED_DONE"}"#
        let outcome = SpanTestSupport.decode(text, as: .jaeger)
        guard case .notASpanFile(let reason)? = outcome.error else {
            Issue.record("expected notASpanFile, got \(String(describing: outcome.error))")
            return
        }
        #expect(reason.contains("jaeger-ui internal state"))
        #expect(outcome.spans.isEmpty)
        let sniffed = Array(text.utf8).withUnsafeBytes { SpanFormatSniffer.rejectionReason($0) }
        #expect(sniffed?.contains("Download JSON") == true)
    }

    @Test func skipsSpansWithoutIDs() {
        let text = #"{"data":[{"traceID":"1","spans":[{"spanID":"2","operationName":"x"},{"traceID":"1","spanID":"3","operationName":"y"}],"processes":{}}]}"#
        let outcome = SpanTestSupport.decode(text)
        #expect(outcome.spans.map(\.name) == ["y"])
        #expect(outcome.warnings.count == 1)
        #expect(outcome.warnings.first?.reason.contains("traceID") == true)
    }

    @Test func emptyAndErrorResponsesHaveNoSpans() {
        #expect(SpanTestSupport.decode(#"{"data":[],"total":0}"#).spans.isEmpty)
        let failed = SpanTestSupport.decode(#"{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}"#)
        #expect(failed.error == nil)
        #expect(failed.spans.isEmpty)
        #expect(failed.warnings.first?.excerpt.contains("trace not found") == true)
    }
}
