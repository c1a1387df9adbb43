import Foundation
import MeshLogCore
import Testing

/// otel-cli's `server json` (`otelcli/server_json.go`) writes Go's encoding/json of one OTLP span per
/// file (`<trace>/<span>/span.json`, and `event-N.json` per event) or per line (`--stdout`): snake_case
/// keys, base64 ids, a oneof as `{"Value":{"StringValue":…}}`, and no resource.
@Suite("otel-cli server json")
struct OtelCLISpanTests {
    static let trace = "5b8efff798038103d269b633813fc60c"

    static func base64(_ hex: String) -> String {
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            bytes.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return Data(bytes).base64EncodedString()
    }

    /// One span as otel-cli writes it.
    static func goJSON(span: String, parent: String?, name: String, status: Int) -> String {
        let parentMember = parent.map { #""parent_span_id":"\#(base64($0))","# } ?? ""
        return #"{"trace_id":"\#(base64(trace))","span_id":"\#(base64(span))",\#(parentMember)"name":"\#(name)","kind":3,"start_time_unix_nano":1795568000000000000,"end_time_unix_nano":1795568000012000000,"attributes":[{"key":"http.method","value":{"Value":{"StringValue":"GET"}}},{"key":"http.status_code","value":{"Value":{"IntValue":503}}},{"key":"retry","value":{"Value":{"BoolValue":true}}},{"key":"tags","value":{"Value":{"ArrayValue":{"values":[{"Value":{"StringValue":"a"}},{"Value":{"IntValue":2}}]}}}}],"status":{"message":"upstream failed","code":\#(status)}}"#
    }

    /// The same span in OTLP JSON.
    static func otlpJSON(span: String, parent: String?, name: String, status: Int) -> String {
        let parentMember = parent.map { #""parentSpanId":"\#($0)","# } ?? ""
        return #"{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[{"traceId":"\#(trace)","spanId":"\#(span)",\#(parentMember)"name":"\#(name)","kind":3,"startTimeUnixNano":"1795568000000000000","endTimeUnixNano":"1795568000012000000","attributes":[{"key":"http.method","value":{"stringValue":"GET"}},{"key":"http.status_code","value":{"intValue":"503"}},{"key":"retry","value":{"boolValue":true}},{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}}],"status":{"message":"upstream failed","code":\#(status)}}]}]}]}"#
    }

    @Test func aSpanFileReadsAsTheSameSpanInOTLPJSON() {
        let go = SpanTestSupport.decode(Self.goJSON(span: "eee19b7ec3c1b174", parent: "eee19b7ec3c1b173", name: "GET /api/courses", status: 2))
        let otlp = SpanTestSupport.decode(Self.otlpJSON(span: "eee19b7ec3c1b174", parent: "eee19b7ec3c1b173", name: "GET /api/courses", status: 2))
        #expect(go.error == nil && go.warnings.isEmpty, "\(String(describing: go.error)) \(go.warnings)")
        #expect(go.spans.count == 1)
        #expect(go.spans == otlp.spans)
        #expect(go.spans.first?.traceID == Self.trace)
        #expect(go.spans.first?.parentID == "eee19b7ec3c1b173")
        #expect(go.spans.first?.status == .error)
        #expect(go.spans.first?.httpStatus == 503)
        #expect(go.spans.first?.durationMicros == 12_000)
    }

    @Test func stdoutLinesAndEventFiles() {
        let lines = [Self.goJSON(span: "eee19b7ec3c1b173", parent: nil, name: "root", status: 0),
                     Self.goJSON(span: "eee19b7ec3c1b174", parent: "eee19b7ec3c1b173", name: "child", status: 1)].joined(separator: "\n")
        let decoded = SpanTestSupport.decode(lines, chunk: 7)
        #expect(decoded.error == nil)
        #expect(decoded.spans.map(\.name) == ["root", "child"])
        #expect(decoded.spans.map(\.line) == [1, 2])
        #expect(decoded.spans.first?.parentID == nil)
        // An event file beside a span holds no span, and is no error.
        let event = SpanTestSupport.decode(#"{"time_unix_nano":1795568000005000000,"name":"retry","attributes":[{"key":"n","value":{"Value":{"IntValue":1}}}]}"#)
        #expect(event.error == nil && event.spans.isEmpty)
    }
}
