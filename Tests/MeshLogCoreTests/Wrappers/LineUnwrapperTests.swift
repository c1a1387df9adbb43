import Testing
@testable import MeshLogCore

@Suite("Log line wrappers")
struct LineUnwrapperTests {
    /// Unwraps lines and returns (payload, loggedAt, first line number) for each complete line.
    func unwrap(_ wrapper: LineWrapper, _ lines: [String]) -> [(String, Int64?, Int)] {
        let u = LineUnwrapper(wrapper)
        var out: [(String, Int64?, Int)] = []
        for (i, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBufferPointer { b in
                _ = u.unwrap(UnsafeBufferPointer(b), lineNumber: i + 1) { payload in
                    out.append((String(decoding: payload, as: UTF8.self), u.loggedAtMicros, u.firstLineNumber))
                }
            }
        }
        return out
    }

    let envoyLine = #"[2026-11-25T09:14:03.517Z] "GET / HTTP/1.1" 200 - 0 10 1 1 "-" "curl" "id" "h" "10.0.0.1:80""#

    @Test func sternNamesThePodAndContainerOfEachLine() {
        func fits(_ line: String) -> Bool { Array(line.utf8).withUnsafeBufferPointer { LineUnwrapper.fits(.stern, $0) } }
        #expect(fits("course-v1-7c9d8f6b5-x2kqp istio-proxy \(envoyLine)"))
        #expect(fits("istio-ingressgateway-qm5fg5bnf-7rpmk istio-proxy 2026-11-25T09:14:03.517933Z \(envoyLine)"))
        for line in [envoyLine, "envoy-1  | \(envoyLine)", "ACCESS \(envoyLine)", "INFO 2024-03-25T08:56:41Z [x] \(envoyLine)",
                     "2026-11-25T09:14:04.1Z stdout F \(envoyLine)", "10.1.2.3 - - [25/Nov/2026:09:14:03 +0000] \"GET / HTTP/1.1\" 200",
                     "web-1 GET /x 200", "course-v1 istio-proxy", "course-v1  istio-proxy \(envoyLine)"] {
            #expect(!fits(line), "\(line)")
        }
        let u = LineUnwrapper(.stern)
        let line = Array("course-v1-7c9d8f6b5-x2kqp istio-proxy 2026-11-25T09:14:03.517933Z \(envoyLine)".utf8)
        line.withUnsafeBufferPointer { b in
            _ = u.unwrap(b, lineNumber: 1) { payload in
                #expect(String(decoding: payload, as: UTF8.self) == envoyLine)
                #expect(u.podRange.map { String(decoding: b[$0], as: UTF8.self) } == "course-v1-7c9d8f6b5-x2kqp")
                #expect(u.containerRange.map { String(decoding: b[$0], as: UTF8.self) } == "istio-proxy")
                #expect(u.loggedAtMicros == 1_795_598_043_517_933)
            }
        }
    }

    @Test func criJoinsPartialFragmentsOfTheSameStream() {
        let half = envoyLine.count / 2
        let a = String(envoyLine.prefix(half)), b = String(envoyLine.dropFirst(half))
        let lines = [
            "2026-11-25T09:14:04.1Z stdout P \(a)",
            "2026-11-25T09:14:04.2Z stderr F 2026-11-25T09:14:04Z\twarn\tsomething else",
            "2026-11-25T09:14:04.90297571Z stdout F \(b)",
            "2024-04-13T07:59:37.505201169-05:00 stdout F \(envoyLine)",
        ]
        let out = unwrap(.cri, lines)
        #expect(out.count == 3)
        #expect(out[0].0.hasPrefix("2026-11-25T09:14:04Z\twarn"))
        #expect(out[1].0 == envoyLine)
        #expect(out[1].1 == 1_795_598_044_902_975)
        #expect(out[1].2 == 1)
        #expect(out[2].0 == envoyLine)
        #expect(out[2].1 == 1_713_013_177_505_201)
    }

    @Test func dockerJSONDecodesAndJoinsSplitLines() {
        let escaped = envoyLine.replacingOccurrences(of: "\"", with: "\\\"")
        let half = escaped.count / 2
        let lines = [
            #"{"log":"\#(escaped.prefix(half))","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}"#,
            #"{"log":"\#(escaped.dropFirst(half))\n","stream":"stdout","time":"2016-10-20T18:39:20.6Z"}"#,
        ]
        let out = unwrap(.dockerJSON, lines)
        #expect(out.count == 1)
        #expect(out[0].0 == envoyLine)
        #expect(out[0].1 == 1_476_988_760_600_000)
        #expect(out[0].2 == 1)
    }

    @Test func kubectlComposeAndAccessPrefix() {
        #expect(unwrap(.kubectl, ["2025-01-30T12:10:13.682034460Z \(envoyLine)"]).first?.0 == envoyLine)
        let compose = unwrap(.compose, ["envoy-1         | 2024-07-20T07:05:58.670998585Z \(envoyLine)", "envoy-1  | \(envoyLine)"])
        #expect(compose.map(\.0) == [envoyLine, envoyLine])
        #expect(compose[0].1 == 1_721_459_158_670_998)
        #expect(compose[1].1 == nil)
        #expect(unwrap(.accessPrefix, ["ACCESS \(envoyLine)"]).first?.0 == envoyLine)
    }

    @Test(arguments: [
        (LineWrapper.cri, "2026-11-25T09:14:04.1Z stdout F x"),
        (.dockerJSON, #"{"log":"x\n","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}"#),
        (.kubectl, "2025-01-30T12:10:13.682034460Z [2025-01-30T10:53:16.279Z] \"GET / HTTP/1.1\""),
        (.compose, "envoy-1   | [2024-07-20T07:05:54.173Z] \"GET / HTTP/1.1\""),
        (.accessPrefix, "ACCESS [2024-07-20T07:05:54.173Z] \"GET / HTTP/1.1\""),
        (.none, "[2024-07-20T07:05:54.173Z] \"GET / HTTP/1.1\" 200 | x"),
    ])
    func detection(wrapper: LineWrapper, line: String) {
        #expect(LineUnwrapper.detect([Array(line.utf8), Array(line.utf8)]) == wrapper)
    }

    /// One line unwrapped on its own by each wrapper: the payload and its time, or nothing when the
    /// line has another shape or is a CRI `P` fragment.
    @Test func unwrapsOneLineAlone() {
        func alone(_ wrapper: LineWrapper, _ line: String) -> (String, Int64?)? {
            var scratch: [UInt8] = []
            var out: (String, Int64?)?
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBufferPointer { b in
                LineUnwrapper.unwrapAlone(wrapper, UnsafeBufferPointer(b), scratch: &scratch) { payload, time in
                    out = (String(decoding: payload, as: UTF8.self), time)
                    return true
                }
            }
            return out
        }
        #expect(alone(.cri, "2026-11-25T09:14:04.5Z stdout F \(envoyLine)")?.0 == envoyLine)
        #expect(alone(.cri, "2026-11-25T09:14:04.5Z stdout F \(envoyLine)")?.1 == 1_795_598_044_500_000)
        #expect(alone(.cri, "2026-11-25T09:14:04.5Z stdout P \(envoyLine)") == nil)
        #expect(alone(.kubectl, "2026-11-25T09:14:04.5Z \(envoyLine)")?.0 == envoyLine)
        #expect(alone(.kubectl, envoyLine) == nil)
        let docker = #"{"log":"[2026-11-25T09:14:03.517Z] \"GET / HTTP/1.1\" 200\r\n","stream":"stdout","time":"2026-11-25T09:14:04.5Z"}"#
        #expect(alone(.dockerJSON, docker)?.0 == #"[2026-11-25T09:14:03.517Z] "GET / HTTP/1.1" 200"#)
        #expect(alone(.dockerJSON, docker)?.1 == 1_795_598_044_500_000)
        #expect(alone(.compose, "envoy-1  | 2026-11-25T09:14:04.500000000Z \(envoyLine)")?.1 == 1_795_598_044_500_000)
        #expect(alone(.compose, "envoy-1  | \(envoyLine)")?.0 == envoyLine)
        #expect(alone(.accessPrefix, "ACCESS \(envoyLine)")?.0 == envoyLine)
        #expect(alone(.accessPrefix, envoyLine) == nil)
        #expect(alone(.none, envoyLine)?.0 == envoyLine)
    }
}

@Suite("Log line wrappers at end of input")
struct LineUnwrapperFinishTests {
    @Test func partialLineOpenAtTheEndIsStillALine() {
        let u = LineUnwrapper(.cri)
        var bytes = Array("2026-11-25T09:14:04.1Z stdout P half a line".utf8)
        let got = bytes.withUnsafeMutableBufferPointer { b in u.unwrap(UnsafeBufferPointer(b), lineNumber: 7) { _ in true } }
        #expect(got == nil)
        var flushed: [(String, Int)] = []
        u.finish { payload, first, _ in flushed.append((String(decoding: payload, as: UTF8.self), first)) }
        #expect(flushed.count == 1)
        #expect(flushed.first?.0 == "half a line")
        #expect(flushed.first?.1 == 7)
        u.finish { _, _, _ in Issue.record("nothing left after a finish") }
    }

    /// Containers whose lines are an Envoy's access log, by the names meshes and gateways give them;
    /// an application's own container is not one (its lines in a log store's export are skipped).
    @Test(arguments: [
        ("istio-proxy", true), ("envoy", true), ("kuma-sidecar", true), ("gateway-proxy", true),
        ("ambassador", true), ("emissary-ingress", true), ("consul-dataplane", true),
        ("app", false), ("productpage", false), ("redis", false), ("httpbin", false),
    ])
    func proxyContainers(name: String, isProxy: Bool) {
        #expect(LineUnwrapper.isProxyContainer(Array(name.utf8)) == isProxy)
    }

    /// JSON records pretty-printed over several lines are joined from the line holding only `{` to
    /// the `}` that closes it (nested objects and braces inside strings counted right); a record
    /// already on one line passes as it is.
    @Test func prettyPrintedJSONRecordsAreJoined() {
        let lines = [
            "{",
            #"  "start_time": "2025-12-14T15:04:12.558Z","#,
            #"  "path": "/a{b}","#,
            #"  "labels": {"#,
            #"    "app": "shell""#,
            "  },",
            #"  "duration": "10""#,
            "}",
            #"{"start_time":"2025-12-14T15:04:13.000Z","duration":"2"}"#,
            "{",
            #"  "duration": "4""#,
            "}",
        ]
        let out = LineUnwrapperTests().unwrap(.prettyJSON, lines)
        #expect(out.map(\.0) == [
            #"{ "start_time": "2025-12-14T15:04:12.558Z", "path": "/a{b}", "labels": { "app": "shell" }, "duration": "10" }"#,
            #"{"start_time":"2025-12-14T15:04:13.000Z","duration":"2"}"#,
            #"{ "duration": "4" }"#,
        ])
        #expect(out.map(\.2) == [1, 9, 10])
        #expect(LineUnwrapper.detect(lines.map { Array($0.utf8) }) == .prettyJSON)
        // Single-line JSON and text logs are not pretty-printed.
        #expect(LineUnwrapper.detect([Array(#"{"start_time":"x","duration":"2"}"#.utf8)]) == .none)
        #expect(LineUnwrapper.detect([Array(LineUnwrapperTests().envoyLine.utf8)]) == .none)
        // A record still open at the end of the input is handed out by `finish`.
        let u = LineUnwrapper(.prettyJSON)
        for (i, line) in ["{", #"  "duration": "4","#].enumerated() {
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBufferPointer { b in _ = u.unwrap(UnsafeBufferPointer(b), lineNumber: i + 1) { _ in Issue.record("not closed yet") } }
        }
        #expect(u.openFragmentLine == 1)
        var flushed: [String] = []
        u.finish { payload, first, _ in flushed.append(String(decoding: payload, as: UTF8.self)); #expect(first == 1) }
        #expect(flushed == [#"{ "duration": "4","#])
    }
}
