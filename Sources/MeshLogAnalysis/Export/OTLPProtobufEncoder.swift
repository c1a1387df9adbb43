/// Writes OTLP `ExportTraceServiceRequest` protobuf by hand (field numbers from opentelemetry-proto
/// `collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`, `common/v1/common.proto` and
/// `resource/v1/resource.proto`), grouped as ``OTLPJSONEncoder`` groups: one `ResourceSpans` per service.
enum OTLPProtobufEncoder {
    static func encode(_ spans: [ExportSpan]) -> [UInt8] {
        var byService: [String: [Int]] = [:]
        for (i, s) in spans.enumerated() { byService[s.service, default: []].append(i) }
        var request = ProtobufWriter()
        request.bytes.reserveCapacity(spans.count * 400 + 64)
        var scope = ProtobufWriter()
        scope.string(1, TraceExporter.scopeName)  // InstrumentationScope.name
        for service in exportServices(spans) {
            var resourceSpans = ProtobufWriter()
            var resource = ProtobufWriter()
            resource.message(1, keyValue("service.name", .string(service)))  // Resource.attributes
            resourceSpans.message(1, resource)  // ResourceSpans.resource
            var scopeSpans = ProtobufWriter()
            scopeSpans.message(1, scope)  // ScopeSpans.scope
            for i in byService[service, default: []] { scopeSpans.message(2, span(spans[i])) }  // ScopeSpans.spans
            resourceSpans.message(2, scopeSpans)  // ResourceSpans.scope_spans
            request.message(1, resourceSpans)  // ExportTraceServiceRequest.resource_spans
        }
        return request.bytes
    }

    /// A `Span` message.
    private static func span(_ s: ExportSpan) -> ProtobufWriter {
        var w = ProtobufWriter()
        w.bytesField(1, s.traceID)
        w.bytesField(2, s.spanID)
        if let p = s.parentID { w.bytesField(4, p) }
        w.string(5, s.name)
        if s.kind != .unspecified { w.varintField(6, UInt64(s.kind.rawValue)) }
        w.fixed64Field(7, UInt64(max(0, s.startUs)) &* 1000)
        w.fixed64Field(8, UInt64(max(0, s.endUs)) &* 1000)
        for a in s.attributes { w.message(9, keyValue(a.key, a.value)) }
        if let remote = s.remoteService, s.attribute("peer.service") == nil {
            w.message(9, keyValue("peer.service", .string(remote)))
        }
        var status = ProtobufWriter()
        if s.status != .unset { status.varintField(3, UInt64(s.status.rawValue)) }  // Status.code
        w.message(15, status)
        return w
    }

    /// A `KeyValue` message with its `AnyValue`.
    private static func keyValue(_ key: String, _ value: ExportAttribute.Value) -> ProtobufWriter {
        var any = ProtobufWriter()
        switch value {
        case .string(let v): any.string(1, v, always: true)
        case .bool(let v): any.varintField(2, v ? 1 : 0, always: true)
        case .int(let v): any.varintField(3, UInt64(bitPattern: v), always: true)
        case .double(let v): any.fixed64Field(4, v.bitPattern, always: true)
        }
        var kv = ProtobufWriter()
        kv.string(1, key)
        kv.message(2, any)
        return kv
    }
}

/// Appends protobuf wire format (https://protobuf.dev/programming-guides/encoding/): the mirror of the decoders'
/// ``ProtobufCursor``.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: UInt32, _ wireType: UInt8) { varint(UInt64(field) << 3 | UInt64(wireType)) }

    /// A varint field; zero is proto3's default and left out unless `always` (a oneof member).
    mutating func varintField(_ field: UInt32, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        tag(field, 0)
        varint(value)
    }

    mutating func fixed64Field(_ field: UInt32, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        tag(field, 1)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    mutating func bytesField(_ field: UInt32, _ value: [UInt8]) {
        tag(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field; empty is left out unless `always`.
    mutating func string(_ field: UInt32, _ value: String, always: Bool = false) {
        guard !value.isEmpty || always else { return }
        tag(field, 2)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func message(_ field: UInt32, _ value: ProtobufWriter) { bytesField(field, value.bytes) }
}
