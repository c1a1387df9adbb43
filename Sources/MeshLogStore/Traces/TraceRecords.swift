/// One access-log line of a request, as `meshlog trace` reads it from the `access_log` view.
public struct TraceLogLine: Sendable, Equatable {
    public var id: Int64
    public var startUs: Int64
    public var durationMs: Int64
    public var upstreamMs: Int64?
    public var reporter: String
    public var inbound: Bool
    public var method: String
    public var path: String
    public var route: String?
    public var status: Int64
    public var flags: String
    public var service: String?
    public var upstreamLocal: String?
    public var downstreamLocal: String?
    public var downstreamRemote: String?
    public var requestID: String?
    public var traceID: String?
    /// The upstream host (`ip:port`) an outbound line called; nil when not logged.
    public var upstreamHost: String?
    /// The Envoy cluster an outbound line went through (`outbound|8080||course.lms.svc.cluster.local`).
    public var upstreamCluster: String?
    /// Envoy's `%RESPONSE_CODE_DETAILS%` (`upstream_reset_before_response_started{connection_failure}`).
    public var details: String?
    /// The destination subset the caller's cluster names (`v2`).
    public var subset: String?

    public init(id: Int64, startUs: Int64, durationMs: Int64, upstreamMs: Int64?, reporter: String, inbound: Bool,
                method: String, path: String, route: String?, status: Int64, flags: String, service: String?,
                upstreamLocal: String?, downstreamLocal: String?, downstreamRemote: String?, requestID: String?,
                traceID: String?, upstreamHost: String? = nil, upstreamCluster: String? = nil, details: String? = nil,
                subset: String? = nil) {
        self.id = id
        self.startUs = startUs
        self.durationMs = durationMs
        self.upstreamMs = upstreamMs
        self.reporter = reporter
        self.inbound = inbound
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.flags = flags == "-" ? "" : flags
        self.service = service
        self.upstreamLocal = upstreamLocal
        self.downstreamLocal = downstreamLocal
        self.downstreamRemote = downstreamRemote
        self.requestID = requestID
        self.traceID = traceID
        self.upstreamHost = upstreamHost
        self.upstreamCluster = upstreamCluster
        self.details = details
        self.subset = subset
    }
}

/// One span of a trace as `meshlog trace` reads it from `span_entry`.
public struct TraceSpan: Sendable, Equatable {
    public var traceID: String
    public var spanID: String
    public var parentID: String?
    public var service: String
    public var name: String
    public var kind: String
    public var shared: Bool
    public var startUs: Int64
    public var durationUs: Int64
    public var status: String
    public var httpStatus: Int64?
    public var requestID: String?
    public var attributes: String?

    public init(traceID: String, spanID: String, parentID: String?, service: String, name: String, kind: String,
                shared: Bool, startUs: Int64, durationUs: Int64, status: String, httpStatus: Int64?,
                requestID: String?, attributes: String? = nil) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentID = parentID
        self.service = service
        self.name = name
        self.kind = kind
        self.shared = shared
        self.startUs = startUs
        self.durationUs = durationUs
        self.status = status
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.attributes = attributes
    }
}
