/// Decodes OTLP JSON traces and Grafana Tempo's `{"batches":[…]}`, streaming span by span.
///
/// Accepted shapes: `TracesData`/`ExportTraceServiceRequest` (`{"resourceSpans":[…]}`), Tempo's trace-by-id
/// response (`{"batches":[…]}`, the same shape), one object per line (the OpenTelemetry file exporter's JSON
/// Lines), a top-level array of such objects, and a bare `ResourceSpans` object; and these inside the wrappers of
/// query APIs (see ``SpanFormatSniffer``): Jaeger v2's `{"result":{…}}`, one or one per line as its gRPC gateway
/// streams them, and Tempo's `/api/v2/traces/{id}` `{"trace":{…}}`. The legacy
/// `instrumentationLibrarySpans`/`instrumentationLibrary` names are accepted alongside `scopeSpans`/`scope`.
///
/// Spans are decoded as they arrive once their `resource` and `scope` have been read (protobuf JSON writes them
/// first); spans seen before them are held until the end of their `resourceSpans` element.
///
/// Mapping:
/// - ids are case-insensitive hex (Tempo: base64); `""` is the all-zero invalid id (kept, with a warning);
/// - `kind` is an integer or an enum name (`SPAN_KIND_SERVER`); `status.code` an integer or a name;
/// - `startTimeUnixNano`/`endTimeUnixNano` (decimal strings or numbers) become µs start and duration;
/// - `service.name` becomes ``Span/service``; other resource attributes are kept as `resource.<key>`; the scope
///   adds `otel.scope.name`/`otel.scope.version` and `otel.scope.<key>` for scope attributes; a non-empty
///   `status.message` adds `otel.status_description`;
/// - AnyValue scalars become text, `arrayValue`/`kvlistValue` compact JSON.
///
/// Rejected with ``SpanDecodeError/notASpanFile(reason:)``: Tempo search results (`{"traces":[…]}`) and Jaeger or
/// Zipkin files.
struct OTLPJSONDecoder {
    let reader: JSONStreamReader
    let sink: SpanSink

    /// The resource of one `resourceSpans` element, flattened.
    private final class ResourceContext {
        var known = false
        var service: String?
        var attributes: [(String, String)] = []
        var pending: [(line: Int, node: JSONNode, scope: ScopeContext)] = []

        func set(_ node: JSONNode) {
            known = true
            for kv in node["attributes"]?.elements ?? [] {
                guard let key = kv["key"]?.text else { continue }
                let value = OTLPJSONDecoder.anyValueText(kv["value"])
                if key == "service.name" {
                    service = value.isEmpty ? nil : value
                } else {
                    attributes.append(("resource." + key, value))
                }
            }
        }
    }

    /// The instrumentation scope of one `scopeSpans` element, flattened.
    private struct ScopeContext {
        var attributes: [(String, String)] = []

        init(_ node: JSONNode?) {
            guard let node else { return }
            if let name = node["name"]?.text, !name.isEmpty { attributes.append(("otel.scope.name", name)) }
            if let version = node["version"]?.text, !version.isEmpty {
                attributes.append(("otel.scope.version", version))
            }
            for kv in node["attributes"]?.elements ?? [] {
                guard let key = kv["key"]?.text else { continue }
                attributes.append(("otel.scope." + key, OTLPJSONDecoder.anyValueText(kv["value"])))
            }
        }
    }

    func run() throws {
        while let token = try reader.next() {
            switch token {
            case .beginObject:
                try decodeTracesData()
            case .beginArray:
                while true {
                    let element = try reader.nextRequired()
                    let line = reader.tokenLine
                    if case .endArray = element { break }
                    if case .beginObject = element {
                        try decodeTracesData()
                    } else {
                        let node = try reader.readNode(startingWith: element)
                        sink.warn(line: line, "expected an OTLP TracesData object, found \(element.kindDescription); skipped", node)
                    }
                }
            default:
                throw SpanDecodeError.notASpanFile(
                    reason: "OTLP JSON is an object with \"resourceSpans\", but the file holds a top-level "
                        + token.kindDescription)
            }
        }
    }

    /// Reads a `TracesData`/Tempo object (or a bare `ResourceSpans`) whose `{` was just returned.
    private func decodeTracesData() throws {
        let bare = ResourceContext()
        var sawBareMember = false
        while true {
            let token = try reader.nextRequired()
            if case .endObject = token { break }
            guard case .key(let key) = token else { continue }
            let value = try reader.nextRequired()
            if let reason = SpanFormatSniffer.mismatch(topLevelKey: key, value: value, decoding: .otlp) {
                throw SpanDecodeError.notASpanFile(reason: reason)
            }
            switch key {
            case "resourceSpans", "batches":
                try forEachObject(in: value, expected: "resourceSpans") {
                    let context = ResourceContext()
                    try decodeResourceSpansMembers(context)
                    try flush(context)
                }
            case "result", "trace":
                // Jaeger v2 (`GRPCGatewayWrapper`) and Tempo v2 (`TraceByIDResponse`) wrap a TracesData object.
                guard case .beginObject = value else {
                    try reader.skipValue(startingWith: value)
                    continue
                }
                try decodeTracesData()
            case "error":
                // Jaeger v2's gateway reports a failed or empty query as `{"error":{"httpCode":…,"message":…}}`,
                // also as the last line of a stream whose earlier lines held spans.
                let node = try reader.readNode(startingWith: value)
                let message = node["message"]?.text ?? node.text ?? "no message"
                throw SpanDecodeError.notASpanFile(
                    reason: "the query API answered with an error instead of spans: \(message)")
            case "resource", "scopeSpans", "instrumentationLibrarySpans":
                sawBareMember = true
                try decodeResourceSpansMember(key: key, value: value, context: bare)
            case "trace_id", "span_id":
                // otel-cli's `server json` (`otelcli/server_json.go`): Go's encoding/json of one `tracepb.Span`
                // per file or per line: snake_case keys, base64 ids, AnyValue as {"Value":{"StringValue":…}},
                // and no resource (so no service).
                let line = reader.tokenLine
                var members = [JSONNode.Member(key, try reader.readNode(startingWith: value))]
                while true {
                    let next = try reader.nextRequired()
                    if case .endObject = next { break }
                    guard case .key(let k) = next else { continue }
                    members.append(JSONNode.Member(k, try reader.readNode(startingWith: try reader.nextRequired())))
                }
                try decodeSpan(Self.protobufJSON(fromGo: .object(members)), line: line, scope: ScopeContext(nil), context: bare)
                return
            case "time_unix_nano":
                // otel-cli writes each span event to a file of its own beside the span: nothing to store.
                try reader.skipValue(startingWith: value)
                while true {
                    let next = try reader.nextRequired()
                    if case .endObject = next { break }
                    guard case .key = next else { continue }
                    try reader.skipValue(startingWith: try reader.nextRequired())
                }
                return
            case "traceId", "traceID", "spanID", "id":
                throw SpanDecodeError.notASpanFile(
                    reason: "this object looks like a single Zipkin/Jaeger span (\"\(key)\"), not OTLP resourceSpans")
            default:
                try reader.skipValue(startingWith: value)
            }
        }
        if sawBareMember { try flush(bare) }
    }

    /// Reads the members of a `resourceSpans` element whose `{` was just returned.
    private func decodeResourceSpansMembers(_ context: ResourceContext) throws {
        while true {
            let token = try reader.nextRequired()
            if case .endObject = token { return }
            guard case .key(let key) = token else { continue }
            try decodeResourceSpansMember(key: key, value: try reader.nextRequired(), context: context)
        }
    }

    private func decodeResourceSpansMember(key: String, value: JSONStreamReader.Token, context: ResourceContext) throws {
        switch key {
        case "resource":
            context.set(try reader.readNode(startingWith: value))
            try flush(context)
        case "scopeSpans", "instrumentationLibrarySpans":
            try forEachObject(in: value, expected: "scopeSpans") { try decodeScopeSpans(context) }
        default:
            try reader.skipValue(startingWith: value)
        }
    }

    /// Calls `body` for each object of the array that `value` opens, `body` reading the object's
    /// members; other elements are skipped with a warning, and a value that is not an array is skipped.
    private func forEachObject(in value: JSONStreamReader.Token, expected: String, _ body: () throws -> Void) throws {
        guard case .beginArray = value else {
            try reader.skipValue(startingWith: value)
            return
        }
        while true {
            let element = try reader.nextRequired()
            let line = reader.tokenLine
            if case .endArray = element { return }
            if case .beginObject = element {
                try body()
            } else {
                let node = try reader.readNode(startingWith: element)
                sink.warn(line: line, "expected a \(expected) object, found \(element.kindDescription); skipped", node)
            }
        }
    }

    /// Reads a `scopeSpans` element whose `{` was just returned.
    private func decodeScopeSpans(_ context: ResourceContext) throws {
        var scope: ScopeContext?
        var waiting: [(line: Int, node: JSONNode)] = []
        while true {
            let token = try reader.nextRequired()
            if case .endObject = token { break }
            guard case .key(let key) = token else { continue }
            let value = try reader.nextRequired()
            switch key {
            case "scope", "instrumentationLibrary":
                let s = ScopeContext(try reader.readNode(startingWith: value))
                scope = s
                for (line, node) in waiting { try deliver(node, line: line, scope: s, context: context) }
                waiting.removeAll()
            case "spans":
                guard case .beginArray = value else {
                    try reader.skipValue(startingWith: value)
                    continue
                }
                while true {
                    let element = try reader.nextRequired()
                    let line = reader.tokenLine
                    if case .endArray = element { break }
                    let node = try reader.readNode(startingWith: element)
                    guard node.isObject else {
                        sink.warn(line: line, "expected a span object, found \(element.kindDescription); skipped", node)
                        continue
                    }
                    if let scope {
                        try deliver(node, line: line, scope: scope, context: context)
                    } else {
                        waiting.append((line, node))
                    }
                }
            default:
                try reader.skipValue(startingWith: value)
            }
        }
        let s = scope ?? ScopeContext(nil)
        for (line, node) in waiting { try deliver(node, line: line, scope: s, context: context) }
    }

    /// Decodes now if the resource is known, else holds the span until it is (or the element ends).
    private func deliver(_ node: JSONNode, line: Int, scope: ScopeContext, context: ResourceContext) throws {
        if context.known {
            try decodeSpan(node, line: line, scope: scope, context: context)
        } else {
            context.pending.append((line, node, scope))
        }
    }

    private func flush(_ context: ResourceContext) throws {
        let pending = context.pending
        context.pending.removeAll()
        for (line, node, scope) in pending {
            try decodeSpan(node, line: line, scope: scope, context: context)
        }
    }

    // MARK: - One span

    private func decodeSpan(_ node: JSONNode, line: Int, scope: ScopeContext, context: ResourceContext) throws {
        guard let ids = SpanFieldRules.ids(
            trace: node["traceId"]?.text, span: node["spanId"]?.text, traceKey: "traceId", spanKey: "spanId",
            line: line, sink: sink, excerpt: { node })
        else { return }

        var attributes: [String: String] = [:]
        for (k, v) in context.attributes { attributes[k] = v }
        for (k, v) in scope.attributes { attributes[k] = v }
        for kv in node["attributes"]?.elements ?? [] {
            guard let key = kv["key"]?.text else { continue }
            attributes[key] = Self.anyValueText(kv["value"])
        }

        var kind = SpanKind.unspecified
        switch node["kind"] {
        case .integer(let v)?: kind = SpanKind(otlpCode: Int(truncatingIfNeeded: v)) ?? .unspecified
        case .string(let s)?: kind = SpanKind(name: s) ?? Int(s).flatMap(SpanKind.init(otlpCode:)) ?? .unspecified
        default: break
        }

        var explicit: SpanStatus?
        if let status = node["status"] {
            explicit = Self.statusCode(status["code"])
            if let message = status["message"]?.text, !message.isEmpty, attributes["otel.status_description"] == nil {
                attributes["otel.status_description"] = message
            }
        }

        let startNanos = node["startTimeUnixNano"]?.int64
        let endNanos = node["endTimeUnixNano"]?.int64
        var duration: Int64?
        if let startNanos, let endNanos, endNanos != 0 {
            let (d, overflow) = endNanos.subtractingReportingOverflow(startNanos)
            duration = overflow ? nil : d / 1000
        }
        let http = SpanFieldRules.httpStatus(attributes)
        let span = Span(
            traceID: ids.trace,
            spanID: ids.span,
            parentID: SpanFieldRules.parent(node["parentSpanId"]),
            service: context.service,
            name: node["name"]?.text ?? "",
            kind: kind,
            startMicros: startNanos.flatMap { $0 == 0 ? nil : $0 / 1000 },
            durationMicros: duration,
            status: SpanFieldRules.status(
                explicit: explicit, attributes: attributes, kind: kind, httpStatus: http,
                anyErrorValueIsError: false),
            httpStatus: http,
            requestID: SpanFieldRules.requestID(attributes),
            attributes: attributes,
            shared: false,
            line: line)
        try sink.emit(span)
    }

    /// Go's encoding/json of an OTLP message as protobuf JSON: `snake_case` keys in `lowerCamelCase`, and a
    /// oneof's `{"Value":{"StringValue":…}}` as `{"stringValue":…}`.
    static func protobufJSON(fromGo node: JSONNode) -> JSONNode {
        switch node {
        case .object(let members):
            var out: [JSONNode.Member] = []
            for member in members {
                if member.key == "Value", case .object(let inner) = member.value {
                    for m in inner { out.append(JSONNode.Member(lowerCamel(m.key), protobufJSON(fromGo: m.value))) }
                } else {
                    out.append(JSONNode.Member(lowerCamel(member.key), protobufJSON(fromGo: member.value)))
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map(protobufJSON(fromGo:)))
        default:
            return node
        }
    }

    /// `start_time_unix_nano` → `startTimeUnixNano`, `StringValue` → `stringValue`.
    static func lowerCamel(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return key }
        var out = first.prefix(1).lowercased() + first.dropFirst()
        for part in parts.dropFirst() { out += part.prefix(1).uppercased() + part.dropFirst() }
        return out
    }

    /// `0`/`1`/`2` or `STATUS_CODE_UNSET`/`OK`/`ERROR` (any case, prefix optional).
    static func statusCode(_ node: JSONNode?) -> SpanStatus? {
        switch node {
        case .integer(let n)?:
            switch n {
            case 1: return .ok
            case 2: return .error
            default: return .unset
            }
        case .string(let s)?:
            var name = s.uppercased()
            if name.hasPrefix("STATUS_CODE_") { name.removeFirst("STATUS_CODE_".count) }
            switch name {
            case "OK", "1": return .ok
            case "ERROR", "2": return .error
            default: return .unset
            }
        default:
            return nil
        }
    }

    /// An OTLP `AnyValue` as text: scalars as written, arrays and kvlists as compact JSON, `{}` as "".
    static func anyValueText(_ value: JSONNode?) -> String {
        guard let value else { return "" }
        switch anyValueNode(value) {
        case .string(let s): return s
        case .null: return ""
        case let node: return node.text ?? ""
        }
    }

    /// An OTLP `AnyValue` as natural JSON (`{"intValue":"3"}` → `3`, `{"arrayValue":{"values":[…]}}` → `[…]`).
    static func anyValueNode(_ value: JSONNode) -> JSONNode {
        for member in value.members {
            let v = member.value
            switch member.key {
            case "stringValue", "bytesValue": return .string(v.text ?? "")
            case "boolValue": return v.bool.map(JSONNode.bool) ?? .string(v.text ?? "")
            case "intValue", "doubleValue":
                switch v {
                case .number, .integer: return v
                default: break
                }
                if let s = v.string, let i = Int64(s) { return .integer(i) }
                return .string(v.text ?? "")
            case "arrayValue": return .array((v["values"]?.elements ?? []).map(anyValueNode))
            case "kvlistValue":
                return .object((v["values"]?.elements ?? []).compactMap { kv in
                    kv["key"]?.text.map { JSONNode.Member($0, kv["value"].map(anyValueNode) ?? .null) }
                })
            default: continue
            }
        }
        return .null
    }
}
