import MeshLogCore
/// One edge request through the mesh: its request id, the ground-truth call tree and every access-log line it caused.
public struct GeneratedRequest: Sendable {
    /// The x-request-id (UUID v4, lowercase) carried through every hop.
    public let requestID: String
    /// The 0-based position of this request in the generated sequence.
    public let sequenceNumber: Int
    /// The external client's address (the gateway's X-Forwarded-For value).
    public let clientAddress: String
    /// When the request reached the gateway, in microseconds since the epoch.
    public let startMicros: Int64
    /// The gateway's hop to the frontend (or, for an unroutable request, the gateway's `404 NR` reply).
    public let root: GeneratedCall
    /// Every line logged for this request, in completion order (end time, then logging order).
    public let lines: [GeneratedLine]

    /// Creates a request.
    public init(requestID: String, sequenceNumber: Int, clientAddress: String, startMicros: Int64, root: GeneratedCall, lines: [GeneratedLine]) {
        self.requestID = requestID
        self.sequenceNumber = sequenceNumber
        self.clientAddress = clientAddress
        self.startMicros = startMicros
        self.root = root
        self.lines = lines
    }

    /// All calls of the tree in pre-order (the root first); `calls[i].index == i`.
    public var calls: [GeneratedCall] {
        var out: [GeneratedCall] = []
        func visit(_ call: GeneratedCall) {
            out.append(call)
            for child in call.children { visit(child) }
        }
        visit(root)
        return out
    }

    /// When the last line of the request was written.
    public var endMicros: Int64 { lines.last?.endTimeMicros ?? startMicros }
}

/// Ground truth for one hop: a caller's request to a service, with its retries, timing, outcome and sub-calls.
///
/// Times are microseconds since the epoch. The client side is what the caller's sidecar logs on its outbound line;
/// the server side is what the callee's sidecar logs on its inbound line for the final attempt. A hop that never
/// reached an application (`UF`, `UH`, `UO`, `FI`, `NR`) has no server side and no children.
public struct GeneratedCall: Sendable {
    /// This call's pre-order index within its request (the root is 0). Lines refer to calls by this index.
    public let index: Int
    /// The calling workload, e.g. `frontend-v1` or `istio-ingressgateway`.
    public let callerWorkload: String
    /// The calling pod, whose sidecar writes the outbound line.
    public let callerPod: String
    /// The calling pod's namespace.
    public let callerNamespace: String
    /// The service called, e.g. `course`; nil when no route matched (`404 NR`).
    public let calleeService: String?
    /// The callee's namespace.
    public let calleeNamespace: String
    /// The version chosen by the route, e.g. `v2`.
    public let calleeSubset: String?
    /// The Deployment of the chosen version, e.g. `course-v2`.
    public let calleeWorkload: String?
    /// The pod of the last attempt, if one was chosen (nil for `UH`, `FI`, `NR`).
    public let calleePod: String?
    /// The HTTP method.
    public let method: String
    /// The request path including any query string.
    public let path: String
    /// The route template with every identifier replaced by `{id}` and no query, e.g. `/courses/{id}/lessons/{id}`.
    public let routeTemplate: String
    /// The status code on the caller's outbound line (`0` never appears here).
    public let statusCode: Int
    /// The response flags on the caller's outbound line, e.g. `["UF", "URX"]`.
    public let responseFlags: [String]
    /// The response code details on the caller's outbound line, e.g. `via_upstream`.
    public let responseCodeDetails: String
    /// The upstream attempts, first to last (empty for `UH`, `FI`, `NR`).
    public let attempts: [GeneratedAttempt]
    /// When the caller's sidecar received the request (the outbound line's start time).
    public let clientStartMicros: Int64
    /// The outbound line's duration.
    public let clientDurationMicros: Int64
    /// The inbound start time of the last attempt that reached an application, if any.
    public let serverStartMicros: Int64?
    /// The inbound duration of the last attempt that reached an application, if any.
    public let serverDurationMicros: Int64?
    /// The delay added by fault injection (`DI`), 0 if none.
    public let injectedDelayMicros: Int64
    /// The calls the callee made while serving the final attempt, in the order the application issued them.
    public let children: [GeneratedCall]

    /// Creates a call.
    public init(
        index: Int, callerWorkload: String, callerPod: String, callerNamespace: String,
        calleeService: String?, calleeNamespace: String, calleeSubset: String?, calleeWorkload: String?, calleePod: String?,
        method: String, path: String, routeTemplate: String, statusCode: Int, responseFlags: [String], responseCodeDetails: String,
        attempts: [GeneratedAttempt], clientStartMicros: Int64, clientDurationMicros: Int64,
        serverStartMicros: Int64?, serverDurationMicros: Int64?, injectedDelayMicros: Int64, children: [GeneratedCall]
    ) {
        self.index = index
        self.callerWorkload = callerWorkload
        self.callerPod = callerPod
        self.callerNamespace = callerNamespace
        self.calleeService = calleeService
        self.calleeNamespace = calleeNamespace
        self.calleeSubset = calleeSubset
        self.calleeWorkload = calleeWorkload
        self.calleePod = calleePod
        self.method = method
        self.path = path
        self.routeTemplate = routeTemplate
        self.statusCode = statusCode
        self.responseFlags = responseFlags
        self.responseCodeDetails = responseCodeDetails
        self.attempts = attempts
        self.clientStartMicros = clientStartMicros
        self.clientDurationMicros = clientDurationMicros
        self.serverStartMicros = serverStartMicros
        self.serverDurationMicros = serverDurationMicros
        self.injectedDelayMicros = injectedDelayMicros
        self.children = children
    }

    /// When the outbound line was written.
    public var clientEndMicros: Int64 { clientStartMicros + clientDurationMicros }

    /// When the inbound line of the last attempt that reached an application was written, if there is one.
    public var serverEndMicros: Int64? {
        guard let start = serverStartMicros, let duration = serverDurationMicros else { return nil }
        return start + duration
    }

    /// Whether the caller saw a failure (5xx).
    public var isServerError: Bool { statusCode >= 500 }

    /// The number of inbound lines this call produced (one per attempt that reached an application).
    public var inboundLineCount: Int { attempts.reduce(0) { $0 + ($1.reachedServer ? 1 : 0) } }
}

/// One upstream attempt of a call (Envoy's first try or a retry).
public struct GeneratedAttempt: Sendable {
    /// The pod the attempt was sent to, if one was chosen.
    public let pod: String?
    /// `podIP:targetPort`, the outbound `%UPSTREAM_HOST%`.
    public let upstreamHost: GeneratedAddress?
    /// When the caller's sidecar started this attempt.
    public let startMicros: Int64
    /// The caller sidecar's connection address (`%UPSTREAM_LOCAL_ADDRESS%`); nil when the connection failed.
    /// It equals the inbound line's `%DOWNSTREAM_REMOTE_ADDRESS%`: the join key of the hop.
    public let upstreamLocal: GeneratedAddress?
    /// Whether the callee's sidecar logged an inbound line for this attempt.
    public let reachedServer: Bool
    /// The inbound line's start time.
    public let serverStartMicros: Int64?
    /// The inbound line's duration.
    public let serverDurationMicros: Int64?
    /// The inbound line's status code (`0` when the caller gave up, with flag `DC`).
    public let serverStatusCode: Int?
    /// The inbound line's flags.
    public let serverFlags: [String]

    /// Creates an attempt.
    public init(pod: String?, upstreamHost: GeneratedAddress?, startMicros: Int64, upstreamLocal: GeneratedAddress?, reachedServer: Bool,
                serverStartMicros: Int64?, serverDurationMicros: Int64?, serverStatusCode: Int?, serverFlags: [String]) {
        self.pod = pod
        self.upstreamHost = upstreamHost
        self.startMicros = startMicros
        self.upstreamLocal = upstreamLocal
        self.reachedServer = reachedServer
        self.serverStartMicros = serverStartMicros
        self.serverDurationMicros = serverDurationMicros
        self.serverStatusCode = serverStatusCode
        self.serverFlags = serverFlags
    }
}

/// One rendered access-log line, with the pod whose sidecar wrote it and the ground truth it came from.
public struct GeneratedLine: Sendable {
    /// Which side of a hop a line was logged on.
    public enum Direction: String, Sendable {
        /// The caller's sidecar (or the gateway) logged it: cluster `outbound|…`.
        case outbound
        /// The callee's sidecar logged it: cluster `inbound|…`.
        case inbound
    }

    /// The pod whose sidecar (or gateway) wrote the line.
    public let pod: String
    /// The pod's namespace.
    public let namespace: String
    /// When the line was written (start + duration), in microseconds since the epoch.
    public let endTimeMicros: Int64
    /// The rendered line, without the trailing newline.
    public let text: String
    /// The side of the hop.
    public let direction: Direction
    /// The `GeneratedCall.index` of the hop within its request.
    public let callIndex: Int
    /// For inbound lines, the 0-based attempt this line belongs to; nil for outbound lines.
    public let attempt: Int?
    /// The values the line was rendered from.
    public let record: GeneratedLogRecord

    /// Creates a line.
    public init(pod: String, namespace: String, endTimeMicros: Int64, text: String, direction: Direction,
                callIndex: Int, attempt: Int?, record: GeneratedLogRecord) {
        self.pod = pod
        self.namespace = namespace
        self.endTimeMicros = endTimeMicros
        self.text = text
        self.direction = direction
        self.callIndex = callIndex
        self.attempt = attempt
        self.record = record
    }
}
