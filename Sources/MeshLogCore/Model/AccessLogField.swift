/// A typed access-log column that a format operator can fill.
///
/// Every known Envoy command operator maps to one of these; anything else is kept as text in the
/// `extra` JSON column under the operator's own spelling.
public enum AccessLogField: Int, CaseIterable, Sendable, CustomStringConvertible {
    case startTime
    case method
    case path
    case `protocol`
    case status
    case flags
    case details
    case terminationDetails
    case transportFailure
    case bytesReceived
    case bytesSent
    case duration
    case upstreamServiceTime
    case forwardedFor
    case userAgent
    case requestID
    case authority
    case upstreamHost
    case upstreamCluster
    case upstreamLocal
    case downstreamLocal
    case downstreamRemote
    case serverName
    case routeName
    case traceID

    /// The number of typed fields.
    public static let count = AccessLogField.allCases.count

    /// The column name in the `access_log` view.
    public var columnName: String {
        switch self {
        case .startTime: "start_time"
        case .method: "method"
        case .path: "path"
        case .protocol: "protocol"
        case .status: "status"
        case .flags: "flags"
        case .details: "details"
        case .terminationDetails: "termination_details"
        case .transportFailure: "transport_failure"
        case .bytesReceived: "bytes_received"
        case .bytesSent: "bytes_sent"
        case .duration: "duration_ms"
        case .upstreamServiceTime: "upstream_ms"
        case .forwardedFor: "x_forwarded_for"
        case .userAgent: "user_agent"
        case .requestID: "request_id"
        case .authority: "authority"
        case .upstreamHost: "upstream_host"
        case .upstreamCluster: "upstream_cluster"
        case .upstreamLocal: "upstream_local"
        case .downstreamLocal: "downstream_local"
        case .downstreamRemote: "downstream_remote"
        case .serverName: "sni"
        case .routeName: "route_name"
        case .traceID: "trace_id"
        }
    }

    public var description: String { columnName }

    /// The shape a raw value must have, used to reject impossible splits while matching a line.
    public var valueShape: ValueShape {
        switch self {
        case .status, .bytesReceived, .bytesSent, .duration, .upstreamServiceTime: .integer
        case .flags: .flags
        case .method, .protocol, .details, .upstreamHost, .upstreamCluster, .upstreamLocal, .downstreamLocal,
             .downstreamRemote, .serverName, .routeName, .traceID, .requestID, .terminationDetails:
            .token
        case .startTime, .path, .transportFailure, .forwardedFor, .userAgent, .authority: .any
        }
    }

    /// The shape of a raw field value.
    public enum ValueShape: Sendable {
        /// Decimal digits, or `-`.
        case integer
        /// Upper-case letters and commas, or `-`.
        case flags
        /// Any bytes except spaces and double quotes.
        case token
        /// Any bytes.
        case any
    }
}
