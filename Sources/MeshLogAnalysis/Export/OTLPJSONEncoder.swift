/// Writes OTLP `ExportTraceServiceRequest` proto3 JSON (opentelemetry-proto `trace.proto`, the JSON mapping of
/// OTLP/HTTP): one `resourceSpans` element per service (`service.name`), one `scopeSpans` (scope `meshlog`),
/// hex ids, `startTimeUnixNano`/`endTimeUnixNano` and `intValue` as decimal strings, `kind` and `status.code` as
/// integers.
enum OTLPJSONEncoder {
    static func encode(_ spans: [ExportSpan]) -> [UInt8] {
        var o = JSONOut(capacity: spans.count * 600 + 64)
        var byService: [String: [Int]] = [:]
        for (i, s) in spans.enumerated() { byService[s.service, default: []].append(i) }
        o.raw("{\"resourceSpans\":[")
        for (k, service) in exportServices(spans).enumerated() {
            if k > 0 { o.byte(44) }
            o.raw("{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":")
            o.string(service)
            o.raw("}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"meshlog\"},\"spans\":[")
            for (n, i) in byService[service, default: []].enumerated() {
                if n > 0 { o.byte(44) }
                span(spans[i], &o)
            }
            o.raw("]}]}")
        }
        o.raw("]}\n")
        return o.bytes
    }

    /// The OTLP JSON key of an `AnyValue` holding `value`.
    private static func valueKey(_ value: ExportAttribute.Value) -> StaticString {
        switch value {
        case .string: "{\"stringValue\":"
        case .int: "{\"intValue\":"
        case .bool: "{\"boolValue\":"
        case .double: "{\"doubleValue\":"
        }
    }

    private static func span(_ s: ExportSpan, _ o: inout JSONOut) {
        o.ids(s, trace: "{\"traceId\":", span: ",\"spanId\":", parent: ",\"parentSpanId\":")
        o.raw(",\"kind\":"); o.int(Int64(s.kind.rawValue))
        o.raw(",\"startTimeUnixNano\":\""); o.int(s.startUs * 1000)
        o.raw("\",\"endTimeUnixNano\":\""); o.int(s.endUs * 1000)
        o.raw("\",\"attributes\":[")
        var attributes = s.attributes
        if let remote = s.remoteService, s.attribute("peer.service") == nil {
            attributes.append(ExportAttribute("peer.service", .string(remote)))
        }
        for (n, a) in attributes.enumerated() {
            if n > 0 { o.byte(44) }
            o.raw("{\"key\":"); o.string(a.key)
            o.raw(",\"value\":"); o.raw(valueKey(a.value)); o.value(a.value, quotedInts: true); o.raw("}}")
        }
        o.raw("],\"status\":{")
        if s.status != .unset { o.raw("\"code\":"); o.int(Int64(s.status.rawValue)) }
        o.raw("}}")
    }
}
