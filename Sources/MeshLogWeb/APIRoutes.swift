import MeshLogAnalysis
import MeshLogStore

/// `/api/…`: the Jaeger-compatible query API (``JaegerQueryAPI``; `/api/dependencies` from the service graph), and
/// `/api/meshlog/trace/ID` (a tree as `meshlog trace --json` prints it).
enum APIRoutes {
    static func respond(_ request: WebRequest, store: WebStore, path: String) throws -> WebResponse {
        if path.hasPrefix("/api/meshlog/trace/") {
            let id = String(path.dropFirst("/api/meshlog/trace/".count))
            let (reader, _) = try store.traceReader()
            guard let tree = try TraceLoader(reader: reader).load(id) else {
                throw WebError.notFound("no span or access-log line has trace id or x-request-id '\(id)'")
            }
            let shown = tree.mappingLineIDs((reader as? ClickHouseTraceReader)?.snapshot.viewIDs ?? [:])
            return .json(TraceRenderer(full: true).json(shown))
        }
        if path == "/api/dependencies" { return try dependencies(request, store: store) }
        // Jaeger's query API (services, operations, trace search, traces by id), on a reader of this request's own.
        let (reader, _) = try store.traceReader()
        let answer = JaegerQueryAPI(reader: reader).respond(path: path, query: request.query.map { ($0.name, $0.value) })
        return WebResponse(status: answer.status, contentType: answer.contentType + "; charset=utf-8", body: answer.body)
    }

    /// Jaeger's `/api/dependencies?endTs=&lookback=` (ms since the epoch, ms): the calls between services over the
    /// window, from the access logs' service graph — `[{"parent", "child", "callCount"}]`, a caller workload named
    /// by its service (or as logged, for callers outside the mesh). Without `endTs`, the store's newest line; without
    /// `lookback`, the whole store.
    static func dependencies(_ request: WebRequest, store: WebStore) throws -> WebResponse {
        func milliseconds(_ name: String) throws -> Int64? {
            guard let raw = request.value(name) else { return nil }
            guard let v = Int64(raw), v >= 0 else { throw WebError.badRequest("\(name) must be milliseconds (got \(raw))") }
            return v
        }
        let end = try milliseconds("endTs"), lookback = try milliseconds("lookback")
        var probe = request
        probe.query = []
        let whole = try store.session(probe, whole: true)
        let until = end.map { $0 * 1000 } ?? (whole.span.map { $0.last + 1 } ?? 0)
        var windowed = request
        windowed.query = request.query.filter { $0.name == "service" }
        if let lookback { windowed.query.append(("since", AnswerFormat.timestamp(until - lookback * 1000))) }
        if end != nil { windowed.query.append(("until", AnswerFormat.timestamp(until))) }
        let session = try store.session(windowed)
        let services = try session.reader.workloadServices(filter: session.filter)
        var calls: [String: [String: Int]] = [:]
        for e in try session.reader.graphEdges(filter: session.filter) {
            guard let child = e.service else { continue }
            calls[services[e.source] ?? e.source, default: [:]][child, default: 0] += e.requests
        }
        var rows: [String] = []
        for parent in calls.keys.sorted() {
            for (child, n) in calls[parent]!.sorted(by: { $0.key < $1.key }) {
                rows.append("{\"parent\":\(HTML.jsonString(parent)),\"child\":\(HTML.jsonString(child)),\"callCount\":\(n)}")
            }
        }
        return .json("{\"data\":[" + rows.joined(separator: ",") + "],\"total\":\(rows.count),\"limit\":0,\"offset\":0,\"errors\":null}\n")
    }
}
