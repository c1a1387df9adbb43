/// The records of many requests and traces read at once (``TraceReader/records(requests:traces:)``): for each
/// request asked, its lines and the traces its spans name; for each trace asked, its spans and lines; each list
/// as the one-at-a-time method returns it.
public struct TraceRecordBatch: Sendable {
    /// ``TraceReader/logLines(request:)`` of each request asked.
    public var linesByRequest: [String: [TraceLogLine]] = [:]
    /// ``TraceReader/traces(request:)`` of each request asked.
    public var tracesByRequest: [String: [String]] = [:]
    /// ``TraceReader/spans(trace:)`` of each trace asked.
    public var spansByTrace: [String: [TraceSpan]] = [:]
    /// ``TraceReader/logLines(trace:)`` of each trace asked.
    public var linesByTrace: [String: [TraceLogLine]] = [:]

    public init() {}

    /// Adds what `other` holds (a request or trace in both keeps the first answer).
    public mutating func merge(_ other: TraceRecordBatch) {
        linesByRequest.merge(other.linesByRequest) { a, _ in a }
        tracesByRequest.merge(other.tracesByRequest) { a, _ in a }
        spansByTrace.merge(other.spansByTrace) { a, _ in a }
        linesByTrace.merge(other.linesByTrace) { a, _ in a }
    }

    /// The requests and traces the records name that were not asked for: the next round of a closure over
    /// the join (spans name request ids, lines and request ids name traces).
    public func named() -> (requests: [String], traces: [String]) {
        var requests: [String] = [], traces: [String] = []
        var seenRequests = Set<String>(), seenTraces = Set<String>()
        func request(_ r: String?) {
            if let r, linesByRequest[r] == nil, seenRequests.insert(r).inserted { requests.append(r) }
        }
        func trace(_ t: String?) {
            if let t, spansByTrace[t] == nil, seenTraces.insert(t).inserted { traces.append(t) }
        }
        for lines in linesByRequest.values { for l in lines { trace(l.traceID) } }
        for ts in tracesByRequest.values { for t in ts { trace(t) } }
        for spans in spansByTrace.values { for s in spans { request(s.requestID) } }
        for lines in linesByTrace.values { for l in lines { request(l.requestID) } }
        return (requests.sorted(), traces.sorted())
    }
}

/// A ``TraceReader`` that answers from a ``TraceRecordBatch`` for the requests and traces it holds, and asks
/// `fallback` for the rest (and for searches): a tree built through it is the tree built through `fallback`.
public final class BatchedTraceReader: TraceReader {
    /// What was read at once.
    public let batch: TraceRecordBatch
    /// The store, for what the batch does not hold.
    public let fallback: any TraceReader

    public init(batch: TraceRecordBatch, fallback: any TraceReader) {
        self.batch = batch
        self.fallback = fallback
    }

    public func spans(trace: String) throws -> [TraceSpan] {
        try batch.spansByTrace[trace] ?? fallback.spans(trace: trace)
    }

    public func traces(request: String) throws -> [String] {
        try batch.tracesByRequest[request] ?? fallback.traces(request: request)
    }

    public func logLines(request: String) throws -> [TraceLogLine] {
        try batch.linesByRequest[request] ?? fallback.logLines(request: request)
    }

    public func logLines(trace: String) throws -> [TraceLogLine] {
        try batch.linesByTrace[trace] ?? fallback.logLines(trace: trace)
    }

    public func records(requests: [String], traces: [String]) throws -> TraceRecordBatch {
        try fallback.records(requests: requests, traces: traces)
    }

    public func failingRequests(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        try fallback.failingRequests(sinceUs: sinceUs, untilUs: untilUs, limit: limit)
    }

    public func failingTraces(sinceUs: Int64?, untilUs: Int64?, limit: Int) throws -> [String] {
        try fallback.failingTraces(sinceUs: sinceUs, untilUs: untilUs, limit: limit)
    }

    public func searchRequests(_ filter: TraceFilter) throws -> [TraceSummary] { try fallback.searchRequests(filter) }
    public func searchSpanTraces(_ filter: TraceFilter) throws -> [TraceSummary] { try fallback.searchSpanTraces(filter) }
    public func newestStart() throws -> Int64 { try fallback.newestStart() }
    public func services() throws -> [String] { try fallback.services() }
    public func operations(service: String, limit: Int) throws -> [String] { try fallback.operations(service: service, limit: limit) }
}

/// Calls `body` with consecutive slices of `items`, at most `size` each (statements of at most that many ids).
func forEachChunk<T>(_ items: [T], size: Int = 500, _ body: (ArraySlice<T>) throws -> Void) rethrows {
    var start = 0
    while start < items.count {
        let end = min(start + size, items.count)
        try body(items[start..<end])
        start = end
    }
}
