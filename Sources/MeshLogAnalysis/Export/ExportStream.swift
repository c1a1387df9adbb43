/// Groups traces into export requests of bounded size: at most `maxTraces` traces and about `maxSpans` spans
/// each (a larger trace is split across requests, as OTLP allows).
public struct ExportBatcher {
    public let maxTraces: Int
    public let maxSpans: Int
    private var pending: [[ExportSpan]] = []
    private var pendingSpans = 0

    /// Batches of at most 100 traces and 10,000 spans (about 4 MB of OTLP protobuf) by default.
    public init(maxTraces: Int = 100, maxSpans: Int = 10_000) {
        self.maxTraces = max(1, maxTraces)
        self.maxSpans = max(1, maxSpans)
    }

    /// Adds one trace's spans; returns the batches that are full.
    public mutating func add(_ trace: [ExportSpan]) -> [[[ExportSpan]]] {
        var ready: [[[ExportSpan]]] = []
        var start = 0
        while start < trace.count {
            let room = maxSpans - pendingSpans
            if room <= 0 || pending.count >= maxTraces {
                ready.append(pending)
                pending = []
                pendingSpans = 0
                continue
            }
            let end = min(trace.count, start + room)
            pending.append(Array(trace[start..<end]))
            pendingSpans += end - start
            start = end
        }
        if pending.count >= maxTraces || pendingSpans >= maxSpans {
            ready.append(pending)
            pending = []
            pendingSpans = 0
        }
        return ready
    }

    /// The last, partly filled batch (nil when nothing is pending).
    public mutating func finish() -> [[ExportSpan]]? {
        defer { pending = []; pendingSpans = 0 }
        return pending.isEmpty ? nil : pending
    }
}

/// Writes traces to a file or stdout in one ``ExportFormat`` as they come, in bounded memory: Jaeger's
/// `{"data":[…]}` and Zipkin's span array are streamed trace by trace; OTLP JSON is one
/// `ExportTraceServiceRequest` per batch of ``ExportBatcher``, one a line (the OpenTelemetry file exporter's
/// JSON Lines; a small export is a single JSON document); OTLP protobuf batches are concatenated (one merged
/// `ExportTraceServiceRequest`).
public struct ExportStream {
    public let format: ExportFormat
    private var batcher = ExportBatcher()
    private var traces = 0
    private var spansWritten = 0

    /// A stream of `format`.
    public init(format: ExportFormat) { self.format = format }

    /// How many traces were added.
    public var traceCount: Int { traces }
    /// How many spans were added.
    public var spanCount: Int { spansWritten }

    /// Adds one trace; returns the bytes to write now (possibly none).
    public mutating func add(_ trace: [ExportSpan]) -> [UInt8] {
        defer { traces += 1; spansWritten += trace.count }
        switch format {
        case .jaeger:
            var o = JSONOut(capacity: trace.count * 600 + 16)
            o.raw(traces == 0 ? "{\"data\":[" : ",\n")
            JaegerJSONEncoder.trace(trace, &o)
            return o.bytes
        case .zipkin:
            var bytes = ZipkinJSONEncoder.encode(trace)
            guard !bytes.isEmpty else { return [] }
            bytes.removeLast(2)  // "]\n"
            if spansWritten > 0, !trace.isEmpty { bytes[0] = 44 }  // "[" → ","
            return bytes
        case .otlpJSON, .otlpProtobuf:
            return batcher.add(trace).flatMap { format.encode($0) }
        }
    }

    /// The bytes that end the document.
    public mutating func finish() -> [UInt8] {
        switch format {
        case .jaeger:
            var o = JSONOut(capacity: 64)
            if traces == 0 { o.raw("{\"data\":[") }
            o.raw("],\"total\":"); o.int(Int64(traces)); o.raw(",\"limit\":0,\"offset\":0,\"errors\":null}\n")
            return o.bytes
        case .zipkin:
            return Array((spansWritten == 0 ? "[]\n" : "]\n").utf8)
        case .otlpJSON, .otlpProtobuf:
            if let last = batcher.finish() { return format.encode(last) }
            return spansWritten == 0 ? format.encode([]) : []
        }
    }
}
