/// Decodes Zipkin v2 JSON (`openzipkin/zipkin-api` `zipkin2-api.yaml`) one span at a time.
///
/// Accepted shapes: an array of spans (`POST /api/v2/spans`, `GET /api/v2/trace/{id}`), a list of traces
/// (`GET /api/v2/traces`, an array of arrays), a single span object, and any of these repeated (JSON Lines).
///
/// Mapping:
/// - `traceId`/`id`/`parentId` are normalised (64-bit trace ids left-padded to 32 hex characters);
/// - `kind` CLIENT/SERVER/PRODUCER/CONSUMER; an absent kind is a local span, ``SpanKind/internal``;
/// - `timestamp`/`duration` are already microseconds;
/// - service is `localEndpoint.serviceName`;
/// - `tags` become attributes, as do the endpoints under `localEndpoint.*`/`remoteEndpoint.*`
///   (`serviceName`, `ipv4`, `ipv6`, `port`), which carry the pod IP and the peer for Envoy spans;
/// - any `error` tag value marks an error (Zipkin puts the message there), then `otel.status_code`, then HTTP.
///
/// Spans are decoded straight from the token stream, without building a tree: Zipkin is the format Envoy writes
/// most, and the largest files are flat Zipkin arrays.
struct ZipkinV2Decoder {
    let reader: JSONStreamReader
    let sink: SpanSink

    func run() throws {
        while let token = try reader.next() {
            let line = reader.tokenLine
            switch token {
            case .beginArray:
                try decodeArray(nested: false)
            case .beginObject:
                try decodeSpanObject(line: line, topLevel: true)
            default:
                throw SpanDecodeError.notASpanFile(
                    reason: "Zipkin v2 JSON is an array of spans or a span object, but the file holds a "
                        + "top-level \(token.kindDescription)")
            }
        }
    }

    private func decodeArray(nested: Bool) throws {
        while true {
            let token = try reader.nextRequired()
            let line = reader.tokenLine
            switch token {
            case .endArray:
                return
            case .beginObject:
                try decodeSpanObject(line: line, topLevel: false)
            case .beginArray where !nested:
                try decodeArray(nested: true)
            default:
                let node = try reader.readNode(startingWith: token)
                sink.warn(line: line, "expected a span object, found \(token.kindDescription); skipped", node)
            }
        }
    }

    /// Decodes the span object whose `{` was just returned by the reader.
    ///
    /// - Parameter topLevel: check keys against other formats (a file forced to Zipkin that is really OTLP, …).
    private func decodeSpanObject(line: Int, topLevel: Bool) throws {
        var traceID, spanID, parentID, name, kindName: String?
        var timestamp, duration: Int64?
        var service: String?
        var shared = false
        var attributes: [String: String] = [:]
        attributes.reserveCapacity(16)

        while true {
            let token = try reader.nextRequired()
            guard case .key(let key) = token else { break }  // `}`: the tokenizer allows nothing else here
            let value = try reader.nextRequired()
            if topLevel, let reason = SpanFormatSniffer.mismatch(topLevelKey: key, value: value, decoding: .zipkinV2) {
                throw SpanDecodeError.notASpanFile(reason: reason)
            }
            switch key {
            case "traceId": traceID = try text(value)
            case "id": spanID = try text(value)
            case "parentId": parentID = try text(value)
            case "name": name = try text(value)
            case "kind": kindName = try text(value)
            case "timestamp": timestamp = try integer(value)
            case "duration": duration = try integer(value)
            case "shared": shared = try text(value) == "true"
            case "localEndpoint":
                try readEndpoint(value, keys: Self.localEndpointKeys, into: &attributes, service: &service)
            case "remoteEndpoint":
                var ignored: String?
                try readEndpoint(value, keys: Self.remoteEndpointKeys, into: &attributes, service: &ignored)
            case "tags":
                try readTags(value, into: &attributes)
            case "binaryAnnotations":
                throw SpanDecodeError.notASpanFile(reason: SpanFormatSniffer.zipkinV1Reason)
            default:
                try reader.skipValue(startingWith: value)
            }
        }

        guard let ids = SpanFieldRules.ids(
            trace: traceID, span: spanID, traceKey: "traceId", spanKey: "id", line: line, sink: sink,
            excerpt: {
                Self.excerpt(traceID: traceID, spanID: spanID, parentID: parentID, kind: kindName, name: name,
                             timestamp: timestamp, duration: duration, attributes: attributes)
            })
        else { return }

        let kind = kindName.map { SpanKind(name: $0) ?? .unspecified } ?? .internal
        let http = SpanFieldRules.httpStatus(attributes)
        let span = Span(
            traceID: ids.trace,
            spanID: ids.span,
            parentID: SpanFieldRules.parent(raw: parentID),
            service: service,
            name: name ?? "",
            kind: kind,
            startMicros: timestamp,
            durationMicros: duration,
            status: SpanFieldRules.status(
                explicit: nil, attributes: attributes, kind: kind, httpStatus: http, anyErrorValueIsError: true),
            httpStatus: http,
            requestID: SpanFieldRules.requestID(attributes),
            attributes: attributes,
            shared: shared,
            line: line)
        try sink.emit(span)
    }

    /// A value as text (scalars as written, containers as compact JSON); nil for `null`.
    private func text(_ first: JSONStreamReader.Token) throws -> String? {
        switch first {
        case .string(let s): return s
        case .integer(let v): return String(v)
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return nil
        default: return try reader.readNode(startingWith: first).text
        }
    }

    /// An integer from a number or a decimal string; nil otherwise.
    private func integer(_ first: JSONStreamReader.Token) throws -> Int64? {
        switch first {
        case .integer(let v): return v
        case .number(let n): return JSONNode.number(n).int64
        case .string(let s): return JSONNode.string(s).int64
        case .beginArray, .beginObject:
            try reader.skipValue(startingWith: first)
            return nil
        default: return nil
        }
    }

    /// Reads `tags` (an object of string → string; other values are flattened to text).
    private func readTags(_ first: JSONStreamReader.Token, into attributes: inout [String: String]) throws {
        guard case .beginObject = first else {
            try reader.skipValue(startingWith: first)
            return
        }
        while true {
            guard case .key(let key) = try reader.nextRequired() else { return }
            attributes[key] = try text(try reader.nextRequired()) ?? ""
        }
    }

    /// Attribute names for endpoint fields (`serviceName`, `ipv4`, `ipv6`, `port`); nil keeps it out.
    private struct EndpointKeys {
        let serviceName: String?
        let ipv4: String
        let ipv6: String
        let port: String
    }

    private static let localEndpointKeys = EndpointKeys(
        serviceName: nil, ipv4: "localEndpoint.ipv4", ipv6: "localEndpoint.ipv6", port: "localEndpoint.port")
    private static let remoteEndpointKeys = EndpointKeys(
        serviceName: "remoteEndpoint.serviceName", ipv4: "remoteEndpoint.ipv4", ipv6: "remoteEndpoint.ipv6",
        port: "remoteEndpoint.port")

    private func readEndpoint(
        _ first: JSONStreamReader.Token, keys: EndpointKeys, into attributes: inout [String: String],
        service: inout String?
    ) throws {
        guard case .beginObject = first else {
            try reader.skipValue(startingWith: first)
            return
        }
        while true {
            guard case .key(let field) = try reader.nextRequired() else { return }
            let value = try text(try reader.nextRequired())
            let key: String?
            switch field {
            case "serviceName":
                if let value, !value.isEmpty { service = value }
                key = keys.serviceName
            case "ipv4": key = keys.ipv4
            case "ipv6": key = keys.ipv6
            case "port": key = keys.port
            default: key = nil
            }
            if let key, let value { attributes[key] = value }
        }
    }

    /// The JSON shown in a warning, rebuilt from what was read (the bytes themselves are gone from the buffer).
    private static func excerpt(
        traceID: String?, spanID: String?, parentID: String?, kind: String?, name: String?,
        timestamp: Int64?, duration: Int64?, attributes: [String: String]
    ) -> JSONNode {
        var members: [JSONNode.Member] = []
        let fields: [(String, String?)] = [
            ("traceId", traceID), ("parentId", parentID), ("id", spanID), ("kind", kind), ("name", name),
        ]
        for case let (key, value?) in fields { members.append(JSONNode.Member(key, .string(value))) }
        if let timestamp { members.append(JSONNode.Member("timestamp", .integer(timestamp))) }
        if let duration { members.append(JSONNode.Member("duration", .integer(duration))) }
        if !attributes.isEmpty {
            let tags = attributes.keys.sorted().map { JSONNode.Member($0, .string(attributes[$0]!)) }
            members.append(JSONNode.Member("tags", .object(tags)))
        }
        return .object(members)
    }
}
