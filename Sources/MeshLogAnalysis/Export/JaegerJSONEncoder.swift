/// Writes Jaeger's UI JSON model (jaeger `model/json`): what jaeger-query's HTTP API answers and what Jaeger UI's
/// "Upload JSON" loads. Each trace has `traceID`, `spans` (spanID, operationName, CHILD_OF `references`,
/// `startTime`/`duration` in µs, typed `tags`, `logs`, `processID`, `warnings`), a `processes` map (`p1`, `p2`, …
/// by service) and `warnings`.
enum JaegerJSONEncoder {
    /// The traces in the query API's envelope `{"data":[…],"total":N,"limit":0,"offset":0,"errors":null}`.
    static func encode(_ traces: [[ExportSpan]]) -> [UInt8] {
        var o = JSONOut(capacity: traces.reduce(0) { $0 + $1.count } * 600 + 64)
        o.raw("{\"data\":[")
        for (k, spans) in traces.enumerated() {
            if k > 0 { o.raw(",\n") }
            trace(spans, &o)
        }
        o.raw("],\"total\":"); o.int(Int64(traces.count))
        o.raw(",\"limit\":0,\"offset\":0,\"errors\":null}\n")
        return o.bytes
    }

    /// Jaeger's id text: 16 hex digits when the high half of a trace id is zero, as jaeger's `TraceID.String()`.
    static func traceIDText(_ id: [UInt8]) -> String {
        HexID.text(id.count == 16 && id.prefix(8).allSatisfy { $0 == 0 } ? Array(id.suffix(8)) : id)
    }

    /// Jaeger's `type` of a tag holding `value`.
    private static func typeName(_ value: ExportAttribute.Value) -> StaticString {
        switch value {
        case .string: ",\"type\":\"string\",\"value\":"
        case .int: ",\"type\":\"int64\",\"value\":"
        case .bool: ",\"type\":\"bool\",\"value\":"
        case .double: ",\"type\":\"float64\",\"value\":"
        }
    }

    /// The tags of `s`: its kind, attributes, peer and status as Jaeger writes them.
    static func tags(_ s: ExportSpan) -> [ExportAttribute] {
        var tags: [ExportAttribute] = []
        tags.reserveCapacity(s.attributes.count + 3)
        if let kind = s.kind.tagValue { tags.append(ExportAttribute("span.kind", .string(kind))) }
        tags += s.attributes
        if let remote = s.remoteService, s.attribute("peer.service") == nil { tags.append(ExportAttribute("peer.service", .string(remote))) }
        if s.status == .error { tags.append(ExportAttribute("error", .bool(true))) }
        if s.status == .ok { tags.append(ExportAttribute("otel.status_code", .string("OK"))) }
        return tags
    }

    /// One trace object.
    static func trace(_ spans: [ExportSpan], _ o: inout JSONOut) {
        let services = exportServices(spans)
        var process: [String: Int] = [:]
        for (i, s) in services.enumerated() { process[s] = i + 1 }
        let traceText = traceIDText(spans.first?.traceID ?? Array(repeating: 0, count: 16))
        o.raw("{\"traceID\":"); o.string(traceText)
        o.raw(",\"spans\":[")
        for (n, s) in spans.enumerated() {
            if n > 0 { o.byte(44) }
            let spanTrace = s.traceID == spans.first?.traceID ? traceText : traceIDText(s.traceID)
            o.raw("{\"traceID\":"); o.string(spanTrace); o.raw(",\"spanID\":"); o.hex(s.spanID)
            o.raw(",\"flags\":1,\"operationName\":"); o.string(s.name)
            o.raw(",\"references\":[")
            if let p = s.parentID {
                o.raw("{\"refType\":\"CHILD_OF\",\"traceID\":"); o.string(spanTrace); o.raw(",\"spanID\":"); o.hex(p); o.byte(125)
            }
            o.times(s, start: "],\"startTime\":", duration: ",\"duration\":")
            o.raw(",\"tags\":[")
            for (k, t) in tags(s).enumerated() {
                if k > 0 { o.byte(44) }
                o.raw("{\"key\":"); o.string(t.key); o.raw(typeName(t.value)); o.value(t.value); o.byte(125)
            }
            o.raw("],\"logs\":[],\"processID\":\"p"); o.int(Int64(process[s.service] ?? 1))
            o.raw("\",\"warnings\":null}")
        }
        o.raw("],\"processes\":{")
        for (i, service) in services.enumerated() {
            if i > 0 { o.byte(44) }
            o.raw("\"p"); o.int(Int64(i + 1)); o.raw("\":{\"serviceName\":"); o.string(service); o.raw(",\"tags\":[]}")
        }
        o.raw("},\"warnings\":null}")
    }
}
