/// Decodes OTLP protobuf traces straight into ``Span`` values, the same ones ``OTLPJSONDecoder`` makes from the same
/// trace in OTLP JSON.
///
/// Accepted inputs (recognised by content, see ``sniff(_:)``):
/// - one binary `ExportTraceServiceRequest` or `TracesData` (`.pb`, `.binpb`, an OTLP/HTTP body as
///   `curl --data-binary @trace.binpb` posts it; both messages are `repeated ResourceSpans resource_spans = 1`), or
///   several concatenated (protobuf merges them). One `ResourceSpans` is held in memory at a time. Tempo's
///   `/api/traces/{id}` protobuf body (`tempopb.Trace`, also field 1 = repeated ResourceSpans) is the same on the wire;
/// - the OpenTelemetry Collector file exporter's `format: proto` output: each message preceded by its length as a
///   4-byte big-endian unsigned integer (opentelemetry-collector-contrib `exporter/fileexporter/file_writer.go`
///   `exportMessageAsBuffer`). With `compression: zstd` each message is a zstd frame of its own (the exporter's
///   `marshaller.go` compresses before framing): decompressed through libzstd when installed. A framed message whose
///   bytes are OTLP JSON (`format: json` with `compression: zstd`) is decoded as JSON.
///
/// The schema is opentelemetry-proto's (`opentelemetry/proto/trace/v1/trace.proto`, `common/v1/common.proto`,
/// `resource/v1/resource.proto`); only the fields meshlog stores are read, every other field is skipped by its wire
/// type, so newer schema versions decode too:
/// - ResourceSpans: 1 resource, 2 scope_spans, 1000 the legacy instrumentation_library_spans (same layout);
/// - Resource: 1 attributes; ScopeSpans: 1 scope, 2 spans; InstrumentationScope: 1 name, 2 version, 3 attributes;
/// - Span: 1 trace_id, 2 span_id, 4 parent_span_id (bytes), 5 name, 6 kind (enum), 7 start_time_unix_nano and
///   8 end_time_unix_nano (fixed64), 9 attributes, 15 status; skipped: 3 trace_state, 10 dropped_attributes_count,
///   11 events, 12, 13 links, 14, 16 flags (fixed32);
/// - Status: 2 message, 3 code; KeyValue: 1 key, 2 value; AnyValue: oneof 1 string, 2 bool, 3 int (int64 varint),
///   4 double, 5 array (ArrayValue: 1 values), 6 kvlist (KeyValueList: 1 values), 7 bytes (written as base64, as
///   protobuf JSON does).
///
/// ``Span/line`` is the 1-based number of the message in the file (1 for a single message): the file exporter's
/// JSON Lines output has one message per line, so the numbers agree. A truncated or corrupt message ends decoding
/// with ``SpanDecodeError/malformedProtobuf(offset:reason:)`` naming the byte offset; the spans before it are kept.
struct OTLPProtobufDecoder {
    let read: (UnsafeMutableRawBufferPointer) throws -> Int
    let sink: SpanSink
    /// Sniffing: deliver only spans whose trace id has 16 bytes and span id 8, so arbitrary bytes are not mistaken
    /// for spans.
    var strictIDs = false

    // MARK: - Recognising protobuf

    /// Recognises OTLP protobuf from a file's head: a single message must start with field 1 (ResourceSpans), a
    /// length-prefixed stream with a plausible length followed by a message or a zstd frame; and the head must
    /// decode to at least one span with a 16-byte trace id and an 8-byte span id. Text (access logs, JSON) never
    /// passes: it starts with neither byte 0x00 nor a structure of nested protobuf messages down to a span.
    static func sniff(_ head: UnsafeRawBufferPointer) -> SpanFormatSniffer.Verdict? {
        guard head.count >= 2 else { return nil }
        if head[0] == 0x00 {
            guard head.count >= 5 else { return nil }
            let length = UInt32(head[0]) << 24 | UInt32(head[1]) << 16 | UInt32(head[2]) << 8 | UInt32(head[3])
            guard length > 0 else { return nil }
            if Zstd.hasMagic(UnsafeRawBufferPointer(rebasing: head[4...])) { return .format(.otlpProtobuf) }
            guard head[4] == 0x0A else { return nil }
        } else if head[0] != 0x0A {
            return nil
        }
        final class Count { var spans = 0 }
        let count = Count()
        var offset = 0
        var decoder = OTLPProtobufDecoder(
            read: { out in
                let n = min(out.count, head.count - offset)
                if n > 0 {
                    out.baseAddress!.copyMemory(from: head.baseAddress! + offset, byteCount: n)
                    offset += n
                }
                return n
            },
            sink: SpanSink(onSpan: { _ in count.spans += 1 }, onWarning: { _ in }))
        decoder.strictIDs = true
        do {
            try decoder.run()
        } catch {
            // The head may end inside a message: the spans before that point count.
        }
        return count.spans > 0 ? .format(.otlpProtobuf) : nil
    }

    // MARK: - The stream

    /// Pulls the file's bytes, keeping the absolute offset.
    private final class Source {
        let read: (UnsafeMutableRawBufferPointer) throws -> Int
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var start = 0
        var end = 0
        /// Absolute offset of `buffer[start]`.
        var offset = 0
        var ended = false

        init(read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) { self.read = read }

        /// Reads more bytes; false at the end of the file.
        private func refill() throws -> Bool {
            if ended { return false }
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
                }
                end -= start
                start = 0
            }
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = try buffer.withUnsafeMutableBytes { raw in
                try read(UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
            if n == 0 {
                ended = true
                return false
            }
            end += n
            return true
        }

        /// Copies out what is buffered, else reads on: the rest of the file as a `read` function.
        func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
            if start == end, try !refill() { return 0 }
            let n = min(out.count, end - start)
            buffer.withUnsafeBytes { raw in out.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: n) }
            start += n
            offset += n
            return n
        }

        /// The next byte, nil at the end of the file.
        func byte() throws -> UInt8? {
            if start == end, try !refill() { return nil }
            let b = buffer[start]
            start += 1
            offset += 1
            return b
        }

        /// A varint; nil at the end of the file before its first byte.
        func varint(what: String) throws -> UInt64? {
            let at = offset
            guard var b = try byte() else { return nil }
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                if shift == 63 && b > 1 {
                    throw SpanDecodeError.malformedProtobuf(offset: at, reason: "\(what): a varint longer than 64 bits (corrupt)")
                }
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
                guard let next = try byte() else {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: at, reason: "\(what): the file ends inside a varint at byte offset \(offset) (truncated)")
                }
                b = next
            }
        }

        /// Up to `count` bytes (fewer only at the end of the file) passed to `body`, with their absolute offset.
        func take<T>(_ count: Int, _ body: (UnsafeRawBufferPointer, _ base: Int, _ complete: Bool) throws -> T) throws -> T {
            while end - start < count, try refill() {}
            let n = min(count, end - start)
            let base = offset
            start += n
            offset += n
            return try buffer.withUnsafeBytes { raw in
                try body(UnsafeRawBufferPointer(rebasing: raw[(start - n)..<start]), base, n == count)
            }
        }
    }

    /// The largest message or field length believed (2 GiB, protobuf's own limit): a larger one is corruption.
    private static let maxLength: UInt64 = 1 << 31

    func run() throws {
        let source = Source(read: read)
        guard let first = try source.take(1, { bytes, _, _ in bytes.first }) else { return }
        // Put the byte back: `take` only moved `start`.
        source.start -= 1
        source.offset -= 1
        if first == 0x0A {
            try runSingleMessage(source)
        } else if [UInt8(ascii: "{"), UInt8(ascii: "["), 0x20, 0x09, 0x0D, 0xEF].contains(first) {
            // Text, not protobuf: JSON (OTLP's or another span format's, which the JSON decoder names).
            try OTLPJSONDecoder(reader: JSONStreamReader(read: source.read(into:)), sink: sink).run()
        } else {
            try runLengthPrefixed(source)
        }
    }

    /// One `TracesData`/`ExportTraceServiceRequest` (or several concatenated), one `ResourceSpans` at a time.
    private func runSingleMessage(_ source: Source) throws {
        while true {
            let tagOffset = source.offset
            guard let key = try source.varint(what: "a field tag") else { return }
            let field = key >> 3
            let wireType = key & 7
            guard field > 0, let wire = ProtobufCursor.WireType(rawValue: UInt8(wireType)) else {
                throw SpanDecodeError.malformedProtobuf(
                    offset: tagOffset, reason: "invalid field \(field) with wire type \(wireType) (corrupt, or not OTLP protobuf)")
            }
            switch wire {
            case .varint:
                _ = try source.varint(what: "field \(field)")
            case .fixed64, .fixed32:
                let width = wire == .fixed64 ? 8 : 4
                try source.take(width) { _, _, complete in
                    if !complete {
                        throw SpanDecodeError.malformedProtobuf(
                            offset: tagOffset, reason: "field \(field): the file ends at byte offset \(source.offset) (truncated)")
                    }
                }
            case .lengthDelimited:
                guard let length = try source.varint(what: "the length of field \(field)") else {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: tagOffset, reason: "the file ends after the tag of field \(field) (truncated)")
                }
                guard length < Self.maxLength else {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: tagOffset, reason: "field \(field) declares \(length) bytes (corrupt, or not OTLP protobuf)")
                }
                try source.take(Int(length)) { bytes, base, complete in
                    if field == 1 {
                        var cursor = ProtobufCursor(bytes, base: base, isCutShort: !complete)
                        try decodeResourceSpans(&cursor, line: 1)
                    }
                    if !complete {
                        throw SpanDecodeError.malformedProtobuf(
                            offset: tagOffset,
                            reason: (field == 1 ? "ResourceSpans" : "field \(field)")
                                + " declares \(length) bytes, but the file ends at byte offset \(base + bytes.count) (truncated)")
                    }
                }
            case .startGroup, .endGroup:
                throw SpanDecodeError.malformedProtobuf(
                    offset: tagOffset, reason: "group wire type \(wireType) for field \(field) (corrupt, or not OTLP protobuf)")
            }
        }
    }

    /// The Collector file exporter's `format: proto`: a 4-byte big-endian length, then the message; repeated.
    private func runLengthPrefixed(_ source: Source) throws {
        var index = 0
        while true {
            let at = source.offset
            let length: UInt32? = try source.take(4) { bytes, _, complete in
                if bytes.isEmpty { return nil }
                if !complete {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: at, reason: "message \(index + 1): the file ends inside its 4-byte length (truncated)")
                }
                return UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            }
            guard let length else { return }
            index += 1
            let line = index
            try source.take(Int(length)) { bytes, base, complete in
                if !complete && Zstd.hasMagic(bytes) {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: at, reason: "message \(line) declares \(length) bytes, but the file ends at byte offset "
                            + "\(base + bytes.count) (truncated)")
                }
                if Zstd.hasMagic(bytes) {
                    try decodeCompressedMessage(bytes, at: at, line: line)
                } else if bytes.first == UInt8(ascii: "{") {
                    try decodeJSONMessage(bytes, at: at, line: line, complete: complete)
                } else {
                    var cursor = ProtobufCursor(bytes, base: base, isCutShort: !complete)
                    try decodeTracesData(&cursor, line: line)
                }
                if !complete {
                    throw SpanDecodeError.malformedProtobuf(
                        offset: at, reason: "message \(line) declares \(length) bytes, but the file ends at byte offset "
                            + "\(base + bytes.count) (truncated)")
                }
            }
        }
    }

    /// A zstd-compressed framed message (`compression: zstd`): protobuf, or JSON with `format: json`.
    private func decodeCompressedMessage(_ bytes: UnsafeRawBufferPointer, at: Int, line: Int) throws {
        let plain: [UInt8]
        do {
            plain = try Zstd.decompress(bytes)
        } catch ZstdError.unavailable {
            throw SpanDecodeError.notASpanFile(
                reason: "message \(line) is zstd-compressed (the Collector file exporter's compression: zstd compresses "
                    + "each message on its own, so zstd -d cannot undo it); libzstd.so.1 not found: install libzstd1 "
                    + "(apt-get install libzstd1)")
        } catch let error as ZstdError {
            throw SpanDecodeError.malformedProtobuf(offset: at, reason: "message \(line): \(error)")
        }
        try plain.withUnsafeBytes { raw in
            if raw.first == UInt8(ascii: "{") {
                try decodeJSONMessage(raw, at: at, line: line, complete: true)
                return
            }
            var cursor = ProtobufCursor(raw, base: 0)
            do {
                try decodeTracesData(&cursor, line: line)
            } catch SpanDecodeError.malformedProtobuf(let offset, let reason) {
                throw SpanDecodeError.malformedProtobuf(
                    offset: at, reason: "message \(line) (zstd-compressed), at byte offset \(offset) of its decompressed bytes: \(reason)")
            }
        }
    }

    /// A framed message holding OTLP JSON; its spans take the message's number as their line.
    private func decodeJSONMessage(_ bytes: UnsafeRawBufferPointer, at: Int, line: Int, complete: Bool) throws {
        var offset = 0
        let inner = SpanSink(
            onSpan: { span in
                var span = span
                span.line = line
                try sink.emit(span)
            },
            onWarning: { warning in
                sink.warn(SpanDecodeWarning(line: line, reason: warning.reason, excerpt: warning.excerpt))
            })
        let reader = JSONStreamReader(chunkSize: 64 * 1024) { out in
            let n = min(out.count, bytes.count - offset)
            if n > 0 {
                out.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
                offset += n
            }
            return n
        }
        do {
            try OTLPJSONDecoder(reader: reader, sink: inner).run()
        } catch let error as SpanDecodeError {
            if !complete { return }  // the caller reports the truncation
            throw SpanDecodeError.malformedProtobuf(offset: at, reason: "message \(line) (OTLP JSON): \(error)")
        }
    }

    // MARK: - Messages

    /// `TracesData`/`ExportTraceServiceRequest`: 1 resource_spans.
    private func decodeTracesData(_ cursor: inout ProtobufCursor, line: Int) throws {
        while let tag = try cursor.nextTag() {
            if tag.field == 1 {
                var rs = try cursor.lengthDelimited(tag, name: "ResourceSpans", allowCutShort: true)
                try decodeResourceSpans(&rs, line: line)
            } else {
                try cursor.skip(tag)
            }
        }
    }

    /// A `ResourceSpans`: its resource (read first, wherever it is), then its scope spans in order.
    private func decodeResourceSpans(_ cursor: inout ProtobufCursor, line: Int) throws {
        var resource = ResourceContext()
        var scan = cursor
        while let tag = try? scan.nextTag() {
            if tag.field == 1, tag.wireType == .lengthDelimited {
                guard var r = try? scan.lengthDelimited(tag, name: "Resource") else { break }
                resource = try decodeResource(&r)
            } else if (try? scan.skip(tag)) == nil {
                break
            }
        }
        while let tag = try cursor.nextTag() {
            switch tag.field {
            case 2, 1000:
                var ss = try cursor.lengthDelimited(tag, name: "ScopeSpans", allowCutShort: true)
                try decodeScopeSpans(&ss, resource: resource, line: line)
            default:
                try cursor.skip(tag)
            }
        }
        if cursor.isCutShort {
            throw cursor.error(at: cursor.endOffset, "the file ends inside a ResourceSpans (truncated)")
        }
    }

    /// The resource of one `ResourceSpans`, flattened as ``OTLPJSONDecoder`` does.
    private struct ResourceContext {
        var service: String?
        var attributes: [(String, String)] = []
    }

    /// `Resource`: 1 attributes.
    private func decodeResource(_ cursor: inout ProtobufCursor) throws -> ResourceContext {
        var context = ResourceContext()
        while let tag = try cursor.nextTag() {
            guard tag.field == 1 else {
                try cursor.skip(tag)
                continue
            }
            var kv = try cursor.lengthDelimited(tag, name: "a resource attribute")
            guard let (key, value) = try Self.keyValue(&kv) else { continue }
            let text = Self.text(value)
            if key == "service.name" {
                context.service = text.isEmpty ? nil : text
            } else {
                context.attributes.append(("resource." + key, text))
            }
        }
        return context
    }

    /// A `ScopeSpans`: its scope (read first), then its spans in order.
    private func decodeScopeSpans(_ cursor: inout ProtobufCursor, resource: ResourceContext, line: Int) throws {
        var scope: [(String, String)] = []
        var scan = cursor
        while let tag = try? scan.nextTag() {
            if tag.field == 1, tag.wireType == .lengthDelimited {
                guard var s = try? scan.lengthDelimited(tag, name: "InstrumentationScope") else { break }
                scope = try Self.scopeAttributes(&s)
            } else if (try? scan.skip(tag)) == nil {
                break
            }
        }
        while let tag = try cursor.nextTag() {
            if tag.field == 2 {
                var span = try cursor.lengthDelimited(tag, name: "a Span")
                try decodeSpan(&span, resource: resource, scope: scope, line: line)
            } else {
                try cursor.skip(tag)
            }
        }
        if cursor.isCutShort {
            throw cursor.error(at: cursor.endOffset, "the file ends inside a ScopeSpans (truncated)")
        }
    }

    /// `InstrumentationScope` (1 name, 2 version, 3 attributes) as `otel.scope.*` attributes.
    private static func scopeAttributes(_ cursor: inout ProtobufCursor) throws -> [(String, String)] {
        var name = ""
        var version = ""
        var attributes: [(String, String)] = []
        while let tag = try cursor.nextTag() {
            switch tag.field {
            case 1: name = try cursor.lengthDelimited(tag, name: "the scope's name").text
            case 2: version = try cursor.lengthDelimited(tag, name: "the scope's version").text
            case 3:
                var kv = try cursor.lengthDelimited(tag, name: "a scope attribute")
                if let (key, value) = try keyValue(&kv) { attributes.append(("otel.scope." + key, text(value))) }
            default: try cursor.skip(tag)
            }
        }
        var out: [(String, String)] = []
        if !name.isEmpty { out.append(("otel.scope.name", name)) }
        if !version.isEmpty { out.append(("otel.scope.version", version)) }
        return out + attributes
    }

    /// One `Span`, mapped as ``OTLPJSONDecoder`` maps its JSON.
    private func decodeSpan(
        _ cursor: inout ProtobufCursor, resource: ResourceContext, scope: [(String, String)], line: Int
    ) throws {
        var traceID: String?
        var spanID: String?
        var traceBytes = 0
        var spanBytes = 0
        var parent: String?
        var name = ""
        var kindCode: UInt64 = 0
        var startNanos: UInt64 = 0
        var endNanos: UInt64 = 0
        var spanAttributes: [(String, String)] = []
        var statusCode: UInt64?
        var statusMessage = ""
        while let tag = try cursor.nextTag() {
            switch tag.field {
            case 1:
                let id = try cursor.lengthDelimited(tag, name: "trace_id")
                traceID = id.hex
                traceBytes = id.bytes.count
            case 2:
                let id = try cursor.lengthDelimited(tag, name: "span_id")
                spanID = id.hex
                spanBytes = id.bytes.count
            case 4: parent = try cursor.lengthDelimited(tag, name: "parent_span_id").hex
            case 5: name = try cursor.lengthDelimited(tag, name: "name").text
            case 6: kindCode = try cursor.varintField(tag, name: "kind")
            case 7: startNanos = try cursor.fixed64Field(tag, name: "start_time_unix_nano")
            case 8: endNanos = try cursor.fixed64Field(tag, name: "end_time_unix_nano")
            case 9:
                var kv = try cursor.lengthDelimited(tag, name: "an attribute")
                if let (key, value) = try Self.keyValue(&kv) { spanAttributes.append((key, Self.text(value))) }
            case 15:
                var status = try cursor.lengthDelimited(tag, name: "status")
                statusCode = 0
                while let t = try status.nextTag() {
                    switch t.field {
                    case 2: statusMessage = try status.lengthDelimited(t, name: "the status message").text
                    case 3: statusCode = try status.varintField(t, name: "the status code")
                    default: try status.skip(t)
                    }
                }
            default:
                try cursor.skip(tag)
            }
        }
        if strictIDs && (traceBytes != 16 || spanBytes != 8) { return }

        let excerpt = {
            JSONNode.object([
                .init("traceId", traceID.map(JSONNode.string) ?? .null), .init("spanId", spanID.map(JSONNode.string) ?? .null),
                .init("name", .string(name)),
            ])
        }
        guard let ids = SpanFieldRules.ids(
            trace: traceID, span: spanID, traceKey: "trace_id", spanKey: "span_id", line: line, sink: sink,
            excerpt: excerpt)
        else { return }

        var attributes: [String: String] = [:]
        for (k, v) in resource.attributes { attributes[k] = v }
        for (k, v) in scope { attributes[k] = v }
        for (k, v) in spanAttributes { attributes[k] = v }

        let kind = SpanKind(otlpCode: Int(truncatingIfNeeded: kindCode)) ?? .unspecified
        var explicit: SpanStatus?
        if let statusCode {
            // A status without a code is unset, as `"status": {}` is in JSON.
            explicit = statusCode == 1 ? .ok : statusCode == 2 ? .error : (statusCode == 0 ? nil : .unset)
            if !statusMessage.isEmpty, attributes["otel.status_description"] == nil {
                attributes["otel.status_description"] = statusMessage
            }
        }
        // Zero is what protobuf writes for an absent time (protobuf JSON leaves the field out).
        let start = startNanos == 0 ? nil : Int64(exactly: startNanos)
        let end = endNanos == 0 ? nil : Int64(exactly: endNanos)
        var duration: Int64?
        if let start, let end {
            let (d, overflow) = end.subtractingReportingOverflow(start)
            duration = overflow ? nil : d / 1000
        }
        let http = SpanFieldRules.httpStatus(attributes)
        try sink.emit(Span(
            traceID: ids.trace,
            spanID: ids.span,
            parentID: SpanFieldRules.parent(raw: parent),
            service: resource.service,
            name: name,
            kind: kind,
            startMicros: start.map { $0 / 1000 },
            durationMicros: duration,
            status: SpanFieldRules.status(
                explicit: explicit, attributes: attributes, kind: kind, httpStatus: http, anyErrorValueIsError: false),
            httpStatus: http,
            requestID: SpanFieldRules.requestID(attributes),
            attributes: attributes,
            shared: false,
            line: line))
    }

    // MARK: - Values

    /// A `KeyValue` (1 key, 2 value); nil when it has no key (as ``OTLPJSONDecoder`` skips those).
    private static func keyValue(_ cursor: inout ProtobufCursor) throws -> (String, JSONNode)? {
        var key: String?
        var value = JSONNode.null
        while let tag = try cursor.nextTag() {
            switch tag.field {
            case 1: key = try cursor.lengthDelimited(tag, name: "the attribute's key").text
            case 2:
                var v = try cursor.lengthDelimited(tag, name: "the attribute's value")
                value = try anyValue(&v)
            default: try cursor.skip(tag)
            }
        }
        guard let key else { return nil }
        return (key, value)
    }

    /// An `AnyValue` as natural JSON, as ``OTLPJSONDecoder/anyValueNode(_:)`` makes from protobuf JSON.
    private static func anyValue(_ cursor: inout ProtobufCursor) throws -> JSONNode {
        var value = JSONNode.null
        while let tag = try cursor.nextTag() {
            switch tag.field {
            case 1: value = .string(try cursor.lengthDelimited(tag, name: "string_value").text)
            case 2: value = .bool(try cursor.varintField(tag, name: "bool_value") != 0)
            case 3: value = .integer(Int64(bitPattern: try cursor.varintField(tag, name: "int_value")))
            case 4: value = .number(doubleText(Double(bitPattern: try cursor.fixed64Field(tag, name: "double_value"))))
            case 5:
                var array = try cursor.lengthDelimited(tag, name: "array_value")
                var items: [JSONNode] = []
                while let t = try array.nextTag() {
                    guard t.field == 1 else {
                        try array.skip(t)
                        continue
                    }
                    var item = try array.lengthDelimited(t, name: "an array element")
                    items.append(try anyValue(&item))
                }
                value = .array(items)
            case 6:
                var list = try cursor.lengthDelimited(tag, name: "kvlist_value")
                var members: [JSONNode.Member] = []
                while let t = try list.nextTag() {
                    guard t.field == 1 else {
                        try list.skip(t)
                        continue
                    }
                    var kv = try list.lengthDelimited(t, name: "a kvlist entry")
                    if let (key, v) = try keyValue(&kv) { members.append(.init(key, v)) }
                }
                value = .object(members)
            case 7: value = .string(try cursor.lengthDelimited(tag, name: "bytes_value").base64)
            default: try cursor.skip(tag)
            }
        }
        return value
    }

    /// An attribute's text, as ``OTLPJSONDecoder/anyValueText(_:)`` gives it.
    private static func text(_ value: JSONNode) -> String {
        switch value {
        case .string(let s): return s
        case .null: return ""
        default: return value.text ?? ""
        }
    }

    /// A double as protobuf JSON writes it (shortest round-trip text; NaN and infinities as their JSON names).
    static func doubleText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return "\(d)"
    }
}
