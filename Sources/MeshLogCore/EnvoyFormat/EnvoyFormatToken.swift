/// One piece of a tokenized Envoy format string: literal text or a command operator.
public enum EnvoyFormatToken: Equatable, Sendable {
    /// Literal bytes that appear verbatim in every line.
    case literal(String)
    /// A command operator `%NAME(ARG):LEN%`.
    case command(EnvoyCommand)
}

/// A command operator such as `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH):64%`.
public struct EnvoyCommand: Equatable, Sendable, CustomStringConvertible {
    /// The operator name, e.g. `REQ`.
    public var name: String
    /// The text inside the parentheses, if any.
    public var argument: String?
    /// The `:LEN` truncation length, if any.
    public var maxLength: Int?
    /// Offset of the opening `%` in the format string.
    public var position: Int

    /// The operator as written, without the length: `REQ(:METHOD)`.
    public var spelling: String { argument.map { "\(name)(\($0))" } ?? name }

    public var description: String { "%\(spelling)\(maxLength.map { ":\($0)" } ?? "")%" }

    /// The typed column this operator fills, or nil when it only goes to `extra`.
    public var field: AccessLogField? {
        switch name {
        case "START_TIME": return .startTime
        case "PROTOCOL": return .protocol
        case "RESPONSE_CODE": return .status
        case "RESPONSE_FLAGS", "RESPONSE_FLAGS_LONG": return .flags
        case "RESPONSE_CODE_DETAILS": return .details
        case "CONNECTION_TERMINATION_DETAILS": return .terminationDetails
        case "UPSTREAM_TRANSPORT_FAILURE_REASON": return .transportFailure
        case "BYTES_RECEIVED": return .bytesReceived
        case "BYTES_SENT": return .bytesSent
        case "DURATION": return .duration
        case "UPSTREAM_HOST": return .upstreamHost
        case "UPSTREAM_CLUSTER", "UPSTREAM_CLUSTER_RAW": return .upstreamCluster
        case "UPSTREAM_LOCAL_ADDRESS": return .upstreamLocal
        case "DOWNSTREAM_LOCAL_ADDRESS": return .downstreamLocal
        case "DOWNSTREAM_REMOTE_ADDRESS", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS": return .downstreamRemote
        case "REQUESTED_SERVER_NAME": return .serverName
        case "ROUTE_NAME": return .routeName
        case "TRACE_ID": return .traceID
        case "STREAM_ID": return .requestID
        case "PATH": return .path
        case "REQ", "REQUEST_HEADER", "REQ_WITHOUT_QUERY":
            guard let arg = argument?.uppercased() else { return nil }
            let first = arg.split(separator: "?").first.map(String.init) ?? arg
            switch first {
            case ":METHOD": return .method
            case ":PATH", "X-ENVOY-ORIGINAL-PATH": return .path
            case ":AUTHORITY", "HOST": return .authority
            case "X-FORWARDED-FOR": return .forwardedFor
            case "USER-AGENT": return .userAgent
            case "X-REQUEST-ID": return .requestID
            case "X-B3-TRACEID", "TRACEPARENT": return .traceID
            default: return nil
            }
        case "RESP", "RESPONSE_HEADER":
            return argument?.uppercased() == "X-ENVOY-UPSTREAM-SERVICE-TIME" ? .upstreamServiceTime : nil
        default:
            return nil
        }
    }
}
