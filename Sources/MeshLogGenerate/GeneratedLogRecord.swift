import MeshLogCore
/// An `ip:port` socket address as Envoy prints it (`10.244.1.7:8080`, `203.0.113.9:0`).
public struct GeneratedAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IPv4 address.
    public let ip: String
    /// The port (`0` for addresses inferred from X-Forwarded-For).
    public let port: Int

    /// Creates an address.
    public init(ip: String, port: Int) {
        self.ip = ip
        self.port = port
    }

    /// `ip:port`.
    public var description: String { "\(ip):\(port)" }
}

/// The values of one access-log entry, before rendering; one field per Envoy command operator.
///
/// `nil` means the operator has no value (rendered `-` in text, `null` in JSON). Durations are kept in
/// microseconds and rendered as Envoy does, truncated to whole milliseconds.
public struct GeneratedLogRecord: Sendable {
    /// `%START_TIME%`, microseconds since the epoch.
    public var startMicros: Int64
    /// `%REQ(:METHOD)%`.
    public var method: String
    /// `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`, including the query string.
    public var path: String
    /// `%PROTOCOL%` (`HTTP/1.1`, `HTTP/2`).
    public var protocolName: String
    /// `%RESPONSE_CODE%` (`0` when no response was sent downstream).
    public var responseCode: Int
    /// `%RESPONSE_FLAGS%` short names in Envoy's order, e.g. `["UF", "URX"]`; empty renders as `-`.
    public var responseFlags: [String]
    /// `%RESPONSE_CODE_DETAILS%`, e.g. `via_upstream`.
    public var responseCodeDetails: String?
    /// `%CONNECTION_TERMINATION_DETAILS%`.
    public var connectionTerminationDetails: String?
    /// `%UPSTREAM_TRANSPORT_FAILURE_REASON%`.
    public var upstreamTransportFailureReason: String?
    /// `%BYTES_RECEIVED%`.
    public var bytesReceived: Int
    /// `%BYTES_SENT%`.
    public var bytesSent: Int
    /// `%DURATION%` in microseconds (rendered in milliseconds).
    public var durationMicros: Int64
    /// `%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%` in milliseconds.
    public var upstreamServiceTimeMillis: Int?
    /// `%REQ(X-FORWARDED-FOR)%`.
    public var forwardedFor: String?
    /// `%REQ(USER-AGENT)%`.
    public var userAgent: String?
    /// `%REQ(X-REQUEST-ID)%`.
    public var requestID: String
    /// `%REQ(:AUTHORITY)%`.
    public var authority: String
    /// `%UPSTREAM_HOST%`.
    public var upstreamHost: GeneratedAddress?
    /// `%UPSTREAM_CLUSTER_RAW%`, e.g. `outbound|8080|v2|course.lms.svc.cluster.local` or `inbound|8080||`.
    public var upstreamCluster: String?
    /// `%UPSTREAM_LOCAL_ADDRESS%`.
    public var upstreamLocalAddress: GeneratedAddress?
    /// `%DOWNSTREAM_LOCAL_ADDRESS%`.
    public var downstreamLocalAddress: GeneratedAddress
    /// `%DOWNSTREAM_REMOTE_ADDRESS%`.
    public var downstreamRemoteAddress: GeneratedAddress
    /// `%REQUESTED_SERVER_NAME%` (the SNI).
    public var requestedServerName: String?
    /// `%ROUTE_NAME%`.
    public var routeName: String?

    /// Creates a record.
    public init(
        startMicros: Int64, method: String, path: String, protocolName: String, responseCode: Int,
        responseFlags: [String], responseCodeDetails: String?, connectionTerminationDetails: String? = nil,
        upstreamTransportFailureReason: String? = nil, bytesReceived: Int, bytesSent: Int, durationMicros: Int64,
        upstreamServiceTimeMillis: Int?, forwardedFor: String?, userAgent: String?, requestID: String, authority: String,
        upstreamHost: GeneratedAddress?, upstreamCluster: String?, upstreamLocalAddress: GeneratedAddress?,
        downstreamLocalAddress: GeneratedAddress, downstreamRemoteAddress: GeneratedAddress,
        requestedServerName: String?, routeName: String?
    ) {
        self.startMicros = startMicros
        self.method = method
        self.path = path
        self.protocolName = protocolName
        self.responseCode = responseCode
        self.responseFlags = responseFlags
        self.responseCodeDetails = responseCodeDetails
        self.connectionTerminationDetails = connectionTerminationDetails
        self.upstreamTransportFailureReason = upstreamTransportFailureReason
        self.bytesReceived = bytesReceived
        self.bytesSent = bytesSent
        self.durationMicros = durationMicros
        self.upstreamServiceTimeMillis = upstreamServiceTimeMillis
        self.forwardedFor = forwardedFor
        self.userAgent = userAgent
        self.requestID = requestID
        self.authority = authority
        self.upstreamHost = upstreamHost
        self.upstreamCluster = upstreamCluster
        self.upstreamLocalAddress = upstreamLocalAddress
        self.downstreamLocalAddress = downstreamLocalAddress
        self.downstreamRemoteAddress = downstreamRemoteAddress
        self.requestedServerName = requestedServerName
        self.routeName = routeName
    }

    /// `%DURATION%` as Envoy prints it: whole milliseconds, truncated.
    public var durationMillis: Int64 { durationMicros / 1000 }

    /// The time Envoy writes the entry (start + duration), in microseconds since the epoch.
    public var endMicros: Int64 { startMicros + durationMicros }

    /// The flags as `%RESPONSE_FLAGS%` prints them (`UF,URX`, or `-`).
    public var responseFlagsText: String {
        responseFlags.isEmpty ? "-" : responseFlags.joined(separator: ",")
    }
}
