import Foundation

/// The role of a span in a trace, as in OpenTelemetry's `SpanKind`.
///
/// Zipkin's `kind`, Jaeger's `span.kind` tag and OTLP's `kind` (integer or enum name) all map onto it.
public enum SpanKind: String, Sendable, Equatable, CaseIterable {
    /// The producer did not say (OTLP `SPAN_KIND_UNSPECIFIED`, or no `span.kind` tag in Jaeger).
    case unspecified
    /// A local operation (OTLP `SPAN_KIND_INTERNAL`; a Zipkin span without `kind`).
    case `internal`
    /// The receiving side of a synchronous request (an Envoy inbound hop).
    case server
    /// The calling side of a synchronous request (an Envoy outbound hop).
    case client
    /// The sending side of an asynchronous message.
    case producer
    /// The receiving side of an asynchronous message.
    case consumer

    /// Parses the names used across formats, case-insensitively.
    ///
    /// Accepts `SERVER`, `server`, `SPAN_KIND_SERVER` and the like. Returns nil for anything else.
    ///
    /// For example:
    /// ```swift
    /// SpanKind(name: "SPAN_KIND_CLIENT") // .client
    /// SpanKind(name: "Server")           // .server
    /// ```
    public init?(name: String) {
        var n = name.uppercased()
        if n.hasPrefix("SPAN_KIND_") { n.removeFirst("SPAN_KIND_".count) }
        switch n {
        case "UNSPECIFIED": self = .unspecified
        case "INTERNAL", "LOCAL": self = .internal
        case "SERVER": self = .server
        case "CLIENT": self = .client
        case "PRODUCER": self = .producer
        case "CONSUMER": self = .consumer
        default: return nil
        }
    }

    /// Maps OTLP's integer enum (0 unspecified … 5 consumer); nil when out of range.
    public init?(otlpCode: Int) {
        switch otlpCode {
        case 0: self = .unspecified
        case 1: self = .internal
        case 2: self = .server
        case 3: self = .client
        case 4: self = .producer
        case 5: self = .consumer
        default: return nil
        }
    }
}

/// The outcome of a span, as in OpenTelemetry's status code.
public enum SpanStatus: String, Sendable, Equatable, CaseIterable {
    /// Nothing marks the span as failed or explicitly successful.
    case unset
    /// Explicitly successful (OTLP `STATUS_CODE_OK` or `otel.status_code=OK`).
    case ok
    /// Failed: OTLP `STATUS_CODE_ERROR`, an `error` tag, `otel.status_code=ERROR`, or an HTTP error status.
    case error

    /// Classifies an HTTP status code by the OpenTelemetry HTTP semantic conventions.
    ///
    /// A SERVER span is an error for 5xx only; a CLIENT span is an error for 4xx and 5xx. Other kinds are
    /// treated like SERVER spans. Everything else is `.unset` (semconv leaves the status unset for success).
    ///
    /// For example:
    /// ```swift
    /// SpanStatus.classifying(httpStatus: 404, kind: .client) // .error
    /// SpanStatus.classifying(httpStatus: 404, kind: .server) // .unset
    /// ```
    public static func classifying(httpStatus: Int, kind: SpanKind) -> SpanStatus {
        if (500...599).contains(httpStatus) { return .error }
        if kind == .client, (400...499).contains(httpStatus) { return .error }
        return .unset
    }
}

/// One span, normalised from Zipkin v2, Jaeger JSON, OTLP JSON or Tempo.
///
/// Each field maps onto a column of the `span` SQL view (`trace_id`, `span_id`, `parent_id`, `service`, `name`,
/// `kind`, `start_us`, `duration_us`, `status`, `http_status`, `request_id`, `attributes`, `line`).
///
/// Identifiers are normalised with ``Span/normalizedTraceID(_:)`` and ``Span/normalizedSpanID(_:)`` so that the
/// same trace compares equal across formats (64-bit B3 ids are left-padded, Tempo's base64 ids are decoded).
public struct Span: Sendable, Equatable {
    /// Lowercase hex, left-padded with zeros to 32 characters; base64 ids are decoded to hex. Ids that are not hex
    /// (jaeger-ui fixtures use `trace-123`) are kept as given, lowercased.
    public var traceID: String
    /// Lowercase hex, left-padded to 16 characters; non-hex ids are kept as given, lowercased.
    public var spanID: String
    /// The parent span id, normalised like ``spanID``; nil for a root (absent, empty or all zeros).
    public var parentID: String?
    /// The service: Zipkin `localEndpoint.serviceName`, Jaeger process `serviceName`, OTLP `service.name`.
    public var service: String?
    /// The operation name (Zipkin `name`, Jaeger `operationName`, OTLP `name`); empty when absent.
    public var name: String
    /// The span kind.
    public var kind: SpanKind
    /// Start time in microseconds since the Unix epoch (OTLP nanoseconds are divided by 1000).
    public var startMicros: Int64?
    /// Duration in microseconds.
    public var durationMicros: Int64?
    /// Explicit status, else the `error` tag, else `otel.status_code`, else the HTTP status by semconv.
    public var status: SpanStatus
    /// `http.status_code` (string or integer) or `http.response.status_code`.
    public var httpStatus: Int?
    /// Envoy's `guid:x-request-id` tag, which joins a span to its access-log lines.
    public var requestID: String?
    /// Tags and attributes flattened to strings. Resource (Jaeger process) attributes other than `service.name`
    /// are kept under a `resource.` prefix; see ``attributesJSON`` for a deterministic encoding.
    public var attributes: [String: String]
    /// True on the server half of a Zipkin RPC that reuses the client's span id.
    public var shared: Bool
    /// The 1-based line of the file where the span's JSON object starts.
    public var line: Int

    /// Creates a span; identifiers are stored as given (normalise them first if needed).
    public init(
        traceID: String,
        spanID: String,
        parentID: String? = nil,
        service: String? = nil,
        name: String,
        kind: SpanKind = .unspecified,
        startMicros: Int64? = nil,
        durationMicros: Int64? = nil,
        status: SpanStatus = .unset,
        httpStatus: Int? = nil,
        requestID: String? = nil,
        attributes: [String: String] = [:],
        shared: Bool = false,
        line: Int = 1
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentID = parentID
        self.service = service
        self.name = name
        self.kind = kind
        self.startMicros = startMicros
        self.durationMicros = durationMicros
        self.status = status
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.attributes = attributes
        self.shared = shared
        self.line = line
    }

    /// ``attributes`` as a compact JSON object with keys sorted, so equal attribute sets give equal text.
    public var attributesJSON: String { Span.attributesJSON(attributes) }

    /// Encodes string attributes as a compact JSON object with sorted keys.
    ///
    /// For example:
    /// ```swift
    /// Span.attributesJSON(["b": "2", "a": "x\"y"]) // {"a":"x\"y","b":"2"}
    /// ```
    public static func attributesJSON(_ attributes: [String: String]) -> String {
        // Built as bytes (a span ingest writes one per span): keys in UTF-8 order, which is
        // `String`'s order for the ASCII keys attributes have, without its Unicode comparison.
        let pairs = attributes.sorted { utf8Precedes($0.key, $1.key) }
        var out: [UInt8] = []
        out.reserveCapacity(2 + attributes.count * 40)
        out.append(UInt8(ascii: "{"))
        for (i, pair) in pairs.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(pair.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(pair.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s (a `memcmp`, where `String`'s `<` compares by Unicode rules).
    @inline(__always)
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let answer = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        return (answer ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Appends `s` as a JSON string literal to UTF-8 bytes, escaped as the `String` version escapes it.
    public static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if s.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) == nil {
            Array(s.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 `bytes` with quotes, backslashes and control characters escaped; runs with
    /// nothing to escape are copied whole.
    @inline(__always)
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            out.append(0x5C)
            switch b {
            case 0x22, 0x5C: out.append(b)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            }
            start = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
    }

    /// Appends `s` as a JSON string literal (quotes, backslashes and control characters escaped).
    public static func appendJSONString(_ s: String, to out: inout String) {
        out.append("\"")
        var needsEscape = false
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            out.append(s)
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case "\u{08}": out.append("\\b")
                case "\u{0C}": out.append("\\f")
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        out.append("\"")
    }

    // MARK: - Identifier normalisation

    /// Normalises a trace id to 32 lowercase hex characters.
    ///
    /// Hex ids (any case) up to 32 characters are lowercased and left-padded with zeros, so a 64-bit B3 id
    /// compares equal to its 128-bit form and Tempo search's 31-character ids regain their leading zero.
    /// Padded standard base64 of 8 or 16 bytes (Tempo, Jaeger protojson) is decoded to hex. Anything else is
    /// kept as given, lowercased. Returns nil for an empty string.
    ///
    /// For example:
    /// ```swift
    /// Span.normalizedTraceID("978883983D506FA5")          // "0000000000000000978883983d506fa5"
    /// Span.normalizedTraceID("O6VWCcPN5JZJzXfR+dzZNg==")  // "3ba55609c3cde49649cd77d1f9dcd936"
    /// ```
    public static func normalizedTraceID(_ raw: String) -> String? { normalizedID(raw, width: 32) }

    /// Normalises a span id to 16 lowercase hex characters (same rules as ``normalizedTraceID(_:)``).
    public static func normalizedSpanID(_ raw: String) -> String? { normalizedID(raw, width: 16) }

    /// Whether a normalised id is all zeros (OTLP's invalid id; a root's parent in some exporters).
    public static func isZeroID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { $0 == UInt8(ascii: "0") }
    }

    static func normalizedID(_ raw: String, width: Int) -> String? {
        if raw.isEmpty { return nil }
        var copy = raw
        // The closure returns nil when `raw` is already normalised (the common case: no copy is made).
        let changed = copy.withUTF8 { bytes -> String? in
            var allHex = true
            var hasUpper = false
            for b in bytes {
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): continue
                case UInt8(ascii: "A")...UInt8(ascii: "F"): hasUpper = true
                default: allHex = false
                }
                if !allHex { break }
            }
            if allHex {
                if bytes.count >= width && !hasUpper { return nil }
                let padding = max(0, width - bytes.count)
                return String(unsafeUninitializedCapacity: padding + bytes.count) { out in
                    for i in 0..<padding { out[i] = UInt8(ascii: "0") }
                    for (i, b) in bytes.enumerated() {
                        out[padding + i] = (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F")) ? b + 32 : b
                    }
                    return padding + bytes.count
                }
            }
            if let decoded = decodeBase64ID(bytes, maxBytes: width / 2) {
                let hex = hexString(decoded)
                return hex.count >= width ? hex : String(repeating: "0", count: width - hex.count) + hex
            }
            return String(decoding: bytes, as: UTF8.self).lowercased()
        }
        return changed ?? raw
    }

    /// Decodes padded standard base64 of exactly 8 (12 chars) or 16 (24 chars) bytes, no more than `maxBytes`.
    private static func decodeBase64ID(_ chars: UnsafeBufferPointer<UInt8>, maxBytes: Int) -> [UInt8]? {
        let expected: Int
        switch chars.count {
        case 12 where chars[11] == UInt8(ascii: "=") && chars[10] != UInt8(ascii: "="): expected = 8
        case 24 where chars[23] == UInt8(ascii: "=") && chars[22] == UInt8(ascii: "="): expected = 16
        default: return nil
        }
        guard expected <= maxBytes else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(expected)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out.count == expected ? out : nil
    }

    private static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
