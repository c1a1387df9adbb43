/// Decodes a span file of a known ``SpanFormat`` as a stream, calling back once per span.
///
/// The input is pulled in chunks through a `read` closure and tokenised by a streaming JSON reader, so memory stays
/// bounded by the largest single unit the format forces us to hold: one span for Zipkin, one trace for Jaeger
/// (its `processes` map may come after its spans), one `resourceSpans` element at most for OTLP/Tempo (spans are
/// decoded as they arrive once the resource and scope are known). A 580 MB, 1,000,000-span Zipkin array decodes
/// with under 20 MB resident.
///
/// Decoding is lenient per span and strict per file: a span that lacks its ids is reported through `onWarning`
/// and skipped, while bytes that are not JSON, or JSON that is not a span file, end decoding with a thrown
/// ``SpanDecodeError``. Spans already delivered stay delivered.
///
/// For example:
/// ```swift
/// let format = head.withUnsafeBytes { SpanFormatSniffer.sniff($0) } ?? .zipkinV2
/// var count = 0
/// var warnings: [SpanDecodeWarning] = []
/// try SpanDecoder(format: format).decode(
///     read: { buffer in Glibc.read(fd, buffer.baseAddress, buffer.count) },
///     onSpan: { _ in count += 1 },
///     onWarning: { warnings.append($0) })
/// ```
public final class SpanDecoder {
    /// The format this decoder expects. ``SpanFormat/otlp`` and ``SpanFormat/tempo`` share one decoder, which
    /// accepts both `resourceSpans` and `batches`.
    public let format: SpanFormat

    /// Creates a decoder for `format` (usually the result of ``SpanFormatSniffer/sniff(_:)``).
    public init(format: SpanFormat) {
        self.format = format
    }

    /// Pulls bytes via `read` and calls `onSpan` for each span and `onWarning` for each span it skips or repairs.
    ///
    /// - Parameters:
    ///   - read: fills the buffer it is given and returns the number of bytes written; 0 means end of input.
    ///   - onSpan: receives spans in file order. Throwing from it stops decoding and rethrows.
    ///   - onWarning: receives per-span problems; decoding continues after each.
    /// - Throws: ``SpanDecodeError/malformedJSON(line:column:reason:)`` for invalid JSON,
    ///   ``SpanDecodeError/malformedProtobuf(offset:reason:)`` for truncated or corrupt OTLP protobuf,
    ///   ``SpanDecodeError/notASpanFile(reason:)`` for JSON of another kind (Tempo search results, jaeger-ui
    ///   internal state, …), and anything `read` or `onSpan` throws.
    public func decode(
        read: (UnsafeMutableRawBufferPointer) throws -> Int,
        onSpan: (Span) throws -> Void,
        onWarning: (SpanDecodeWarning) -> Void
    ) throws {
        try withoutActuallyEscaping(read) { read in
            try withoutActuallyEscaping(onSpan) { onSpan in
                try withoutActuallyEscaping(onWarning) { onWarning in
                    let sink = SpanSink(onSpan: onSpan, onWarning: onWarning)
                    switch format {
                    case .zipkinV2: try ZipkinV2Decoder(reader: JSONStreamReader(read: read), sink: sink).run()
                    case .jaeger: try JaegerJSONDecoder(reader: JSONStreamReader(read: read), sink: sink).run()
                    case .otlp, .tempo: try OTLPJSONDecoder(reader: JSONStreamReader(read: read), sink: sink).run()
                    case .otlpProtobuf: try OTLPProtobufDecoder(read: read, sink: sink).run()
                    }
                }
            }
        }
    }

    /// Decodes an in-memory buffer; see ``decode(read:onSpan:onWarning:)``.
    public func decode(
        bytes: UnsafeRawBufferPointer,
        onSpan: (Span) throws -> Void,
        onWarning: (SpanDecodeWarning) -> Void
    ) throws {
        var offset = 0
        try decode(
            read: { out in
                let n = min(out.count, bytes.count - offset)
                if n > 0 {
                    out.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
                    offset += n
                }
                return n
            },
            onSpan: onSpan,
            onWarning: onWarning)
    }
}

/// Where the format decoders deliver spans and warnings.
final class SpanSink {
    private let onSpan: (Span) throws -> Void
    private let onWarning: (SpanDecodeWarning) -> Void

    init(onSpan: @escaping (Span) throws -> Void, onWarning: @escaping (SpanDecodeWarning) -> Void) {
        self.onSpan = onSpan
        self.onWarning = onWarning
    }

    func emit(_ span: Span) throws { try onSpan(span) }

    /// Passes on a warning as it is.
    func warn(_ warning: SpanDecodeWarning) { onWarning(warning) }

    /// Reports a problem with the JSON value `node` that starts at `line`.
    func warn(line: Int, _ reason: String, _ node: JSONNode?) {
        onWarning(SpanDecodeWarning(line: line, reason: reason, excerpt: node?.compactJSON(limit: 160) ?? ""))
    }
}

/// Field rules shared by the Zipkin, Jaeger and OTLP decoders.
enum SpanFieldRules {
    /// Normalised (trace id, span id), or nil after a warning when either is missing.
    ///
    /// An empty id is OTLP's all-zero invalid id: the span is kept with zeros and a warning.
    ///
    /// - Parameter excerpt: builds the JSON shown in a warning (only called when there is one).
    static func ids(
        trace rawTrace: String?, span rawSpan: String?, traceKey: String, spanKey: String,
        line: Int, sink: SpanSink, excerpt: () -> JSONNode
    ) -> (trace: String, span: String)? {
        guard let rawTrace else {
            sink.warn(line: line, "span has no \(traceKey); skipped", excerpt())
            return nil
        }
        guard let rawSpan else {
            sink.warn(line: line, "span has no \(spanKey); skipped", excerpt())
            return nil
        }
        var traceID = Span.normalizedTraceID(rawTrace)
        var spanID = Span.normalizedSpanID(rawSpan)
        if traceID == nil || spanID == nil {
            let which = [traceID == nil ? traceKey : nil, spanID == nil ? spanKey : nil].compactMap { $0 }
            sink.warn(
                line: line,
                "span has an empty \(which.joined(separator: " and ")) (the all-zero invalid id); kept with zeros",
                excerpt())
            traceID = traceID ?? String(repeating: "0", count: 32)
            spanID = spanID ?? String(repeating: "0", count: 16)
        }
        return (traceID!, spanID!)
    }

    /// A normalised parent id, nil for absent, empty or all-zero ids.
    static func parent(_ node: JSONNode?) -> String? { parent(raw: node?.text) }

    /// A normalised parent id from raw text, nil for absent, empty or all-zero ids.
    static func parent(raw: String?) -> String? {
        guard let raw, let id = Span.normalizedSpanID(raw), !Span.isZeroID(id) else { return nil }
        return id
    }

    /// `http.status_code` or `http.response.status_code` as an integer.
    static func httpStatus(_ attributes: [String: String]) -> Int? {
        if let raw = attributes["http.status_code"], let v = integer(raw) { return v }
        if let raw = attributes["http.response.status_code"], let v = integer(raw) { return v }
        return nil
    }

    private static func integer(_ raw: String) -> Int? {
        if let v = Int(raw) { return v }
        if let d = Double(raw), d.isFinite, abs(d) < 1e15 { return Int(d) }
        return nil
    }

    /// Envoy's `guid:x-request-id` tag.
    static func requestID(_ attributes: [String: String]) -> String? {
        guard let v = attributes["guid:x-request-id"], !v.isEmpty else { return nil }
        return v
    }

    /// Derives the status: an explicit OK/ERROR first, then the `error` tag, then `otel.status_code`, then the
    /// HTTP status by semconv.
    ///
    /// - Parameter anyErrorValueIsError: Zipkin semantics, where any `error` tag value (it holds the message)
    ///   marks a failure; otherwise (Jaeger, OTLP) only `true` does.
    static func status(
        explicit: SpanStatus?, attributes: [String: String], kind: SpanKind, httpStatus: Int?,
        anyErrorValueIsError: Bool
    ) -> SpanStatus {
        if let explicit, explicit != .unset { return explicit }
        if let e = attributes["error"] {
            if anyErrorValueIsError || e.lowercased() == "true" {
                return .error
            }
        }
        if let code = attributes["otel.status_code"] {
            switch code.uppercased() {
            case "ERROR", "STATUS_CODE_ERROR": return .error
            case "OK", "STATUS_CODE_OK": return .ok
            default: break
            }
        }
        if let httpStatus { return SpanStatus.classifying(httpStatus: httpStatus, kind: kind) }
        return .unset
    }
}
