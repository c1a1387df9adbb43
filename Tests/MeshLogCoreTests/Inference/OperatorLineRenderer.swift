import MeshLogCore
import MeshLogTestSupport

/// Renders access-log lines for any Envoy format string from random but plausible values, as Envoy would write them.
struct OperatorLineRenderer {
    var random: SplitMix64
    /// Operators (by spelling, e.g. `RESPONSE_FLAGS`) written as `-` in every line.
    var dashes: Set<String> = []

    init(seed: UInt64, dashes: Set<String> = []) {
        random = SplitMix64(seed: seed)
        self.dashes = dashes
    }

    /// `count` lines in `format`.
    mutating func lines(_ format: String, count: Int) throws -> [String] {
        let tokens = try EnvoyFormatTokenizer.tokenize(format)
        return (0..<count).map { n in
            let values = RequestValues(n: n, random: &random)
            return tokens.map { token in
                switch token {
                case .literal(let text): text
                case .command(let command): dashes.contains(command.spelling) ? "-" : values.value(command)
                }
            }.joined()
        }
    }

    /// The values of one request.
    struct RequestValues {
        var time, method, path, proto, status, flags, details: String
        var received, sent, duration, upstreamTime: String
        var forwardedFor, userAgent, requestID, authority, upstreamHost, cluster: String
        var upstreamLocal, downstreamLocal, downstreamRemote, serverName, route, tenant, feature, spanID: String

        init(n: Int, random r: inout SplitMix64) {
            func pick(_ xs: [String]) -> String { xs.randomElement(using: &r)! }
            func int(_ range: ClosedRange<Int>) -> String { String(Int.random(in: range, using: &r)) }
            func hex(_ count: Int) -> String { String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &r)! }) }
            func ip() -> String { "10.244.\(int(0...9)).\(int(2...250))" }
            let second = 10 + n
            let seconds = (second % 60 < 10 ? "0" : "") + String(second % 60)
            time = "2026-11-25T08:\(second / 60 + 10):\(seconds).\(int(100...999))Z"
            let tcp = Int.random(in: 0..<10, using: &r) == 0
            method = tcp ? "-" : pick(["GET", "GET", "POST", "PUT", "DELETE"])
            path = tcp ? "-" : pick(["/courses/\(int(1...2000))", "/api/v1/grades?limit=\(int(1...50))", "/healthz", "/users/\(hex(8))"])
            proto = tcp ? "-" : pick(["HTTP/1.1", "HTTP/2"])
            let failed = Int.random(in: 0..<4, using: &r) == 0
            status = tcp ? "0" : failed ? pick(["503", "504", "404", "0"]) : pick(["200", "200", "201", "204", "302"])
            flags = failed ? pick(["UF,URX", "UT", "NR", "DC", "UO"]) : "-"
            details = failed ? pick(["upstream_reset_before_response_started{connection_failure}", "route_not_found",
                                     "downstream_remote_disconnect", "response_timeout"]) : "via_upstream"
            received = pick(["0", "0", int(1...90000)])
            sent = int(0...60000)
            let total = Int.random(in: 1...4000, using: &r)
            duration = String(total)
            upstreamTime = failed || tcp ? "-" : String(max(0, total - Int.random(in: 0...3, using: &r)))
            forwardedFor = pick(["-", "-", "203.0.113.\(int(1...250))", "198.51.100.\(int(1...250)), 10.0.0.\(int(1...9))"])
            userAgent = pick(["curl/8.5.0", "Go-http-client/1.1", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "grpc-go/1.59.0", "-"])
            requestID = "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))"
            authority = pick(["course:8080", "lms.example.com", "grading.lms.svc.cluster.local:8080"])
            upstreamHost = "\(ip()):8080"
            cluster = pick(["outbound|8080||course.lms.svc.cluster.local", "inbound|8080||", "outbound|8080|v2|grading.lms.svc.cluster.local"])
            upstreamLocal = pick(["\(ip()):\(int(30000...60000))", "127.0.0.6:\(int(30000...60000))", "-"])
            downstreamLocal = "\(ip()):8080"
            downstreamRemote = "\(ip()):\(int(30000...60000))"
            serverName = pick(["-", "outbound_.8080_.v1_.course.lms.svc.cluster.local"])
            route = pick(["default", "-", "allow_any"])
            tenant = pick(["acme", "globex", "initech", "-"])
            feature = pick(["beta", "stable", "canary"])
            spanID = hex(16)
        }

        /// What Envoy writes for `command`.
        func value(_ command: EnvoyCommand) -> String {
            switch command.spelling {
            case "START_TIME": time
            case "REQ(:METHOD)": method
            case "REQ(X-ENVOY-ORIGINAL-PATH?:PATH)", "REQ(:PATH)": path
            case "PROTOCOL": proto
            case "RESPONSE_CODE": status
            case "RESPONSE_FLAGS": flags
            case "RESPONSE_CODE_DETAILS": details
            case "BYTES_RECEIVED": received
            case "BYTES_SENT": sent
            case "DURATION": duration
            case "RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)": upstreamTime
            case "REQ(X-FORWARDED-FOR)": forwardedFor
            case "REQ(USER-AGENT)": userAgent
            case "REQ(X-REQUEST-ID)": requestID
            case "REQ(:AUTHORITY)": authority
            case "UPSTREAM_HOST": upstreamHost
            case "UPSTREAM_CLUSTER", "UPSTREAM_CLUSTER_RAW": cluster
            case "UPSTREAM_LOCAL_ADDRESS": upstreamLocal
            case "DOWNSTREAM_LOCAL_ADDRESS": downstreamLocal
            case "DOWNSTREAM_REMOTE_ADDRESS": downstreamRemote
            case "REQUESTED_SERVER_NAME": serverName
            case "ROUTE_NAME": route
            case "REQ(X-TENANT)": tenant
            case "REQ(X-FEATURE)": feature
            case "REQ(X-B3-SPANID)": spanID
            default: "-"
            }
        }
    }
}
