import Foundation
import Testing
@testable import MeshLogCore

/// Every preset's sample lines, field by field: what each column must hold after parsing.
@Suite("Preset samples, field by field")
struct PresetSampleTests {
    /// The columns one sample line must fill; nil means the column stays empty.
    struct Expected: CustomTestStringConvertible, Sendable {
        var preset: String
        var index: Int
        /// The start time in UTC, to the millisecond.
        var start: String
        var method: String?
        var path: String?
        var status: Int64?
        var flags: String?
        var duration: Int64?
        var requestID: String?
        var cluster: String?
        var host: String?

        var testDescription: String { "\(preset)[\(index)]" }
    }

    static let expected: [Expected] = [
        .init(preset: "istio", index: 0, start: "2026-11-25T09:14:03.517Z", method: "GET", path: "/courses/1187/lessons/42", status: 200, flags: nil, duration: 14, requestID: "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08", cluster: "outbound|8080|v2|course.lms.svc.cluster.local", host: "10.244.2.17:8080"),
        .init(preset: "istio", index: 1, start: "2026-11-25T09:14:03.519Z", method: "GET", path: "/courses/1187/lessons/42", status: 200, flags: nil, duration: 12, requestID: "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08", cluster: "inbound|8080||", host: "10.244.2.17:8080"),
        .init(preset: "istio", index: 2, start: "2026-11-25T09:15:41.002Z", method: "POST", path: "/payments", status: 503, flags: "UF,URX", duration: 3004, requestID: "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b", cluster: "outbound|8080||payment.lms.svc.cluster.local", host: "10.244.3.5:8080"),
        .init(preset: "istio", index: 3, start: "2026-11-25T09:16:12.330Z", method: "GET", path: "/users/9d3f5a7e-2c41-4b8a-9e6f-1a2b3c4d5e6f", status: 0, flags: "DC", duration: 1000, requestID: "a2c4e6f8-1b3d-4f5a-8c7e-9d0b1a2c3e4f", cluster: "inbound|8080||", host: "10.244.2.40:8080"),
        .init(preset: "istio", index: 4, start: "2026-11-25T09:17:00.001Z", method: nil, path: nil, status: 0, flags: nil, duration: 60012, requestID: nil, cluster: "outbound|5432||postgres.data.svc.cluster.local", host: "10.244.4.12:5432"),
        .init(preset: "istio-1.3", index: 0, start: "2020-06-03T11:02:09.118Z", method: "GET", path: "/reviews/0", status: 200, flags: nil, duration: 6, requestID: "d3b1a6c2-7e4f-4a9b-8c1d-2e3f4a5b6c7d", cluster: "outbound|9080|v2|reviews.default.svc.cluster.local", host: "10.1.4.22:9080"),
        .init(preset: "istio-1.3", index: 1, start: "2020-06-03T11:02:09.119Z", method: "GET", path: "/reviews/0", status: 200, flags: nil, duration: 5, requestID: "d3b1a6c2-7e4f-4a9b-8c1d-2e3f4a5b6c7d", cluster: "inbound|9080|http|reviews.default.svc.cluster.local", host: "127.0.0.1:9080"),
        .init(preset: "istio-1.2", index: 0, start: "2019-07-16T08:21:44.312Z", method: "GET", path: "/productpage", status: 200, flags: nil, duration: 38, requestID: "8f0c4b72-3d1e-9a5b-b7c2-0d6e4f1a2b3c", cluster: "outbound|9080||productpage.default.svc.cluster.local", host: "10.40.1.12:9080"),
        .init(preset: "istio-1.2", index: 1, start: "2019-07-16T08:21:45.007Z", method: "GET", path: "/ratings/0", status: 503, flags: "UF,URX", duration: 25, requestID: "1c9e7a53-6b2f-9d40-8e1a-5f3c2b7d9e01", cluster: "outbound|9080||ratings.default.svc.cluster.local", host: "10.40.1.17:9080"),
        .init(preset: "istio-1.8", index: 0, start: "2020-12-02T14:06:31.774Z", method: "GET", path: "/reviews/0", status: 200, flags: nil, duration: 9, requestID: "4a1c7e9d-2b3f-9c85-a6d0-7e8f9a0b1c2d", cluster: "outbound|9080||reviews.default.svc.cluster.local", host: "10.244.1.23:9080"),
        .init(preset: "istio-1.8", index: 1, start: "2020-12-02T14:06:31.776Z", method: "GET", path: "/reviews/0", status: 200, flags: nil, duration: 7, requestID: "4a1c7e9d-2b3f-9c85-a6d0-7e8f9a0b1c2d", cluster: "inbound|9080||", host: "127.0.0.1:9080"),
        .init(preset: "istio-1.8", index: 2, start: "2020-12-02T14:07:02.118Z", method: "POST", path: "/checkout", status: 503, flags: "UF", duration: 3001, requestID: "d7e6f5a4-3b2c-4d1e-9f0a-1b2c3d4e5f60", cluster: "outbound|8080||checkout.shop.svc.cluster.local", host: "10.244.2.31:8080"),
        .init(preset: "istio-1.1", index: 0, start: "2019-03-06T09:31:27.354Z", method: "GET", path: "/status/418", status: 418, flags: nil, duration: 11, requestID: "d209e46f-9ed5-9b61-bbdd-43e22662702a", cluster: "outbound|8000||httpbin.default.svc.cluster.local", host: "172.30.146.73:80"),
        .init(preset: "istio-1.1", index: 1, start: "2019-03-06T09:31:27.360Z", method: "GET", path: "/status/418", status: 418, flags: nil, duration: 5, requestID: "d209e46f-9ed5-9b61-bbdd-43e22662702a", cluster: "inbound|8000|http|httpbin.default.svc.cluster.local", host: "127.0.0.1:80"),
        .init(preset: "istio-1.1", index: 2, start: "2019-03-06T09:32:10.002Z", method: "POST", path: "/orders", status: 403, flags: "UAEX", duration: 2, requestID: "5b0e8d2c-7a41-9f36-b1c4-2d8e6f0a3b57", cluster: nil, host: nil),
        .init(preset: "istio-1.1-pre", index: 0, start: "2019-01-17T10:04:51.208Z", method: "GET", path: "/details/0", status: 200, flags: nil, duration: 6, requestID: "5c1e7a9d-3f2b-9e4c-8d6a-0b1c2d3e4f5a", cluster: "outbound|9080||details.default.svc.cluster.local", host: "10.44.1.12:9080"),
        .init(preset: "istio-1.1-pre", index: 1, start: "2019-01-17T10:04:51.230Z", method: "GET", path: "/ratings/0", status: 503, flags: "UF,URX", duration: 27, requestID: "9a8b7c6d-5e4f-9a3b-8c2d-1e0f9a8b7c6d", cluster: "outbound|9080||ratings.default.svc.cluster.local", host: "10.44.0.9:9080"),
        .init(preset: "istio-1.1-pre", index: 2, start: "2019-01-17T10:05:30.514Z", method: nil, path: nil, status: 0, flags: nil, duration: 842, requestID: nil, cluster: "outbound|27017||mongodb.default.svc.cluster.local", host: "10.44.0.21:27017"),
        .init(preset: "istio-1.0", index: 0, start: "2018-11-06T15:20:41.317Z", method: "GET", path: "/productpage", status: 200, flags: nil, duration: 41, requestID: "6b2c4e8f-0d1a-9e3b-a5c7-4f2e1d0c9b8a", cluster: "outbound|9080||productpage.default.svc.cluster.local", host: "10.36.1.9:9080"),
        .init(preset: "istio-1.0", index: 1, start: "2018-11-06T15:20:41.330Z", method: "GET", path: "/reviews/0", status: 503, flags: "UH", duration: 0, requestID: "0e7d3c2b-1a9f-8e6d-c5b4-a3f2e1d0c9b8", cluster: "outbound|9080|v3|reviews.default.svc.cluster.local", host: nil),
        .init(preset: "istio-1.0-tcp", index: 0, start: "2018-11-06T15:22:03.004Z", method: nil, path: nil, status: nil, flags: nil, duration: 60012, requestID: nil, cluster: "outbound|27017||mongodb.default.svc.cluster.local", host: "10.36.3.12:27017"),
        .init(preset: "istio-1.0-tcp", index: 1, start: "2018-11-06T15:22:09.771Z", method: nil, path: nil, status: nil, flags: "UF", duration: 1, requestID: nil, cluster: "outbound|3306||mysqldb.default.svc.cluster.local", host: "10.36.3.13:3306"),
        .init(preset: "kuma", index: 0, start: "2024-02-19T10:12:55.301Z", method: "GET", path: "/api/items", status: 200, flags: nil, duration: 6, requestID: "e3b2c1d0-9f8e-4d7c-b6a5-4f3e2d1c0b9a", cluster: nil, host: "10.244.0.15:3001"),
        .init(preset: "kuma", index: 1, start: "2024-02-19T10:12:57.884Z", method: "POST", path: "/api/orders", status: 503, flags: "UF,URX", duration: 1004, requestID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", cluster: nil, host: "10.244.0.21:8080"),
        .init(preset: "kuma-tcp", index: 0, start: "2024-02-19T10:13:02.417Z", method: nil, path: nil, status: nil, flags: nil, duration: 5012, requestID: nil, cluster: nil, host: "10.244.0.30:6379"),
        .init(preset: "kuma-tcp", index: 1, start: "2024-02-19T10:13:09.950Z", method: nil, path: nil, status: nil, flags: "UF", duration: 1, requestID: nil, cluster: nil, host: "10.244.0.31:5432"),
        .init(preset: "envoy", index: 0, start: "2026-11-25T08:00:00.125Z", method: "GET", path: "/api/v1/courses?limit=20", status: 200, flags: nil, duration: 31, requestID: "5e0d7c4a-1f2b-4c3d-8e9f-0a1b2c3d4e5f", cluster: nil, host: "10.244.0.30:8080"),
        .init(preset: "envoy", index: 1, start: "2026-11-25T08:00:01.900Z", method: "GET", path: "/api/v1/grades", status: 504, flags: "UT", duration: 15001, requestID: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", cluster: nil, host: "10.244.0.31:8080"),
        .init(preset: "envoy", index: 2, start: "2026-11-25T08:00:02.001Z", method: nil, path: nil, status: 0, flags: nil, duration: 4, requestID: nil, cluster: nil, host: "10.244.0.32:6379"),
        .init(preset: "envoy", index: 3, start: "2021-04-14T16:36:00.361Z", method: "GET", path: "/foo", status: 200, flags: nil, duration: 6, requestID: "837aa8dc-344f-4faa-b7d5-c9cce1028519", cluster: nil, host: "127.0.0.1:8081"),
        .init(preset: "envoy", index: 4, start: "2020-03-17T18:39:54.919Z", method: "GET", path: "/sample-route-1", status: 200, flags: nil, duration: 2, requestID: "eb5af05f-f14f-467b-994c-aeac9b5383f1", cluster: nil, host: "10.52.0.54:8080"),
        .init(preset: "istio-json", index: 0, start: "2026-11-25T09:14:03.517Z", method: "GET", path: "/courses/1187", status: 200, flags: nil, duration: 14, requestID: "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08", cluster: "outbound|8080|v1|course.lms.svc.cluster.local", host: "10.244.2.17:8080"),
        .init(preset: "istio-json", index: 1, start: "2020-03-01T10:00:00.000Z", method: "GET", path: "/healthz", status: 404, flags: "NR", duration: 0, requestID: nil, cluster: nil, host: nil),
        .init(preset: "istio-json", index: 2, start: "2023-03-08T19:02:53.110Z", method: "GET", path: "/", status: 200, flags: nil, duration: 3, requestID: "9a2f8d4b-6c1e-4e7a-b3d5-0f9e8d7c6b5a", cluster: "backend.default.dc1.internal.8c4a2b1e-3f5d-6a7b-8c9d-0e1f2a3b4c5d.consul", host: "127.0.0.1:9090"),
        .init(preset: "envoy-gateway", index: 0, start: "2025-04-09T11:44:45.639Z", method: "GET", path: "/", status: 200, flags: nil, duration: 1, requestID: "ab1e4da7-5f1d-45ea-bb4a-fa1ccd03b82b", cluster: "httproute/envoy-gateway-system/backend/rule/0", host: "10.244.0.13:3000"),
        .init(preset: "envoy-gateway", index: 1, start: "2025-04-09T11:45:02.118Z", method: "GET", path: "/missing?x=1", status: 404, flags: "NR", duration: 0, requestID: "3f6c2d1e-0b9a-4c8d-8e7f-6a5b4c3d2e1f", cluster: nil, host: nil),
        .init(preset: "contour-json", index: 0, start: "2021-04-14T16:36:00.361Z", method: "GET", path: "/foo", status: 200, flags: nil, duration: 6, requestID: "837aa8dc-344f-4faa-b7d5-c9cce1028519", cluster: "default/foo/80/da39a3ee5e", host: "127.0.0.1:8081"),
        .init(preset: "contour-json", index: 1, start: "2021-04-14T16:36:04.020Z", method: "GET", path: "/bar", status: 503, flags: "UH", duration: 2, requestID: "1d4c5e2f-7a8b-4c9d-8e0f-a1b2c3d4e5f6", cluster: "default/bar/80/da39a3ee5e", host: nil),
        .init(preset: "envoy-json", index: 0, start: "2026-11-25T08:00:00.125Z", method: "GET", path: "/api/v1/courses", status: 200, flags: nil, duration: 31, requestID: "5e0d7c4a-1f2b-4c3d-8e9f-0a1b2c3d4e5f", cluster: nil, host: "10.244.0.30:8080"),
        .init(preset: "envoy-json", index: 1, start: "2026-11-25T07:00:01.900Z", method: "POST", path: "/api/v1/enroll", status: 503, flags: "UO", duration: 0, requestID: nil, cluster: "enrollment", host: nil),
    ]

    /// Parses sample `index` of `preset` with the preset's own parser.
    static func record(_ preset: String, _ index: Int) throws -> (AccessLogRecord, AccessLogLineParser) {
        let p = try #require(FormatCatalog.preset(named: preset))
        let parser = try p.makeParser()
        let record = try #require(parse(parser, p.samples[index]), "\(preset)[\(index)] does not parse")
        return (record, parser)
    }

    /// The value of the `extra` column `name` in `record`, if the line had one.
    static func extra(_ name: String, _ record: AccessLogRecord, _ parser: AccessLogLineParser) -> String? {
        guard let e = record.extras.first(where: { parser.extraNames[$0.name] == name }) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: record.bytes + Int(e.start), count: Int(e.end - e.start)), as: UTF8.self)
    }

    @Test func everySampleHasAnExpectation() {
        for preset in FormatCatalog.presets {
            let covered = Self.expected.filter { $0.preset == preset.name }.map(\.index).sorted()
            #expect(covered == Array(preset.samples.indices), "\(preset.name): samples \(preset.samples.indices), expectations \(covered)")
        }
    }

    @Test(arguments: expected)
    func fieldByField(_ e: Expected) throws {
        let (r, _) = try Self.record(e.preset, e.index)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let start = try #require(formatter.date(from: e.start))
        #expect(r.startMicros == Int64((start.timeIntervalSince1970 * 1000).rounded()) * 1000)
        #expect(r.text(.method) == e.method)
        #expect(r.text(.path) == e.path)
        #expect(r.integer(.status) == e.status)
        #expect(r.text(.flags) == e.flags)
        #expect(r.integer(.duration) == e.duration)
        #expect(r.text(.requestID) == e.requestID)
        #expect(r.text(.upstreamCluster) == e.cluster)
        #expect(r.text(.upstreamHost) == e.host)
    }

    @Test(arguments: expected)
    func eachLineAloneDetectsAsItsOwnPreset(_ e: Expected) throws {
        let line = try #require(FormatCatalog.preset(named: e.preset)).samples[e.index]
        let detection = try #require(FormatDetector.detect([Array(line.utf8)]))
        #expect(detection.preset.name == e.preset)
    }

    @Test func mixerStatusIsKeptAsExtraNeverAsDetails() throws {
        let mixer = "DYNAMIC_METADATA(istio.mixer:status)"
        let (denied, parser) = try Self.record("istio-1.1", 2)
        #expect(!denied.has(.details))
        #expect(!denied.has(.transportFailure))
        #expect(Self.extra(mixer, denied, parser) == "PERMISSION_DENIED:denyorders.denier.default:not allowed")
        #expect(denied.integer(.bytesReceived) == 211)
        #expect(denied.integer(.bytesSent) == 0)
        #expect(denied.text(.downstreamLocal) == "10.104.3.9:8080")
        #expect(denied.text(.downstreamRemote) == "10.104.2.11:47702")
        #expect(!denied.has(.routeName))
        let (inbound, _) = try Self.record("istio-1.1", 1)
        #expect(inbound.text(.serverName) == "outbound_.8000_._.httpbin.default.svc.cluster.local")
        #expect(inbound.text(.userAgent) == "curl/7.60.0")
        #expect(inbound.text(.authority) == "httpbin:8000")
        for (preset, index) in [("istio-1.2", 1), ("istio-1.3", 0)] {
            let (r, _) = try Self.record(preset, index)
            #expect(!r.has(.details), "\(preset) put the mixer status in details")
        }
    }

    @Test func transportFailureAndRouteNameLandInTheirColumns() throws {
        let (tls, _) = try Self.record("istio-1.2", 1)
        #expect(tls.text(.transportFailure) == "TLS error: 268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER")
        #expect(!tls.has(.routeName))
        #expect(tls.integer(.bytesSent) == 91)
        let (connect, _) = try Self.record("istio-1.8", 2)
        #expect(connect.text(.transportFailure) == "upstream connect error")
        #expect(connect.text(.routeName) == "default")
        #expect(!connect.has(.details))
        let (inbound, _) = try Self.record("istio-1.8", 1)
        #expect(inbound.text(.serverName) == "outbound_.9080_._.reviews.default.svc.cluster.local")
        #expect(inbound.text(.downstreamLocal) == "10.244.1.23:9080")
    }

    @Test func envoyGatewayKeepsItsHeaderNamedKeys() throws {
        let (r, _) = try Self.record("envoy-gateway", 0)
        #expect(r.text(.authority) == "backend:3000")
        #expect(r.text(.userAgent) == "curl/7.88.1")
        #expect(r.text(.forwardedFor) == "10.244.0.12")
        #expect(r.text(.details) == "via_upstream")
        #expect(r.text(.routeName) == "httproute/envoy-gateway-system/backend/rule/0/match/0/backend")
        #expect(r.text(.downstreamRemote) == "10.244.0.12:34805")
        #expect(!r.has(.upstreamServiceTime))
        #expect(!r.has(.terminationDetails))
        #expect(!r.has(.serverName))
        #expect(r.extras.isEmpty)
    }

    @Test func kumaKeepsServicesAsExtrasAndTheTraceID() throws {
        let (http, parser) = try Self.record("kuma", 0)
        #expect(http.text(.traceID) == "5f0c2a1e9b7d3c48")
        #expect(http.text(.authority) == "backend:3001")
        #expect(Self.extra("KUMA_MESH", http, parser) == "default")
        #expect(Self.extra("KUMA_SOURCE_SERVICE", http, parser) == "demo-app_kuma-demo_svc_5000")
        #expect(Self.extra("KUMA_DESTINATION_SERVICE", http, parser) == "backend_kuma-demo_svc_3001")
        let (tcp, tcpParser) = try Self.record("kuma-tcp", 0)
        #expect(tcp.integer(.bytesSent) == 4212)
        #expect(tcp.integer(.bytesReceived) == 1530)
        #expect(Self.extra("KUMA_DESTINATION_SERVICE", tcp, tcpParser) == "redis_kuma-demo_svc_6379")
    }

    @Test func contourTimestampIsTheStartTime() throws {
        let (r, _) = try Self.record("contour-json", 0)
        #expect(r.has(.startTime))
        #expect(r.text(.authority) == "localhost:8080")
        #expect(r.integer(.upstreamServiceTime) == 3)
        #expect(!r.has(.traceID))
    }

    @Test func emissaryLinesAreEnvoysDefaultBehindAccess() throws {
        // Emissary-ingress's fallback log_format (python/ambassador/envoy/v3/v3listener.py): no preset of its own.
        let lines = [
            #"ACCESS [2023-05-10T12:41:07.512Z] "GET /backend/ HTTP/1.1" 200 - 0 136 4 3 "192.168.65.3" "curl/8.0.1" "2a6f1b0c-8d3e-4f5a-9b7c-1d2e3f4a5b6c" "example.com" "10.1.0.44:8080""#,
            #"ACCESS [2023-05-10T12:41:09.003Z] "GET /missing HTTP/1.1" 404 NR 0 0 0 - "192.168.65.3" "curl/8.0.1" "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b" "example.com" "-""#,
        ]
        let (wrapper, payloads) = try AccessLogFixtureTests.unwrapped(lines)
        #expect(wrapper == .accessPrefix)
        let parser = try AccessLogFixtureTests.parser(detecting: "envoy", in: payloads.map(\.line))
        let r = try #require(parse(parser, payloads[0].line))
        #expect(r.text(.path) == "/backend/")
        #expect(r.text(.requestID) == "2a6f1b0c-8d3e-4f5a-9b7c-1d2e3f4a5b6c")
        #expect(r.text(.forwardedFor) == "192.168.65.3")
        #expect(r.text(.upstreamHost) == "10.1.0.44:8080")
        #expect(r.integer(.duration) == 4)
    }

    @Test func istio10PathAndProtocolWithNoSpaceBetween() throws {
        let (r, _) = try Self.record("istio-1.0", 0)
        #expect(r.text(.protocol) == "HTTP/1.1")
        #expect(r.text(.downstreamRemote) == "10.36.0.1:50622")
        #expect(r.text(.userAgent) == "Mozilla/5.0 (X11; Linux x86_64; rv:63.0) Gecko/20100101 Firefox/63.0")
        let (tcp, _) = try Self.record("istio-1.0-tcp", 0)
        #expect(tcp.integer(.bytesReceived) == 1530)
        #expect(tcp.integer(.bytesSent) == 4211)
        #expect(tcp.text(.upstreamLocal) == "10.36.1.14:60210")
    }
}
