/// An Envoy response flag with its long name and a one-line meaning for humans.
public struct ResponseFlag: Sendable, Equatable {
    /// Short form as in `%RESPONSE_FLAGS%`: `UO`.
    public let short: String
    /// Long form as in `%RESPONSE_FLAGS_LONG%`: `UpstreamOverflow`.
    public let long: String
    /// What happened, in plain words.
    public let meaning: String

    /// Every flag Envoy defines (`CORE_RESPONSE_FLAGS`).
    public static let all: [ResponseFlag] = [
        .init(short: "UH", long: "NoHealthyUpstream", meaning: "no healthy upstream host: every endpoint is failing health checks or ejected (503)"),
        .init(short: "UF", long: "UpstreamConnectionFailure", meaning: "upstream connection failure: the sidecar could not connect to the callee (503)"),
        .init(short: "UO", long: "UpstreamOverflow", meaning: "upstream overflow: the circuit breaker is open, too many pending requests or connections (503)"),
        .init(short: "NR", long: "NoRouteFound", meaning: "no route configured for this host or path (404), or no matching filter chain"),
        .init(short: "URX", long: "UpstreamRetryLimitExceeded", meaning: "retries exhausted: every attempt failed and the retry limit was reached"),
        .init(short: "NC", long: "NoClusterFound", meaning: "upstream cluster not found: the route points at a cluster the proxy does not know"),
        .init(short: "DT", long: "DurationTimeout", meaning: "the connection or stream hit its maximum duration"),
        .init(short: "DC", long: "DownstreamConnectionTermination", meaning: "the caller went away: the downstream connection closed before the response was sent"),
        .init(short: "LH", long: "FailedLocalHealthCheck", meaning: "the local service failed its health check (503)"),
        .init(short: "UT", long: "UpstreamRequestTimeout", meaning: "upstream request timeout: the callee did not answer within the route timeout (504)"),
        .init(short: "LR", long: "LocalReset", meaning: "the proxy reset the connection locally (503)"),
        .init(short: "UR", long: "UpstreamRemoteReset", meaning: "the callee reset the connection (503)"),
        .init(short: "UC", long: "UpstreamConnectionTermination", meaning: "the callee closed the connection mid-request (503)"),
        .init(short: "DI", long: "DelayInjected", meaning: "fault injection delayed the request"),
        .init(short: "FI", long: "FaultInjected", meaning: "fault injection aborted the request"),
        .init(short: "RL", long: "RateLimited", meaning: "rate limited locally (429)"),
        .init(short: "UAEX", long: "UnauthorizedExternalService", meaning: "denied by the external authorization service"),
        .init(short: "RLSE", long: "RateLimitServiceError", meaning: "rejected because the rate limit service failed"),
        .init(short: "IH", long: "InvalidEnvoyRequestHeaders", meaning: "invalid value in a strictly checked request header (400)"),
        .init(short: "SI", long: "StreamIdleTimeout", meaning: "stream idle timeout: nothing was sent or received for too long"),
        .init(short: "DPE", long: "DownstreamProtocolError", meaning: "the caller sent malformed HTTP"),
        .init(short: "UPE", long: "UpstreamProtocolError", meaning: "the callee sent malformed HTTP"),
        .init(short: "UMSDR", long: "UpstreamMaxStreamDurationReached", meaning: "the upstream request reached its maximum stream duration"),
        .init(short: "RFCF", long: "ResponseFromCacheFilter", meaning: "served from the cache filter"),
        .init(short: "NFCF", long: "NoFilterConfigFound", meaning: "a filter configuration did not arrive in time"),
        .init(short: "OM", long: "OverloadManagerTerminated", meaning: "the overload manager shed the request"),
        .init(short: "DF", long: "DnsResolutionFailed", meaning: "DNS resolution failed"),
        .init(short: "DO", long: "DropOverload", meaning: "dropped by drop_overloads (503)"),
        .init(short: "DR", long: "DownstreamRemoteReset", meaning: "the caller reset the stream"),
        .init(short: "UDO", long: "UnconditionalDropOverload", meaning: "dropped unconditionally by drop_overloads at 100% (503)"),
    ]

    /// The flag with this short or long name.
    public static func named(_ name: String) -> ResponseFlag? {
        all.first { $0.short == name || $0.long == name }
    }

    /// Converts a flags value to short names (`UpstreamConnectionFailure,UpstreamRetryLimitExceeded` → `UF,URX`).
    public static func shortForm(_ value: String) -> String {
        value.split(separator: ",").map { part in
            let s = String(part)
            return all.first { $0.long == s }?.short ?? s
        }.joined(separator: ",")
    }
}
