import MeshLogAnalysis
import MeshLogStore

/// `/api/…`: the Jaeger-compatible query API (``JaegerQueryAPI``), and `/api/meshlog/trace/ID` (a tree as
/// `meshlog trace --json` prints it).
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
        // Jaeger's query API (services, operations, trace search, traces by id), on a reader of this request's own.
        let (reader, _) = try store.traceReader()
        let answer = JaegerQueryAPI(reader: reader).respond(path: path, query: request.query.map { ($0.name, $0.value) })
        return WebResponse(status: answer.status, contentType: answer.contentType + "; charset=utf-8", body: answer.body)
    }
}
