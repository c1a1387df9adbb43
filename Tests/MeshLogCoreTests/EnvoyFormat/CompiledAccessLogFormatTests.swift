import Testing
@testable import MeshLogCore

@Suite("Compiled access-log format")
struct CompiledAccessLogFormatTests {
    let istio = try! CompiledAccessLogFormat(format: FormatCatalog.istioFormat)
    let envoy = try! CompiledAccessLogFormat(format: FormatCatalog.envoyFormat)

    @Test func parsesTypedIstioFields() throws {
        let line = #"[2026-11-25T09:15:41.002Z] "POST /payments?retry=1 HTTP/1.1" 503 UF,URX upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111} - "delayed_connect_error:_111" 412 91 3004 - "-" "enrollment/2.4.1" "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b" "payment.lms.svc.cluster.local:8080" "10.244.3.5:8080" outbound|8080||payment.lms.svc.cluster.local - 10.96.7.31:8080 10.244.1.22:35520 - default"#
        let r = try #require(parse(istio, line))
        #expect(r.startMicros == 1_795_598_141_002_000)
        #expect(r.text(.method) == "POST")
        #expect(r.text(.path) == "/payments?retry=1")
        #expect(r.integer(.status) == 503)
        #expect(r.text(.flags) == "UF,URX")
        #expect(r.text(.details) == "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
        #expect(r.text(.transportFailure) == "delayed_connect_error:_111")
        #expect(r.integer(.bytesReceived) == 412)
        #expect(r.integer(.duration) == 3004)
        #expect(!r.has(.upstreamServiceTime))
        #expect(!r.has(.forwardedFor))
        #expect(!r.has(.upstreamLocal))
        #expect(r.text(.upstreamCluster) == "outbound|8080||payment.lms.svc.cluster.local")
        #expect(r.text(.downstreamRemote) == "10.244.1.22:35520")
        #expect(r.text(.routeName) == "default")
    }

    @Test func survivesQuotesInUserAgentAndSpacesInPath() throws {
        let line = #"[2026-11-25T09:14:03.517Z] "GET /search/a b"c HTTP/1.1" 200 - via_upstream - "-" 0 2291 14 13 "-" "Mozilla/5.0 "quoted" (X11) " x"" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08" "course:8080" "10.244.2.17:8080" outbound|8080|v2|course.lms.svc.cluster.local 10.244.1.9:51234 10.96.14.22:8080 10.244.1.9:40112 - default"#
        let r = try #require(parse(istio, line))
        #expect(r.text(.path) == #"/search/a b"c"#)
        #expect(r.text(.protocol) == "HTTP/1.1")
        #expect(r.text(.userAgent) == #"Mozilla/5.0 "quoted" (X11) " x""#)
        #expect(r.text(.requestID) == "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08")
    }

    @Test func parsesIPv6StatusZeroAndDC() throws {
        let line = #"[2026-11-25T09:16:12.330Z] "GET /users/1 HTTP/2" 0 DC downstream_remote_disconnect - "-" 0 0 1000 - "-" "grpc-go/1.59.0" "a2c4e6f8-1b3d-4f5a-8c7e-9d0b1a2c3e4f" "user:8080" "10.244.2.40:8080" inbound|8080|| 127.0.0.6:41002 [fd00:10:244::28]:8080 [fd00:10:244::9]:55102 outbound_.8080_._.user.lms.svc.cluster.local default"#
        let r = try #require(parse(istio, line))
        #expect(r.integer(.status) == 0)
        #expect(r.text(.flags) == "DC")
        #expect(r.text(.downstreamLocal) == "[fd00:10:244::28]:8080")
        #expect(r.text(.downstreamRemote) == "[fd00:10:244::9]:55102")
    }

    @Test func parsesTCPLines() throws {
        let r = try #require(parse(envoy, #"[2026-11-25T08:00:02.001Z] "- - -" 0 - 87 254 4 - "-" "-" "-" "-" "10.244.0.32:6379""#))
        #expect(!r.has(.method))
        #expect(!r.has(.path))
        #expect(!r.has(.protocol))
        #expect(r.integer(.status) == 0)
        #expect(r.integer(.bytesSent) == 254)
        #expect(r.text(.upstreamHost) == "10.244.0.32:6379")
    }

    @Test func toleratesCarriageReturn() throws {
        let r = try #require(parse(envoy, "[2016-04-15T20:17:00.310Z] \"POST /api/v1/locations HTTP/2\" 204 - 154 0 226 100 \"10.0.35.28\" \"nsq2http\" \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\" \"tcp://10.0.2.1:80\"\r"))
        #expect(r.text(.upstreamHost) == "tcp://10.0.2.1:80")
    }

    /// Trailing spaces, tabs and CRs are not part of the line: no value keeps them, and a format
    /// written with trailing blanks still matches.
    @Test func ignoresTrailingBlanks() throws {
        let line = #"[2026-11-25T09:16:12.330Z] "GET /users/1 HTTP/2" 0 DC downstream_remote_disconnect - "-" 0 0 1000 - "-" "grpc-go/1.59.0" "a2c4e6f8-1b3d-4f5a-8c7e-9d0b1a2c3e4f" "user:8080" "10.244.2.40:8080" inbound|8080|| 127.0.0.6:41002 10.244.2.40:8080 10.244.1.9:55102 - default"#
        for end in [" ", "\t", " \t \r", "\r"] {
            let r = try #require(parse(istio, line + end))
            #expect(r.text(.routeName) == "default")
        }
        let custom = try CompiledAccessLogFormat(format: "%REQ(:METHOD)% %REQ(USER-AGENT)% \t")
        let r = try #require(parse(custom, "GET curl/8.5 (x86_64) \t\r"))
        #expect(r.text(.userAgent) == "curl/8.5 (x86_64)")
        #expect(parse(custom, "GET curl") != nil)
    }

    @Test func rejectsLinesOfAnotherShape() {
        #expect(parse(envoy, "2024-03-21T07:52:44.407739Z\twarn\tenvoy config\tgRPC config stream closed") == nil)
        #expect(parse(envoy, #"[2026-11-25T08:00:00.125Z] "GET / HTTP/1.1" 200 - via_upstream 0 10 1 1 "-" "-" "-" "-" "-""#) == nil)
        #expect(parse(istio, "") == nil)
    }

    @Test func unknownCommandsGoToExtra() throws {
        let f = try CompiledAccessLogFormat(format: "%START_TIME% %UPSTREAM_REQUEST_ATTEMPT_COUNT% %REQ(X-TENANT)% %RESPONSE_CODE%\n")
        #expect(f.extraNames == ["UPSTREAM_REQUEST_ATTEMPT_COUNT", "REQ(X-TENANT)"])
        let r = try #require(parse(f, "2026-11-25T08:00:00Z 3 acme 200"))
        #expect(r.extras.count == 2)
        #expect(r.integer(.status) == 200)
        #expect(r.startMicros == 1_795_593_600_000_000)
    }

    @Test(arguments: [
        ("%s.%3f", "1527590590.528", Int64(1_527_590_590_528_000)),
        ("%s", "1527590590", Int64(1_527_590_590_000_000)),
        ("%Y/%m/%dT%H:%M:%S%z", "2018/05/29T10:43:10+0200", Int64(1_527_583_390_000_000)),
        ("%Y-%m-%dT%H:%M:%S.%6fZ", "2026-11-25T08:00:00.123456Z", Int64(1_795_593_600_123_456)),
        ("%Y-%m-%d %H:%M:%S.%9f", "2026-11-25 08:00:00.123456789", Int64(1_795_593_600_123_456)),
        ("%F %T.%f %z", "2026-11-25 08:00:00.5 -05:00", Int64(1_795_611_600_500_000)),
    ])
    func customStartTimePatterns(pattern: String, value: String, micros: Int64) throws {
        let f = try CompiledAccessLogFormat(format: "[%START_TIME(\(pattern))%] %RESPONSE_CODE%")
        let r = try #require(parse(f, "[\(value)] 200"))
        #expect(r.startMicros == micros)
    }

    @Test(arguments: [
        ("2016-04-15T20:17:00.310Z", Int64(1_460_751_420_310_000)),
        ("2016-04-15T20:17:00Z", Int64(1_460_751_420_000_000)),
        ("2022-07-22T12:24:16.90297571Z", Int64(1_658_492_656_902_975)),
        ("2024-04-13T07:59:37.505201169-05:00", Int64(1_713_013_177_505_201)),
    ])
    func rfc3339StartTimes(value: String, micros: Int64) {
        var bytes = Array(value.utf8)
        let parsed = bytes.withUnsafeMutableBufferPointer { StartTimePattern.parseRFC3339(UnsafeBufferPointer($0), 0, $0.count) }
        #expect(parsed == micros)
    }
}
