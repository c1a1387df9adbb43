import Foundation
import MeshLogTestSupport
import Testing
@testable import MeshLogCore

/// The access-log shapes of the corpus suite, from hand-written lines in `Tests/Fixtures/logs`: runs on any clone.
@Suite("Fixture access logs")
struct AccessLogFixtureTests {
    /// The non-empty lines of a fixture log (a last line without newline included).
    static func lines(_ name: String) throws -> [String] {
        try Fixtures.text("logs/" + name).split(separator: "\n").map(String.init)
    }

    /// Detects the preset of `lines`, expecting `name` to parse every one of them, and returns its parser.
    static func parser(detecting name: String, in lines: [String], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> AccessLogLineParser {
        let detection = try #require(FormatDetector.detect(lines.map { Array($0.utf8) }), sourceLocation: sourceLocation)
        #expect(detection.preset.name == name, sourceLocation: sourceLocation)
        #expect(detection.matched == lines.count, sourceLocation: sourceLocation)
        return detection.parser
    }

    /// Unwraps `lines` with the wrapper detection picks, returning each payload and the time the wrapper logged.
    static func unwrapped(_ lines: [String]) throws -> (LineWrapper, [(line: String, loggedAt: Int64?)]) {
        let wrapper = LineUnwrapper.detect(lines.map { Array($0.utf8) })
        let unwrapper = LineUnwrapper(wrapper)
        var out: [(String, Int64?)] = []
        for (i, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBufferPointer { b in
                _ = unwrapper.unwrap(UnsafeBufferPointer(b), lineNumber: i + 1) { payload in
                    out.append((String(decoding: payload, as: UTF8.self), unwrapper.loggedAtMicros))
                }
            }
            #expect(unwrapper.lastLineFitted, "line \(i + 1) does not fit \(wrapper)")
        }
        return (wrapper, out)
    }

    /// Envoy's default format is detected as `envoy`; every field lands in its column.
    @Test func envoyDefaultFormat() throws {
        let lines = try Self.lines("envoy-default.log")
        let parser = try Self.parser(detecting: "envoy", in: lines)
        let r = try #require(parse(parser, lines[0]))
        #expect(r.startMicros == 1_772_460_309_481_000)
        #expect(r.text(.startTime) == "2026-03-02T14:05:09.481Z")
        #expect(r.text(.method) == "PUT")
        #expect(r.text(.path) == "/api/v2/carts/77")
        #expect(r.text(.protocol) == "HTTP/2")
        #expect(r.integer(.status) == 201)
        #expect(!r.has(.flags))
        #expect(r.integer(.bytesReceived) == 312)
        #expect(r.integer(.bytesSent) == 48)
        #expect(r.integer(.duration) == 87)
        #expect(r.integer(.upstreamServiceTime) == 61)
        #expect(r.text(.forwardedFor) == "198.51.100.23")
        #expect(r.text(.userAgent) == "shop-cli/3.1")
        #expect(r.text(.requestID) == "4b7f2c1e-9a3d-4e8f-b6a5-0c1d2e3f4a5b")
        #expect(r.text(.authority) == "carts")
        #expect(r.text(.upstreamHost) == "tcp://10.1.4.7:8080")
        // No healthy upstream: a flag, no upstream time, no upstream host.
        let uh = try #require(parse(parser, lines[1]))
        #expect(uh.integer(.status) == 503)
        #expect(uh.text(.flags) == "UH")
        #expect(uh.integer(.duration) == 0)
        #expect(!uh.has(.upstreamServiceTime))
        #expect(!uh.has(.upstreamHost))
        #expect(!uh.has(.forwardedFor))
    }

    /// One Istio hop: the caller's outbound line and the callee's inbound line share request id and connection.
    ///
    /// The join key of a hop: the caller's upstream local address is the callee's downstream remote address.
    @Test func istioOutboundAndInbound() throws {
        let lines = try Self.lines("istio-hop.log")
        let parser = try Self.parser(detecting: "istio", in: lines)
        let o = try #require(parse(parser, lines[0]))
        let i = try #require(parse(parser, lines[1]))
        #expect(o.startMicros == 1_772_460_401_120_000)
        #expect(i.startMicros == 1_772_460_401_122_000)
        #expect(o.text(.method) == "POST")
        #expect(o.text(.path) == "/catalog/search")
        #expect(o.integer(.status) == 429)
        #expect(i.integer(.status) == 429)
        #expect(!o.has(.flags))
        #expect(o.text(.details) == "via_upstream")
        #expect(!o.has(.terminationDetails))
        #expect(!o.has(.transportFailure))
        #expect(o.integer(.bytesReceived) == 57)
        #expect(o.integer(.bytesSent) == 96)
        #expect(o.integer(.duration) == 12)
        #expect(o.integer(.upstreamServiceTime) == 11)
        #expect(i.integer(.duration) == 9)
        #expect(o.text(.upstreamCluster) == "outbound|9090||catalog.shop.svc.cluster.local")
        #expect(i.text(.upstreamCluster) == "inbound|9090||")
        #expect(o.text(.requestID) == "8e1f5a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b")
        #expect(o.text(.requestID) == i.text(.requestID))
        #expect(o.text(.upstreamLocal) == "10.52.1.8:48810")
        #expect(o.text(.upstreamLocal) == i.text(.downstreamRemote))
        #expect(o.text(.downstreamLocal) == "10.100.22.5:9090")
        #expect(!o.has(.serverName))
        #expect(i.text(.serverName) == "outbound_.9090_._.catalog.shop.svc.cluster.local")
        #expect(o.text(.routeName) == "default")
        #expect(ClusterName(try #require(o.text(.upstreamCluster))).service == "catalog")
        #expect(ClusterName.fromServerName(try #require(i.text(.serverName)))?.namespace == "shop")
    }

    /// A custom format string compiles and parses lines behind `docker compose logs -t`, one per response flag.
    @Test func customFormatBehindComposeTimestamps() throws {
        let format = try Fixtures.text("logs/custom-format.txt")
        let parser = try CompiledAccessLogFormat(format: format)
        let (wrapper, payloads) = try Self.unwrapped(try Self.lines("compose-custom.log"))
        #expect(wrapper == .compose)
        #expect(payloads.count == 10)
        let records = try payloads.map { try #require(parse(parser, $0.line), "does not parse: \($0.line)") }
        #expect(records.map { $0.text(.flags) ?? "-" } == ["UT", "UH", "UF", "UPE", "UO", "-", "NC", "URX", "DC", "SI"])
        #expect(records.map { $0.integer(.status) } == [504, 503, 503, 200, 503, 200, 503, 503, 101, 101])
        #expect(records.map { $0.text(.upstreamCluster) } == [
            "reports", "inventory", "orders", "exports", "search", "search", nil, "flaky", "live", "live",
        ])
        let ut = records[0]
        #expect(payloads[0].loggedAt == 1_772_463_615_204_118)
        #expect(ut.startMicros == 1_772_463_600_200_000)
        #expect(ut.text(.details) == "response_timeout")
        #expect(ut.integer(.duration) == 15001)
        #expect(ut.text(.requestID) == "0a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01")
        let uf = records[2]
        #expect(uf.text(.method) == "POST")
        #expect(uf.text(.details) == "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
        #expect(uf.integer(.bytesReceived) == 214)
        #expect(!uf.has(.upstreamServiceTime))
        #expect(uf.text(.upstreamHost) == "172.20.0.9:8081")
        let ok = records[5]
        #expect(ok.text(.path) == "/search?q=desk")
        #expect(ok.integer(.upstreamServiceTime) == 3107)
        // The wider padding after the container name (lines 9 and 10) unwraps the same way.
        #expect(records[9].integer(.duration) == 300_000)
        #expect(records[9].text(.details) == "stream_idle_timeout")
        #expect(!records[1].has(.upstreamHost))
    }

    /// Ambient waypoint lines behind `kubectl logs --timestamps` parse with the Istio preset under the kubectl wrapper.
    ///
    /// Waypoints write internal addresses (`envoy://…`) and `inbound-vip` clusters.
    @Test func waypointLinesBehindKubectlTimestamps() throws {
        let (wrapper, payloads) = try Self.unwrapped(try Self.lines("kubectl-waypoint.log"))
        #expect(wrapper == .kubectl)
        #expect(payloads.count == 4)
        let parser = try Self.parser(detecting: "istio", in: payloads.map(\.line))
        let r = try #require(parse(parser, payloads[0].line))
        #expect(payloads[0].loggedAt == 1_772_468_405_913_402)
        #expect(r.startMicros == 1_772_468_405_511_000)
        #expect(r.text(.method) == "GET")
        #expect(r.integer(.status) == 200)
        #expect(r.integer(.duration) == 3)
        #expect(r.text(.requestID) == "2d3c4b5a-6978-4a1b-9c2d-3e4f5a6b7c8d")
        #expect(r.text(.upstreamHost) == "envoy://connect_originate/10.60.0.21:8080")
        #expect(r.text(.upstreamCluster) == "inbound-vip|8080|http|pricing.shop.svc.cluster.local")
        #expect(r.text(.upstreamLocal) == "envoy://internal_client_address/")
        #expect(r.text(.downstreamRemote) == "10.60.0.17:40522")
        // Lines are not in time order: the second started before the first was logged.
        let early = try #require(parse(parser, payloads[1].line))
        #expect(early.startMicros! < r.startMicros!)
        #expect(early.integer(.status) == 404)
        let uf = try #require(parse(parser, payloads[3].line))
        #expect(uf.text(.flags) == "UF")
        #expect(uf.text(.details) == "upstream_reset_before_response_started{connection_termination}")
        #expect(!uf.has(.upstreamServiceTime))
    }
}
