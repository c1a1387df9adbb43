import MeshLogCore
import Foundation

/// The span file formats `meshlog generate --spans` writes.
public enum GeneratedSpanFormat: String, CaseIterable, Sendable {
    /// One Zipkin v2 JSON array of all spans.
    case zipkin
    /// OTLP JSON, one `TracesData` object per request and line (the file exporter's JSON Lines).
    case otlp
}

/// The spans Envoy sidecars would report for a generated request: per hop a CLIENT span from the caller's sidecar
/// and a SERVER span from the callee's sidecar for every attempt that reached it, with Envoy's tags
/// (`guid:x-request-id`, `upstream_cluster`, `http.status_code` as a string, `response_flags`, `node_id`, …).
///
/// Ids are derived from the request id, so the same generator run gives the same spans.
public enum GeneratedSpans {
    /// The spans of one request, parents before children.
    public static func spans(for request: GeneratedRequest) -> [Span] {
        let traceID = hex(hash(request.requestID, 1)) + hex(hash(request.requestID, 2))
        var out: [Span] = []
        func visit(_ call: GeneratedCall, parent: String?) {
            let clientID = hex(hash(request.requestID, 1000 + UInt64(call.index) * 64))
            let callee = call.calleeService ?? "unknown"
            let cluster = "outbound|8080|\(call.calleeSubset ?? "")|\(callee).\(call.calleeNamespace).svc.cluster.local"
            let name = "\(callee).\(call.calleeNamespace).svc.cluster.local:8080/*"
            var tags: [String: String] = [
                "guid:x-request-id": request.requestID, "upstream_cluster": cluster, "upstream_cluster.name": cluster,
                "http.method": call.method, "http.url": "http://\(callee)\(call.path)", "http.protocol": "HTTP/1.1",
                "http.status_code": String(call.statusCode),
                "response_flags": call.responseFlags.isEmpty ? "-" : call.responseFlags.joined(separator: ","),
                "node_id": "sidecar~0.0.0.0~\(call.callerPod).\(call.callerNamespace)~\(call.callerNamespace).svc.cluster.local",
                "component": "proxy", "istio.canonical_service": service(of: call.callerWorkload),
                "istio.namespace": call.callerNamespace,
            ]
            if call.statusCode >= 500 { tags["error"] = "true" }
            out.append(Span(traceID: traceID, spanID: clientID, parentID: parent, service: service(of: call.callerWorkload),
                            name: name, kind: .client, startMicros: call.clientStartMicros,
                            durationMicros: call.clientDurationMicros,
                            status: SpanStatus.classifying(httpStatus: call.statusCode, kind: .client),
                            httpStatus: call.statusCode, requestID: request.requestID, attributes: tags))
            var lastServer: String?
            for (k, attempt) in call.attempts.enumerated() where attempt.reachedServer {
                let serverID = hex(hash(request.requestID, 1000 + UInt64(call.index) * 64 + 1 + UInt64(k)))
                let code = attempt.serverStatusCode ?? 0
                var stags = tags
                stags["http.status_code"] = String(code)
                stags["response_flags"] = attempt.serverFlags.isEmpty ? "-" : attempt.serverFlags.joined(separator: ",")
                stags["upstream_cluster"] = "inbound|8080||"
                stags["upstream_cluster.name"] = "inbound|8080||"
                stags["node_id"] = "sidecar~0.0.0.0~\(attempt.pod ?? "?").\(call.calleeNamespace)~\(call.calleeNamespace).svc.cluster.local"
                stags["istio.canonical_service"] = callee
                stags["istio.namespace"] = call.calleeNamespace
                stags["error"] = code >= 500 || code == 0 ? "true" : nil
                out.append(Span(traceID: traceID, spanID: serverID, parentID: clientID, service: callee, name: name,
                                kind: .server, startMicros: attempt.serverStartMicros ?? attempt.startMicros,
                                durationMicros: attempt.serverDurationMicros ?? 0,
                                status: code == 0 ? .error : SpanStatus.classifying(httpStatus: code, kind: .server),
                                httpStatus: code, requestID: request.requestID, attributes: stags))
                lastServer = serverID
            }
            for child in call.children { visit(child, parent: lastServer ?? clientID) }
        }
        visit(request.root, parent: nil)
        return out
    }

    /// `frontend-v1` → `frontend`; `istio-ingressgateway` stays.
    static func service(of workload: String) -> String {
        if let r = workload.range(of: #"-v\d+$"#, options: .regularExpression) { return String(workload[..<r.lowerBound]) }
        return workload
    }

    static func hash(_ s: String, _ salt: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (salt &* 0x9E37_79B9_7F4A_7C15)
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h == 0 ? 1 : h
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// A Zipkin v2 JSON span object.
    public static func zipkinJSON(_ s: Span) -> String {
        var o = "{\"traceId\":\"\(s.traceID)\",\"id\":\"\(s.spanID)\""
        if let p = s.parentID { o += ",\"parentId\":\"\(p)\"" }
        o += ",\"kind\":\"\(s.kind == .client ? "CLIENT" : "SERVER")\",\"name\":"
        Span.appendJSONString(s.name, to: &o)
        o += ",\"timestamp\":\(s.startMicros ?? 0),\"duration\":\(s.durationMicros ?? 0)"
        o += ",\"localEndpoint\":{\"serviceName\":"
        Span.appendJSONString(s.service ?? "", to: &o)
        o += "},\"tags\":" + s.attributesJSON + "}"
        return o
    }

    /// An OTLP JSON `TracesData` object for the spans of one request (one resource per service).
    public static func otlpJSON(_ spans: [Span]) -> String {
        var byService: [(String, [Span])] = []
        for s in spans {
            let name = s.service ?? ""
            if let k = byService.firstIndex(where: { $0.0 == name }) { byService[k].1.append(s) } else { byService.append((name, [s])) }
        }
        var o = "{\"resourceSpans\":["
        for (k, (service, group)) in byService.enumerated() {
            if k > 0 { o += "," }
            o += "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
            Span.appendJSONString(service, to: &o)
            o += "}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"envoy\"},\"spans\":["
            for (j, s) in group.enumerated() {
                if j > 0 { o += "," }
                o += "{\"traceId\":\"\(s.traceID)\",\"spanId\":\"\(s.spanID)\",\"parentSpanId\":\"\(s.parentID ?? "")\""
                o += ",\"name\":"
                Span.appendJSONString(s.name, to: &o)
                let start = (s.startMicros ?? 0) * 1000
                o += ",\"kind\":\(s.kind == .client ? 3 : 2),\"startTimeUnixNano\":\"\(start)\""
                o += ",\"endTimeUnixNano\":\"\(start + (s.durationMicros ?? 0) * 1000)\",\"attributes\":["
                for (a, key) in s.attributes.keys.sorted().enumerated() {
                    if a > 0 { o += "," }
                    o += "{\"key\":"
                    Span.appendJSONString(key, to: &o)
                    o += ",\"value\":{\"stringValue\":"
                    Span.appendJSONString(s.attributes[key]!, to: &o)
                    o += "}}"
                }
                o += "],\"status\":{" + (s.status == .error ? "\"code\":2" : "") + "}}"
            }
            o += "]}]}"
        }
        return o + "]}"
    }
}

/// Writes generated spans to a file, request by request.
public final class GeneratedSpanWriter {
    private let writer: GeneratedLogWriter
    public let format: GeneratedSpanFormat
    private var first = true
    public private(set) var spansWritten = 0

    public init(path: String, format: GeneratedSpanFormat) throws {
        self.format = format
        writer = try GeneratedLogWriter(path: path, gzip: path.hasSuffix(".gz"))
        if format == .zipkin { try writer.write("[") }
    }

    public func write(_ request: GeneratedRequest) throws {
        let spans = GeneratedSpans.spans(for: request)
        spansWritten += spans.count
        switch format {
        case .zipkin:
            for s in spans {
                try writer.write((first ? "" : ",") + GeneratedSpans.zipkinJSON(s))
                first = false
            }
        case .otlp:
            try writer.write(GeneratedSpans.otlpJSON(spans))
        }
    }

    public func finish() throws {
        if format == .zipkin { try writer.write("]") }
        try writer.finish()
    }
}

extension TrafficGenerator {
    /// Like ``forEachLineInCompletionOrder(_:)``, also handing each request to `onRequest` as it is generated
    /// (for writing its spans).
    public func forEachLineInCompletionOrder(
        onRequest: (GeneratedRequest) throws -> Void, _ body: (GeneratedLine) throws -> Void
    ) rethrows {
        var merger = CompletionOrderMerger()
        while let request = nextRequest() {
            try onRequest(request)
            try merger.add(request, emit: body)
        }
        try merger.finish(emit: body)
    }
}
