import MeshLogStore

/// The logic of Jaeger's query HTTP API (jaeger `cmd/query/app/http_handler.go`) over a meshlog store, so that
/// Grafana's Jaeger data source and Jaeger UI can browse it. Pure: the web server passes the path and the decoded
/// query parameters of a GET and sends back the status and JSON body.
///
/// Answers use jaeger-query's envelope `{"data":…,"total":N,"limit":0,"offset":0,"errors":null}`, traces Jaeger's
/// UI model (``JaegerJSONEncoder``, spans as `meshlog export` builds them); errors are
/// `{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"…"}]}` with that HTTP status.
///
/// Endpoints and the parameters honoured:
/// - `GET /api/services`: the callee services of access-log lines and the services of spans.
/// - `GET /api/services/{service}/operations` (names) and `GET /api/operations?service=` (`{name, spanKind}`
///   objects, spanKind empty): `METHOD route` of the service's lines and its span names, at most 1,000.
/// - `GET /api/traces`: `service` (required), `operation` (some span has that name), `tags` (a JSON object,
///   e.g. `{"http.status_code":"503","error":"true"}`, and/or repeated `tag=key:value`: one span holds them all,
///   `http.status_code` also matching `http.response.status_code`), `minDuration`/`maxDuration` (Go-style
///   durations: `100ms`, `1.5s`, of the whole trace), `limit` (default 20, at most 1,500), `start`/`end`
///   (µs since the epoch: traces that start in between), `lookback` (`1h`, `2d`; `custom` ignored) counted back
///   from `end`, or from the newest record of the store when there is no `end` (not from now: a store holds
///   the past). `traceID` (repeatable) fetches those traces instead of searching. Others (`spanKind`, …) are
///   ignored.
/// - `GET /api/traces/{id}`: a trace id (16 or 32 hex) or an x-request-id; the trace ids meshlog gives requests
///   rebuilt from access logs (their x-request-id's UUID) lead back to them.
///
/// Not thread-safe: a reader holds one store connection, so a server calls one API value from one thread at a
/// time (a lock around `respond`, or one reader per connection).
public struct JaegerQueryAPI {
    /// An HTTP answer: status and JSON body.
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]
        /// Always `application/json`.
        public var contentType: String { "application/json" }

        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    /// Where the answers come from.
    public let reader: any TraceReader

    /// An API over any store.
    public init(reader: any TraceReader) { self.reader = reader }

    /// The most traces a search returns.
    public static let maxLimit = 1500

    /// Answers `GET path?query`; `path` without the query string, `query` as decoded name/value pairs in order.
    /// Paths other than the endpoints above answer 404; a store failure answers 500.
    public func respond(path: String, query: [(String, String)]) -> Response {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecoded(String($0)) }
        do {
            switch parts.count {
            case 2 where parts == ["api", "services"]: return try services()
            case 4 where parts[0] == "api" && parts[1] == "services" && parts[3] == "operations": return try operations(service: parts[2])
            case 2 where parts == ["api", "operations"]:
                guard let service = Self.value("service", query) else { return Self.error(400, "parameter 'service' is required") }
                return try operations(service: service, objects: true)
            case 2 where parts == ["api", "traces"]: return try searchTraces(query: query)
            case 3 where parts[0] == "api" && parts[1] == "traces": return try trace(id: parts[2])
            default: return Self.error(404, "no such endpoint: \(path)")
            }
        } catch {
            return Self.error(500, "the store failed: \(error)")
        }
    }

    /// `GET /api/services`.
    public func services() throws -> Response {
        let names = try reader.services()
        return Self.envelope(names.count) { o in Self.strings(names, &o) }
    }

    /// `GET /api/services/{service}/operations` (names), or `GET /api/operations` (`objects`: `{name, spanKind}`).
    public func operations(service: String, objects: Bool = false) throws -> Response {
        let names = try reader.operations(service: service, limit: 1000)
        guard objects else { return Self.envelope(names.count) { o in Self.strings(names, &o) } }
        return Self.envelope(names.count) { o in
            o.byte(91)
            for (i, n) in names.enumerated() {
                if i > 0 { o.byte(44) }
                o.raw("{\"name\":"); o.string(n); o.raw(",\"spanKind\":\"\"}")
            }
            o.byte(93)
        }
    }

    /// `GET /api/traces/{id}`: 404 when the store knows no such trace or request.
    public func trace(id: String) throws -> Response {
        guard let spans = try load(id) else { return Self.error(404, "trace not found") }
        return Self.traces([spans])
    }

    /// The spans of trace or request `id`, nil when unknown.
    private func load(_ id: String) throws -> [ExportSpan]? {
        let loader = TraceLoader(reader: reader)
        if let loaded = try loader.loadRecords(id) { return TraceExporter().spans(loaded) }
        if let request = TraceExporter.requestID(fromTraceID: id), let loaded = try loader.loadRecords(request) {
            return TraceExporter().spans(loaded)
        }
        return nil
    }

    /// A search's parameters, read and checked.
    struct Search {
        var filter = TraceFilter()
        var operation: String?
        var tags: [(String, String)] = []
        var maxDurationUs: Int64?
        var limit = 20
    }

    /// Reads the parameters of `GET /api/traces`; the message of a 400 for a bad one.
    func search(_ query: [(String, String)]) throws -> Result<Search, JaegerQueryError> {
        var s = Search()
        func duration(_ name: String) -> Result<Int64?, JaegerQueryError> {
            guard let raw = Self.value(name, query) else { return .success(nil) }
            guard let us = TimeExpression.parseSpan(raw), us >= 0 else {
                return .failure(JaegerQueryError("cannot parse '\(name)' '\(raw)': use a duration such as 100ms or 1.5s"))
            }
            return .success(us)
        }
        func micros(_ name: String) -> Result<Int64?, JaegerQueryError> {
            guard let raw = Self.value(name, query) else { return .success(nil) }
            guard let v = Int64(raw) else {
                return .failure(JaegerQueryError("cannot parse '\(name)' '\(raw)': use microseconds since the epoch"))
            }
            return .success(v)
        }
        guard let service = Self.value("service", query) else { return .failure(JaegerQueryError("parameter 'service' is required")) }
        s.filter.services = [service]
        s.operation = Self.value("operation", query)
        if let raw = Self.value("limit", query) {
            guard let n = Int(raw), n >= 0 else { return .failure(JaegerQueryError("cannot parse 'limit' '\(raw)': use a whole number")) }
            s.limit = n == 0 ? 20 : min(n, Self.maxLimit)
        }
        do {
            s.filter.minDurationUs = try duration("minDuration").get()
            s.maxDurationUs = try duration("maxDuration").get()
            if let lo = s.filter.minDurationUs, let hi = s.maxDurationUs, hi < lo {
                return .failure(JaegerQueryError("'maxDuration' is less than 'minDuration'"))
            }
            let end = try micros("end").get()
            var start = try micros("start").get()
            if let raw = Self.value("lookback", query), raw != "custom", start == nil {
                guard let back = TimeExpression.parseSpan(raw) else {
                    return .failure(JaegerQueryError("cannot parse 'lookback' '\(raw)': use e.g. 1h or 2d"))
                }
                start = try (end ?? reader.newestStart() + 1) - back
            }
            if let start, let end, end < start { return .failure(JaegerQueryError("'end' is before 'start'")) }
            s.filter.sinceUs = start
            s.filter.untilUs = end
        } catch let e as JaegerQueryError {
            return .failure(e)
        }
        for (name, value) in query where name == "tags" {
            let pairs = FlatJSONObject.pairs(value)
            guard !pairs.isEmpty || value.filter({ !$0.isWhitespace }) == "{}" else {
                return .failure(JaegerQueryError("cannot parse 'tags' '\(value)': use a JSON object such as {\"error\":\"true\"}"))
            }
            s.tags += pairs
        }
        for (name, value) in query where name == "tag" {
            guard let colon = value.firstIndex(of: ":") else {
                return .failure(JaegerQueryError("cannot parse 'tag' '\(value)': use key:value"))
            }
            s.tags.append((String(value[..<colon]), String(value[value.index(after: colon)...])))
        }
        let filtered = s.operation != nil || !s.tags.isEmpty || s.maxDurationUs != nil
        s.filter.limit = filtered ? min(max(s.limit * 10, 200), 5000) : s.limit
        return .success(s)
    }

    /// `GET /api/traces?…` (or `?traceID=…`).
    public func searchTraces(query: [(String, String)]) throws -> Response {
        let ids = query.filter { $0.0 == "traceID" }.map(\.1)
        if !ids.isEmpty {
            return Self.traces(try ids.compactMap { try load($0) })
        }
        let s: Search
        switch try search(query) {
        case .success(let found): s = found
        case .failure(let e): return Self.error(400, e.message)
        }
        var found: [[ExportSpan]] = []
        if s.limit > 0 {
            try TraceExporter().export(from: reader, filter: s.filter, while: { spans in
                if Self.matches(spans, s) { found.append(spans) }
                return found.count < s.limit
            })
        }
        return Self.traces(found)
    }

    /// Whether a trace passes the filters the store did not apply: operation, tags, maxDuration.
    static func matches(_ spans: [ExportSpan], _ s: Search) -> Bool {
        if let op = s.operation, !spans.contains(where: { $0.name == op }) { return false }
        if let hi = s.maxDurationUs {
            let start = spans.map(\.startUs).min() ?? 0, end = spans.map(\.endUs).max() ?? 0
            if end - start > hi { return false }
        }
        guard !s.tags.isEmpty else { return true }
        return spans.contains { span in
            let tags = JaegerJSONEncoder.tags(span)
            return s.tags.allSatisfy { key, value in
                tags.contains { t in
                    (t.key == key || (key == "http.status_code" && t.key == "http.response.status_code")) && t.value.text == value
                }
            }
        }
    }

    // MARK: - JSON

    static func traces(_ traces: [[ExportSpan]]) -> Response {
        Response(status: 200, body: JaegerJSONEncoder.encode(traces))
    }

    static func strings(_ values: [String], _ o: inout JSONOut) {
        o.byte(91)
        for (i, v) in values.enumerated() {
            if i > 0 { o.byte(44) }
            o.string(v)
        }
        o.byte(93)
    }

    /// `{"data":<data>,"total":total,"limit":0,"offset":0,"errors":null}`.
    static func envelope(_ total: Int, _ data: (inout JSONOut) -> Void) -> Response {
        var o = JSONOut(capacity: 256)
        o.raw("{\"data\":")
        data(&o)
        o.raw(",\"total\":"); o.int(Int64(total)); o.raw(",\"limit\":0,\"offset\":0,\"errors\":null}\n")
        return Response(status: 200, body: o.bytes)
    }

    /// Jaeger's error answer with `status`.
    public static func error(_ status: Int, _ message: String) -> Response {
        var o = JSONOut(capacity: 128)
        o.raw("{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":"); o.int(Int64(status))
        o.raw(",\"msg\":"); o.string(message); o.raw("}]}\n")
        return Response(status: status, body: o.bytes)
    }

    /// The first value of parameter `name`, nil when absent or empty.
    static func value(_ name: String, _ query: [(String, String)]) -> String? {
        query.first { $0.0 == name && !$0.1.isEmpty }?.1
    }

    /// `%xx` escapes of a path segment decoded (invalid ones kept as they are).
    static func percentDecoded(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 37, i + 2 < b.count, let v = UInt8(String(decoding: b[i + 1...i + 2], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A query parameter the Jaeger API cannot use; answered as a 400.
public struct JaegerQueryError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
