/// Recognisers for the values Envoy's operators write, used by `FormatInference`.
enum ValueShapes {
    /// HTTP methods as Envoy writes them.
    static let methods: Set<String> = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"]
    /// Envoy's short response-flag names.
    static let flags = Set(ResponseFlag.all.map(\.short))
    /// How `%RESPONSE_CODE_DETAILS%` values begin (Envoy's `StreamInfo::ResponseCodeDetails`).
    static let detailPrefixes = [
        "via_upstream", "upstream_", "downstream_", "route_", "direct_response", "cluster_", "ext_authz", "rbac_",
        "request_", "response_", "filter_", "internal_redirect", "local_rate_limited", "max_duration", "http1.",
        "http2.", "http3.", "codec_error", "stream_idle_timeout", "overload", "admin_", "fault_",
    ]

    /// An HTTP method.
    static func isMethod(_ s: String) -> Bool { methods.contains(s) }

    /// `HTTP/1.1`, `HTTP/2`, ….
    static func isProtocol(_ s: String) -> Bool { s.hasPrefix("HTTP/") && s.count <= 8 }

    /// A request path (or an absolute URL, or `*`).
    static func isPath(_ s: String) -> Bool { s.hasPrefix("/") || s.hasPrefix("http://") || s.hasPrefix("https://") || s == "*" }

    /// Decimal digits only.
    static func isDigits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 &- 48 < 10 } }

    /// `0` or a three-digit HTTP status.
    static func isStatus(_ s: String) -> Bool {
        guard isDigits(s), let v = Int(s) else { return false }
        return s == "0" || (s.utf8.count == 3 && (100...599).contains(v))
    }

    /// Response flags separated by commas: `UF,URX`.
    static func isFlags(_ s: String) -> Bool { s.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { flags.contains(String($0)) } }

    /// A lower-case word like `via_upstream` or `upstream_reset_before_response_started{…}`.
    static func isDetailsWord(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= 97, first <= 122 else { return false }
        return !s.utf8.contains(32) && !s.utf8.contains(34)
    }

    /// A details word that begins as Envoy's do.
    static func isKnownDetails(_ s: String) -> Bool { isDetailsWord(s) && detailPrefixes.contains { s.hasPrefix($0) } }

    /// An RFC 3339 time.
    static func isTime(_ s: String) -> Bool {
        Array(s.utf8).withUnsafeBufferPointer { StartTimePattern.parseRFC3339($0, 0, $0.count) != nil }
    }

    /// A UUID in its 8-4-4-4-12 spelling.
    static func isUUID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != 45 { return false }
            } else if !isHex(c) {
                return false
            }
        }
        return true
    }

    /// A hexadecimal digit.
    static func isHex(_ c: UInt8) -> Bool { c &- 48 < 10 || c &- 97 < 6 || c &- 65 < 6 }

    /// A dotted IPv4 address.
    static func isIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.utf8.allSatisfy { $0 &- 48 < 10 } }
    }

    /// An IPv4 or IPv6 address.
    static func isIP(_ s: Substring) -> Bool {
        isIPv4(s) || (s.utf8.filter { $0 == 58 }.count >= 2 && s.utf8.allSatisfy { isHex($0) || $0 == 58 || $0 == 46 })
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    static func isAddress(_ s: String) -> Bool {
        guard let colon = s.lastIndex(of: ":"), isDigits(String(s[s.index(after: colon)...])) else { return false }
        let host = s[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { return isIP(host.dropFirst().dropLast()) }
        return isIPv4(host)
    }

    /// `x-forwarded-for`: IPs separated by commas.
    static func isIPList(_ s: String) -> Bool {
        s.split(separator: ",").allSatisfy { isIP($0.drop { $0 == " " }) }
    }

    /// A DNS name, optionally with a port.
    static func isHostName(_ s: String) -> Bool {
        var host = Substring(s)
        if let colon = s.lastIndex(of: ":"), !s.hasSuffix("]") {
            guard isDigits(String(s[s.index(after: colon)...])) else { return false }
            host = s[..<colon]
        }
        guard let first = host.utf8.first, isHostByte(first), first != 45 else { return false }
        return host.utf8.allSatisfy(isHostByte)
    }

    /// An authority that names a host rather than an address: `course:8080`, `lms.example.com`.
    static func isNamedAuthority(_ s: String) -> Bool {
        guard isHostName(s), !isAddress(s), !isIPv4(Substring(s)) else { return false }
        return s.contains(".") || s.contains(":")
    }

    /// A byte that may appear in a DNS name.
    static func isHostByte(_ c: UInt8) -> Bool { c &- 48 < 10 || c &- 97 < 26 || c &- 65 < 26 || c == 45 || c == 46 || c == 95 }

    /// `outbound|8080|v1|course.lms.svc.cluster.local`, `inbound|8080||` and Istio's passthrough clusters.
    static func isIstioCluster(_ s: String) -> Bool { s.hasPrefix("outbound|") || s.hasPrefix("inbound|") }

    /// One of Istio's passthrough or black-hole clusters.
    static func isPassthroughCluster(_ s: String) -> Bool {
        ["BlackHoleCluster", "PassthroughCluster", "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6"].contains(s)
    }

    /// A product token: `curl/8.5.0`, `Mozilla/5.0 (…)`.
    static func isUserAgent(_ s: String) -> Bool {
        guard let slash = s.firstIndex(of: "/"), slash > s.startIndex else { return false }
        let product = s[..<slash]
        let next = s[s.index(after: slash)...].first
        return product.first!.isLetter && product.utf8.allSatisfy(isHostByte) && (next?.isNumber ?? false)
    }

    /// No spaces or quotes.
    static func isToken(_ s: String) -> Bool { !s.utf8.contains(32) && !s.utf8.contains(34) }

    /// Whether every value of a column fits `field` (Envoy's `-` always fits).
    static func fits(_ field: AccessLogField, _ column: SampledColumn) -> Bool {
        let values = column.present
        switch field {
        case .startTime: return values.allSatisfy(isTime)
        case .method: return values.allSatisfy(isMethod)
        case .path: return values.allSatisfy(isPath)
        case .protocol: return values.allSatisfy(isProtocol)
        case .status: return column.values.allSatisfy(isStatus)
        case .flags: return values.allSatisfy(isFlags)
        case .details: return values.allSatisfy(isKnownDetails)
        case .terminationDetails: return values.allSatisfy(isDetailsWord)
        case .bytesReceived, .bytesSent, .duration, .upstreamServiceTime: return values.allSatisfy(isDigits)
        case .forwardedFor: return values.allSatisfy(isIPList)
        case .authority: return values.allSatisfy(isHostName)
        case .upstreamHost, .upstreamLocal, .downstreamLocal, .downstreamRemote: return values.allSatisfy(isAddress)
        case .serverName: return values.allSatisfy(isHostName)
        case .upstreamCluster, .routeName, .requestID: return values.allSatisfy(isToken)
        case .traceID: return values.allSatisfy { $0.utf8.allSatisfy(isHex) }
        case .transportFailure, .userAgent: return true
        }
    }
}
