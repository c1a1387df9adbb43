import MeshLogCore

/// The files and bodies `meshlog export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// OTLP `ExportTraceServiceRequest` as proto3 JSON.
    case otlpJSON = "otlp"
    /// OTLP `ExportTraceServiceRequest` as protobuf (the OTLP/HTTP default).
    case otlpProtobuf = "otlp-protobuf"
    /// Jaeger's UI JSON (`{"data":[trace…]}`), as "Upload JSON" loads and the query API answers.
    case jaeger
    /// Zipkin v2 JSON, an array of spans.
    case zipkin

    /// `traces` (each the spans of one trace) in this format.
    public func encode(_ traces: [[ExportSpan]]) -> [UInt8] {
        switch self {
        case .otlpJSON: OTLPJSONEncoder.encode(traces.flatMap { $0 })
        case .otlpProtobuf: OTLPProtobufEncoder.encode(traces.flatMap { $0 })
        case .jaeger: JaegerJSONEncoder.encode(traces)
        case .zipkin: ZipkinJSONEncoder.encode(traces.flatMap { $0 })
        }
    }
}

/// The bytes of a JSON document being written by the export encoders.
struct JSONOut {
    var bytes: [UInt8] = []

    /// A writer with room for about `capacity` bytes.
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends ASCII text as it is.
    mutating func raw(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    /// Appends one byte (`,`, `}`, …).
    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Appends `s` as a JSON string.
    mutating func string(_ s: String) { Span.appendJSONString(s, to: &bytes) }

    /// Appends a decimal integer.
    mutating func int(_ v: Int64) {
        if v == 0 { bytes.append(48); return }
        var x = v.magnitude
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        while x > 0 {
            digits.append(UInt8(48 + x % 10))
            x /= 10
        }
        if v < 0 { bytes.append(45) }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Appends `id` as a quoted lowercase hex string.
    mutating func hex(_ id: [UInt8]) {
        bytes.append(34)
        HexID.append(id, to: &bytes)
        bytes.append(34)
    }

    /// Appends a scalar as its JSON literal; ints as decimal strings when `quotedInts` (proto3 JSON's int64),
    /// non-finite doubles as 0 (JSON has no NaN).
    mutating func value(_ v: ExportAttribute.Value, quotedInts: Bool = false) {
        switch v {
        case .string(let s): string(s)
        case .int(let i) where quotedInts: byte(34); int(i); byte(34)
        case .int(let i): int(i)
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .double(let d): bytes.append(contentsOf: Array((d.isFinite ? "\(d)" : "0").utf8))
        }
    }

    /// Appends `"<traceKey>":…,"<spanKey>":…` and `,"<parentKey>":…` when the span has a parent, then `"name"`.
    mutating func ids(_ s: ExportSpan, trace traceKey: StaticString, span spanKey: StaticString, parent parentKey: StaticString) {
        raw(traceKey); hex(s.traceID); raw(spanKey); hex(s.spanID)
        if let p = s.parentID { raw(parentKey); hex(p) }
        raw(",\"name\":"); string(s.name)
    }

    /// Appends a start and a duration in µs under the keys given (with their punctuation).
    mutating func times(_ s: ExportSpan, start: StaticString, duration: StaticString) {
        raw(start); int(s.startUs); raw(duration); int(s.durationUs)
    }
}

/// The distinct services of `spans` in order of first appearance.
func exportServices(_ spans: [ExportSpan]) -> [String] {
    var seen = Set<String>()
    return spans.compactMap { seen.insert($0.service).inserted ? $0.service : nil }
}
