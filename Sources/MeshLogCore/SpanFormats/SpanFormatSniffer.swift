/// The span file formats meshlog decodes.
public enum SpanFormat: String, Sendable, CaseIterable {
    /// Zipkin v2 JSON: an array of spans, a list of traces (array of arrays), or one bare span object.
    case zipkinV2 = "zipkin-v2"
    /// Jaeger JSON: the query API's `{"data":[trace…]}`, one trace object, an array of spans with embedded
    /// `process`, one span object, or Jaeger's domain protojson (`{"spans":[…],"processMap":[…]}`).
    case jaeger
    /// OTLP JSON (`{"resourceSpans":[…]}`), one object or one per line (the file exporter's JSON Lines), also
    /// inside the wrappers query APIs put around it: Jaeger v2's `{"result":{…}}` (one, or one per line when
    /// streamed) and Tempo's `/api/v2/traces/{id}` `{"trace":{…}}`.
    case otlp
    /// Grafana Tempo's trace-by-id response `{"batches":[…]}`: OTLP's shape with base64 ids and enum names.
    case tempo
    /// OTLP protobuf: one binary `ExportTraceServiceRequest`/`TracesData` (`.pb`, `.binpb`, a `curl --data-binary`
    /// body), or the OpenTelemetry Collector file exporter's `format: proto` stream of messages, each preceded by
    /// its length as a 4-byte big-endian integer (each message zstd-compressed when `compression: zstd`).
    case otlpProtobuf = "otlp-protobuf"
}

/// Recognises a span file's format from its first bytes.
///
/// Only the head of the file is needed (``recommendedHeadSize`` bytes is plenty): the sniffer tokenises it, tolerating
/// truncation, and looks at the top-level shape and the keys of the first object at each level:
/// - `resourceSpans` → OTLP, `batches` → Tempo;
/// - `data: [` , a trace object (`spans`/`processes`/`processMap`), or span keys `traceID`/`spanID`/`operationName`
///   → Jaeger;
/// - span keys `traceId` with `id`/`localEndpoint`/`timestamp`/… → Zipkin v2.
///
/// Shapes that are JSON but not spans get a reason from ``rejectionReason(_:)``: Tempo search results
/// (`{"traces":[…]}`), jaeger-ui internal state (`{"data":{…},"id","state"}`), Zipkin v1, and unknown keys.
///
/// For example:
/// ```swift
/// let format = head.withUnsafeBytes { SpanFormatSniffer.sniff($0) }  // .zipkinV2
/// ```
public enum SpanFormatSniffer {
    /// How many bytes of a file's head to pass in; more is allowed but not needed.
    public static let recommendedHeadSize = 64 * 1024

    /// The format of a file starting with `head`, or nil when it is not a span file this decoder knows.
    public static func sniff(_ head: UnsafeRawBufferPointer) -> SpanFormat? {
        if case .format(let f) = classify(head) { return f }
        return nil
    }

    /// Why `head` is not a span file (nil when ``sniff(_:)`` recognises it).
    ///
    /// The reason names what the file looks like and, where possible, what to ingest instead.
    public static func rejectionReason(_ head: UnsafeRawBufferPointer) -> String? {
        if case .rejected(let why) = classify(head) { return why }
        return nil
    }

    /// What `head` is when it is a document the span readers know but do not read (a Tempo search result,
    /// jaeger-ui state, Zipkin v1), with what to ingest instead; nil for anything else.
    public static func recognizedDocument(_ head: UnsafeRawBufferPointer) -> String? {
        guard case .rejected(let why) = classify(head),
              [tempoSearchReason, jaegerUIStateReason, zipkinV1Reason].contains(why) else { return nil }
        return why
    }

    enum Verdict: Equatable {
        case format(SpanFormat)
        case rejected(String)
    }

    static let tempoSearchReason =
        "this is a Grafana Tempo search result ({\"traces\":[{traceID, rootServiceName, spanSet…}]}): it lists "
        + "matching traces with span summaries, not spans; fetch each trace from Tempo's /api/traces/<traceID> "
        + "({\"batches\":[…]}) and ingest that instead"
    static let jaegerUIStateReason =
        "this is jaeger-ui internal state ({\"data\":{trace…},\"id\",\"state\"}), not a Jaeger API response; use "
        + "the Jaeger UI's \"Download JSON\" or the query API /api/traces/<traceID> ({\"data\":[…]}) instead"
    static let zipkinV1Reason =
        "this looks like Zipkin v1 JSON (binaryAnnotations); only Zipkin v2 is supported: fetch spans from "
        + "/api/v2/ instead of /api/v1/"

    /// Why a top-level object key (and the first token of its value) shows the file is not in `format`, or nil
    /// when the key fits (or is unknown).
    ///
    /// The decoders call this while streaming so that a wrong `--format` fails fast with a useful message instead
    /// of materialising a large object that holds no spans of the expected shape.
    static func mismatch(
        topLevelKey key: String, value: JSONStreamReader.Token, decoding format: SpanFormat
    ) -> String? {
        let otlpLike = format == .otlp || format == .tempo
        switch key {
        case "data" where value == .beginObject:
            return jaegerUIStateReason
        case "traces":
            return tempoSearchReason
        case "resourceSpans" where !otlpLike:
            return "this is OTLP JSON (resourceSpans), not \(format.rawValue); decode it as otlp"
        case "batches" where !otlpLike:
            return "this is a Tempo trace ({\"batches\":[…]}), not \(format.rawValue); decode it as tempo"
        case "data" where format != .jaeger, "processes" where format != .jaeger, "spans" where format != .jaeger:
            return "this is Jaeger JSON (\"\(key)\"), not \(format.rawValue); decode it as jaeger"
        case "binaryAnnotations":
            return zipkinV1Reason
        default:
            return nil
        }
    }

    /// What the head of a file reveals: the first object's keys at each depth and what follows top-level keys.
    private struct Shape {
        var topIsArray = false
        var firstElement: JSONStreamReader.Token?
        var keys: [Int: [String]] = [:]
        var afterTopKey: [String: JSONStreamReader.Token] = [:]
        var firstNestedIsArray = false
    }

    static func classify(_ head: UnsafeRawBufferPointer) -> Verdict {
        if let verdict = OTLPProtobufDecoder.sniff(head) { return verdict }
        var i = 0
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF { i = 3 }
        while i < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[i]) { i += 1 }
        guard i < head.count else { return .rejected("the file is empty") }
        let first = head[i]
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            let shown = first >= 0x21 && first < 0x7F ? "'\(Character(Unicode.Scalar(first)))'" : "byte \(first)"
            return .rejected("span files are JSON, but this starts with \(shown) (an access log?)")
        }

        var shape = Shape()
        var offset = 0
        let reader = JSONStreamReader(chunkSize: 4096) { out in
            let n = min(out.count, head.count - offset)
            if n > 0 {
                out.baseAddress!.copyMemory(from: head.baseAddress! + offset, byteCount: n)
                offset += n
            }
            return n
        }
        var objectsBegun: [Int: Int] = [:]
        var recording: Set<Int> = []
        var pendingTopKey: String?
        var tokens = 0
        do {
            while let t = try reader.next(), tokens < 50_000 {
                tokens += 1
                let d = reader.depth
                if let k = pendingTopKey {
                    shape.afterTopKey[k] = t
                    pendingTopKey = nil
                }
                switch t {
                case .beginObject, .beginArray:
                    if d == 1 && t == .beginArray { shape.topIsArray = true }
                    if d == 2 && shape.topIsArray && shape.firstElement == nil { shape.firstElement = t }
                    if d == 3 && shape.firstElement == .beginArray && !shape.firstNestedIsArray && t == .beginArray {
                        shape.firstNestedIsArray = true
                    }
                    if t == .beginObject {
                        if objectsBegun[d, default: 0] == 0 { recording.insert(d) } else { recording.remove(d) }
                        objectsBegun[d, default: 0] += 1
                    }
                case .key(let k):
                    if recording.contains(d) { shape.keys[d, default: []].append(k) }
                    if d == 1 && !shape.topIsArray { pendingTopKey = k }
                case .endObject:
                    recording.remove(d + 1)
                default:
                    if d == 1 && shape.topIsArray && shape.firstElement == nil { shape.firstElement = t }
                }
                if d == 0 { break }  // the first top-level value is complete (JSON Lines: its first line)
            }
        } catch let error as SpanDecodeError {
            if !reader.reachedEndOfInput {
                return .rejected("this is not JSON (\(error)); access logs are not span files")
            }
        } catch {
            return .rejected("\(error)")
        }
        return decide(shape)
    }

    private static func decide(_ shape: Shape) -> Verdict {
        if !shape.topIsArray {
            let top = Set(shape.keys[1] ?? [])
            if top.contains("resourceSpans") { return .format(.otlp) }
            if top.contains("batches") { return .format(.tempo) }
            if top.contains("traces") { return .rejected(tempoSearchReason) }
            if let wrapper = wrapperVerdict(shape) { return wrapper }
            if top.contains("data") {
                switch shape.afterTopKey["data"] {
                case .beginObject?: return .rejected(jaegerUIStateReason)
                case .beginArray?, .null?: return .format(.jaeger)
                case nil: return .format(.jaeger)  // truncated right after the key
                default: return .rejected("a top-level \"data\" that is neither a list of traces nor null")
                }
            }
            if top.contains("scopeSpans") || top.contains("instrumentationLibrarySpans") { return .format(.otlp) }
            if let verdict = spanVerdict(top) { return verdict }
            if top.contains("spans") || top.contains("processes") || top.contains("processMap") {
                return .format(.jaeger)
            }
            let shown = (shape.keys[1] ?? []).prefix(8).joined(separator: ", ")
            return .rejected(
                "a JSON object with keys [\(shown)] is not a known span format "
                    + "(expected Zipkin v2, Jaeger JSON, OTLP resourceSpans or Tempo batches)")
        }
        switch shape.firstElement {
        case nil, .endArray?:
            return .format(.zipkinV2)  // an empty array: an empty Zipkin trace
        case .beginObject?:
            let keys = Set(shape.keys[2] ?? [])
            if keys.contains("resourceSpans") { return .format(.otlp) }
            if keys.contains("batches") { return .format(.tempo) }
            if keys.contains("spans") || keys.contains("processes") { return .format(.jaeger) }
            if let verdict = spanVerdict(keys) { return verdict }
            let shown = (shape.keys[2] ?? []).prefix(8).joined(separator: ", ")
            return .rejected("an array of objects with keys [\(shown)] is not a known span format")
        case .beginArray?:
            let keys = Set(shape.keys[3] ?? [])
            if keys.isEmpty { return .format(.zipkinV2) }  // a list of (possibly empty) Zipkin traces
            if let verdict = spanVerdict(keys) { return verdict }
            return .rejected("an array of arrays whose objects are not Zipkin v2 spans")
        default:
            return .rejected("an array of scalars, not spans")
        }
    }

    /// The wrappers query APIs put around OTLP JSON (the wrapped object's keys are `keys[2]`):
    /// - Jaeger v2's query API (`/api/v3/traces/{id}`, `/api/v3/traces?query…`): `{"result":{"resourceSpans":[…]}}`,
    ///   jaeger `cmd/query/app/apiv3/http_gateway.go` `returnTrace` (`api_v3.GRPCGatewayWrapper`); its gRPC gateway
    ///   streams one such object per line; an error is `{"error":{"httpCode":404,"message":"No traces found"}}`;
    /// - Tempo's `/api/v2/traces/{id}`: `tempopb.TraceByIDResponse` as JSON, `{"trace":{"resourceSpans":[…]},
    ///   "status":…}` (`"batches"` inside before Tempo renamed the field; `/api/traces/{id}` is `{"batches":[…]}`).
    private static func wrapperVerdict(_ shape: Shape) -> Verdict? {
        let top = Set(shape.keys[1] ?? [])
        let inner = Set(shape.keys[2] ?? [])
        if top.contains("result") || top.contains("trace") {
            let key = top.contains("result") ? "result" : "trace"
            switch shape.afterTopKey[key] {
            case .beginObject?, nil:
                if inner.contains("resourceSpans") || inner.contains("batches") || inner.isEmpty { return .format(.otlp) }
                let shown = (shape.keys[2] ?? []).prefix(8).joined(separator: ", ")
                return .rejected("a {\"\(key)\": {…}} wrapper around keys [\(shown)], not OTLP resourceSpans")
            default:
                return nil
            }
        }
        if top.contains("error"), shape.afterTopKey["error"] == .beginObject {
            return .rejected(
                "this is a query API error response ({\"error\":{…}}), not spans: the trace was not found or the "
                    + "query failed")
        }
        return nil
    }

    /// Recognises a single span object by its keys.
    private static func spanVerdict(_ keys: Set<String>) -> Verdict? {
        if keys.contains("traceID") || keys.contains("spanID") || keys.contains("operationName") {
            return .format(.jaeger)
        }
        if keys.contains("binaryAnnotations") { return .rejected(zipkinV1Reason) }
        // otel-cli's `server json`: Go's encoding/json of one OTLP span (snake_case keys), or of one span event.
        if keys.contains("trace_id") && keys.contains("span_id") { return .format(.otlp) }
        if keys.contains("time_unix_nano") && keys.contains("name") { return .format(.otlp) }
        if keys.contains("traceId") {
            let zipkinKeys = ["id", "localEndpoint", "remoteEndpoint", "timestamp", "annotations", "shared", "parentId"]
            if zipkinKeys.contains(where: keys.contains) { return .format(.zipkinV2) }
            if keys.contains("spanId") || keys.contains("startTimeUnixNano") {
                return .rejected(
                    "bare OTLP span objects without resourceSpans/scopeSpans around them are not supported")
            }
        }
        return nil
    }
}
