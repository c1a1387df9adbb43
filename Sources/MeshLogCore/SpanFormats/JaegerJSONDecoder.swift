/// Decodes Jaeger JSON one trace (or one span) at a time.
///
/// Accepted shapes:
/// - the query API / UI "Download JSON" response `{"data":[{traceID, spans, processes, warnings}], …}`,
///   streamed one trace at a time;
/// - a single trace object `{traceID, spans, processes}` (jaeger-ui fixtures; `_comment` keys are ignored);
/// - an array of spans with an embedded `process` each (anonymizer output, Elasticsearch-like), or of traces;
/// - a single span object with an embedded `process`;
/// - Jaeger's domain protojson (`{"spans":[…],"processMap":[…]}` with base64 `traceId`/`spanId`, RFC 3339
///   `startTime`, `"5000ns"` durations and `vType`/`vStr`/`vInt64`… tags).
///
/// Rejected with ``SpanDecodeError/notASpanFile(reason:)``: jaeger-ui internal state (`{"data":{…},"id","state"}`),
/// Tempo search results and OTLP files.
///
/// Mapping: the parent is the first `CHILD_OF` reference within the same trace (then any `CHILD_OF`, then
/// `parentSpanID`); the service is the process `serviceName`; process tags become `resource.<key>` attributes;
/// the kind is the `span.kind` tag; `startTime`/`duration` are microseconds; tags are flattened to text (int64 and
/// bool values may arrive as strings, binary stays base64); `error=true` marks an error.
struct JaegerJSONDecoder {
    let reader: JSONStreamReader
    let sink: SpanSink

    func run() throws {
        while let token = try reader.next() {
            let line = reader.tokenLine
            switch token {
            case .beginObject:
                try decodeObject(line: line, topLevel: true)
            case .beginArray:
                try decodeArray()
            default:
                throw SpanDecodeError.notASpanFile(
                    reason: "Jaeger JSON is an object or an array, but the file holds a top-level "
                        + token.kindDescription)
            }
        }
    }

    /// A top-level array: spans with embedded processes, or trace objects.
    private func decodeArray() throws {
        while true {
            let token = try reader.nextRequired()
            let line = reader.tokenLine
            switch token {
            case .endArray: return
            case .beginObject: try decodeObject(line: line, topLevel: false)
            default:
                let node = try reader.readNode(startingWith: token)
                sink.warn(line: line, "expected a Jaeger span or trace object, found \(token.kindDescription); skipped", node)
            }
        }
    }

    /// Reads an object whose `{` was just returned: a response wrapper, a trace or a span.
    private func decodeObject(line: Int, topLevel: Bool) throws {
        var trace = TraceCollector(decoder: self)
        var sawData = false
        var others: [JSONNode.Member] = []
        while true {
            let token = try reader.nextRequired()
            if case .endObject = token { break }
            guard case .key(let key) = token else { continue }
            let value = try reader.nextRequired()
            if topLevel, let reason = SpanFormatSniffer.mismatch(topLevelKey: key, value: value, decoding: .jaeger) {
                throw SpanDecodeError.notASpanFile(reason: reason)
            }
            switch key {
            case "data" where topLevel:
                switch value {
                case .beginArray:
                    sawData = true
                    try decodeTraces()
                case .null:
                    sawData = true
                case .beginObject:
                    throw SpanDecodeError.notASpanFile(reason: SpanFormatSniffer.jaegerUIStateReason)
                default:
                    throw SpanDecodeError.notASpanFile(
                        reason: "Jaeger's \"data\" must be a list of traces, but it is a \(value.kindDescription)")
                }
            case "spans":
                try trace.readSpans(startingWith: value)
            case "processes", "processMap":
                trace.setProcesses(try reader.readNode(startingWith: value))
            default:
                others.append(JSONNode.Member(key, try reader.readNode(startingWith: value)))
            }
        }
        if trace.sawSpans {
            try trace.finish()
            return
        }
        let node = JSONNode.object(others)
        if sawData, let errors = node["errors"], !errors.elements.isEmpty {
            sink.warn(line: line, "the Jaeger response reports errors", errors)
        }
        if node.first("traceID", "traceId", "spanID", "spanId") != nil {
            try decodeSpan(node, line: line, processes: [:])
        } else if !sawData {
            if topLevel {
                let keys = others.prefix(8).map(\.key).joined(separator: ", ")
                throw SpanDecodeError.notASpanFile(
                    reason: "a JSON object with keys [\(keys)] has neither Jaeger's \"data\" nor \"spans\"")
            }
            sink.warn(line: line, "object is neither a Jaeger trace nor a span; skipped", node)
        }
    }

    /// Streams `data[]`: one trace object at a time.
    private func decodeTraces() throws {
        while true {
            let token = try reader.nextRequired()
            let line = reader.tokenLine
            switch token {
            case .endArray: return
            case .beginObject: try decodeObject(line: line, topLevel: false)
            default:
                let node = try reader.readNode(startingWith: token)
                if node != .null {
                    sink.warn(line: line, "expected a trace object in \"data\", found \(token.kindDescription); skipped", node)
                }
            }
        }
    }

    /// Collects one trace's spans until its processes are known (Jaeger writes `processes` after `spans`).
    private struct TraceCollector {
        let decoder: JaegerJSONDecoder
        var processes: [String: JSONNode]?
        var pending: [(line: Int, node: JSONNode)] = []
        var sawSpans = false

        init(decoder: JaegerJSONDecoder) { self.decoder = decoder }

        mutating func readSpans(startingWith first: JSONStreamReader.Token) throws {
            sawSpans = true
            guard case .beginArray = first else {
                let node = try decoder.reader.readNode(startingWith: first)
                if node != .null { decoder.sink.warn(line: decoder.reader.tokenLine, "\"spans\" is not an array; skipped", node) }
                return
            }
            while true {
                let token = try decoder.reader.nextRequired()
                let line = decoder.reader.tokenLine
                if case .endArray = token { return }
                let node = try decoder.reader.readNode(startingWith: token)
                guard node.isObject else {
                    decoder.sink.warn(line: line, "expected a span object, found \(token.kindDescription); skipped", node)
                    continue
                }
                if let processes {
                    try decoder.decodeSpan(node, line: line, processes: processes)
                } else {
                    pending.append((line, node))
                }
            }
        }

        /// Accepts the API's `processes` map (`{"p1": {serviceName, tags}}`) or protojson's `processMap`
        /// (`[{"processId": "p1", "process": {…}}]`).
        mutating func setProcesses(_ node: JSONNode) {
            var map: [String: JSONNode] = processes ?? [:]
            switch node {
            case .object(let members):
                for m in members { map[m.key] = m.value }
            case .array(let items):
                for item in items {
                    if let id = item.first("processId", "processID")?.text, let p = item["process"] { map[id] = p }
                }
            default: break
            }
            processes = map
        }

        mutating func finish() throws {
            let processes = self.processes ?? [:]
            for (line, node) in pending {
                try decoder.decodeSpan(node, line: line, processes: processes)
            }
            pending.removeAll()
        }
    }

    // MARK: - One span

    func decodeSpan(_ node: JSONNode, line: Int, processes: [String: JSONNode]) throws {
        let domain = node["traceID"] == nil && node["traceId"] != nil
        guard let ids = SpanFieldRules.ids(
            trace: node.first("traceID", "traceId")?.text, span: node.first("spanID", "spanId")?.text,
            traceKey: domain ? "traceId" : "traceID", spanKey: domain ? "spanId" : "spanID",
            line: line, sink: sink, excerpt: { node })
        else { return }

        var attributes: [String: String] = [:]
        Self.flattenTags(node["tags"], into: &attributes, prefix: "")
        for m in node["tag"]?.members ?? [] { attributes[m.key] = m.value.text ?? "" }  // Elasticsearch `tag` map

        var process = node["process"]
        if process == nil, let id = node.first("processID", "processId")?.text { process = processes[id] }
        if let process {
            Self.flattenTags(process["tags"], into: &attributes, prefix: "resource.")
            for m in process["tag"]?.members ?? [] { attributes["resource." + m.key] = m.value.text ?? "" }
        }
        let service = process?["serviceName"]?.text.flatMap { $0.isEmpty ? nil : $0 }

        let kind = attributes["span.kind"].flatMap(SpanKind.init(name:)) ?? .unspecified
        let http = SpanFieldRules.httpStatus(attributes)
        let span = Span(
            traceID: ids.trace,
            spanID: ids.span,
            parentID: Self.parent(of: node, traceID: ids.trace, domain: domain),
            service: service,
            name: node["operationName"]?.text ?? "",
            kind: kind,
            startMicros: Self.micros(node["startTime"]),
            durationMicros: Self.durationMicros(node["duration"]),
            status: SpanFieldRules.status(
                explicit: nil, attributes: attributes, kind: kind, httpStatus: http, anyErrorValueIsError: false),
            httpStatus: http,
            requestID: SpanFieldRules.requestID(attributes),
            attributes: attributes,
            shared: false,
            line: line)
        try sink.emit(span)
    }

    /// First `CHILD_OF` in the same trace, else the first `CHILD_OF`, else `parentSpanID`. In protojson an absent
    /// `refType` is `CHILD_OF` (the enum's zero value).
    static func parent(of node: JSONNode, traceID: String, domain: Bool) -> String? {
        var anyChildOf: String?
        for ref in node["references"]?.elements ?? [] {
            let type = ref["refType"]?.text?.uppercased() ?? (domain ? "CHILD_OF" : "")
            guard type == "CHILD_OF", let spanID = SpanFieldRules.parent(ref.first("spanID", "spanId")) else { continue }
            let refTrace = ref.first("traceID", "traceId")?.text.flatMap(Span.normalizedTraceID)
            if refTrace == nil || refTrace == traceID { return spanID }
            if anyChildOf == nil { anyChildOf = spanID }
        }
        return anyChildOf ?? SpanFieldRules.parent(node.first("parentSpanID", "parentSpanId"))
    }

    /// Adds `[{key, type, value}]` (API) or `[{key, vType, vStr|vInt64|…}]` (protojson) tags as text.
    static func flattenTags(_ tags: JSONNode?, into attributes: inout [String: String], prefix: String) {
        for tag in tags?.elements ?? [] {
            guard let key = tag["key"]?.text else { continue }
            let text: String
            if let value = tag["value"] {
                text = value.text ?? ""
            } else {
                switch tag["vType"]?.text?.uppercased() ?? "STRING" {
                case "BOOL": text = tag["vBool"].flatMap { $0.bool }.map { $0 ? "true" : "false" } ?? "false"
                case "INT64": text = tag["vInt64"]?.text ?? "0"
                case "FLOAT64": text = tag["vFloat64"]?.text ?? "0"
                case "BINARY": text = tag["vBinary"]?.text ?? ""
                default: text = tag["vStr"]?.text ?? ""
                }
            }
            attributes[prefix + key] = text
        }
    }

    /// Epoch microseconds from a number/decimal string (API) or an RFC 3339 timestamp (protojson).
    static func micros(_ node: JSONNode?) -> Int64? {
        guard let node else { return nil }
        if let v = node.int64 { return v }
        if let s = node.string { return RFC3339.micros(s) }
        return nil
    }

    /// Microseconds from a number (API) or a duration string such as `"5000ns"`, `"0.000005s"`, `"1m30s"`.
    static func durationMicros(_ node: JSONNode?) -> Int64? {
        guard let node else { return nil }
        if let v = node.int64 { return v }
        guard let s = node.string else { return nil }
        return GoDuration.micros(s)
    }
}

extension JaegerJSONDecoder {
    /// Parses RFC 3339 timestamps (`2017-01-26T16:46:31.639875139-05:00`) to epoch microseconds.
    enum RFC3339 {
        static func micros(_ s: String) -> Int64? {
            let b = Array(s.utf8)
            func num(_ i: Int, _ n: Int) -> Int? {
                guard i + n <= b.count else { return nil }
                var v = 0
                for k in i..<(i + n) {
                    let d = Int(b[k]) - 48
                    guard d >= 0, d <= 9 else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            guard b.count >= 19, let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2),
                b[7] == UInt8(ascii: "-"), let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t")
                    || b[10] == UInt8(ascii: " "),
                let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
                let second = num(17, 2), (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            var i = 19
            var fractionMicros: Int64 = 0
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    if digits < 6 { fractionMicros = fractionMicros * 10 + Int64(b[i] - 0x30) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 6) { fractionMicros *= 10 }
            }
            var offsetSeconds = 0
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2)
                else { return nil }
                offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
                i += 6
            default:
                return nil
            }
            guard i == b.count else { return nil }
            let days = Int64(daysFromCivil(year, month, day))
            let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
            return seconds * 1_000_000 + fractionMicros
        }

        /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
        static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146_097 + doe - 719_468
        }
    }

    /// Parses Go/protobuf duration strings (`"5000ns"`, `"1.5s"`, `"2h45m"`, `"3µs"`) to microseconds.
    enum GoDuration {
        static func micros(_ s: String) -> Int64? {
            var b = Substring(s)
            var negative = false
            if b.first == "-" {
                negative = true
                b.removeFirst()
            } else if b.first == "+" {
                b.removeFirst()
            }
            if b == "0" { return 0 }
            var totalNanos = 0.0
            var any = false
            while !b.isEmpty {
                let number = b.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
                guard !number.isEmpty, let value = Double(number) else { return nil }
                b = b.dropFirst(number.count)
                let unit = b.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
                b = b.dropFirst(unit.count)
                let scale: Double
                switch unit {
                case "ns": scale = 1
                case "us", "µs", "μs": scale = 1_000
                case "ms": scale = 1_000_000
                case "s": scale = 1_000_000_000
                case "m": scale = 60_000_000_000
                case "h": scale = 3_600_000_000_000
                default: return nil
                }
                totalNanos += value * scale
                any = true
            }
            guard any, totalNanos.isFinite, totalNanos < 9.2e21 else { return nil }
            let micros = Int64((totalNanos / 1000).rounded(.towardZero))
            return negative ? -micros : micros
        }
    }
}
