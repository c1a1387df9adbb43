/// Writes Zipkin v2 JSON (`zipkin2-api.yaml` `ListOfSpans`): every span with its own id (no shared B3 halves),
/// `kind` for client/server/producer/consumer (none for internal spans), `timestamp`/`duration` in µs,
/// `localEndpoint.serviceName`, `remoteEndpoint.serviceName` for a client's peer, and tags as strings
/// (`error` = `true` for failed spans, `otel.status_code` = `OK` for explicitly successful ones).
enum ZipkinJSONEncoder {
    static func encode(_ spans: [ExportSpan]) -> [UInt8] {
        var o = JSONOut(capacity: spans.count * 500 + 8)
        o.byte(91)
        for (n, s) in spans.enumerated() {
            if n > 0 { o.raw(",\n") }
            o.ids(s, trace: "{\"traceId\":", span: ",\"id\":", parent: ",\"parentId\":")
            if let kind = s.kind.tagValue { o.raw(",\"kind\":"); o.string(kind.uppercased()) }
            o.times(s, start: ",\"timestamp\":", duration: ",\"duration\":")
            o.raw(",\"localEndpoint\":{\"serviceName\":"); o.string(s.service); o.byte(125)
            if let remote = s.remoteService { o.raw(",\"remoteEndpoint\":{\"serviceName\":"); o.string(remote); o.byte(125) }
            var tags = s.attributes.map { ($0.key, $0.value.text) }
            if s.status == .error { tags.append(("error", "true")) }
            if s.status == .ok { tags.append(("otel.status_code", "OK")) }
            o.raw(",\"tags\":{")
            for (k, (key, value)) in tags.enumerated() {
                if k > 0 { o.byte(44) }
                o.string(key); o.byte(58); o.string(value)
            }
            o.raw("}}")
        }
        o.raw("]\n")
        return o.bytes
    }
}
