import MeshLogGenerate
import Testing
@testable import MeshLogCore

@Suite("Generate: failures logged the Envoy way")
struct GeneratorFailureTests {
    /// Every call of the failure-heavy run with its request.
    static let calls: [(request: GeneratedRequest, call: GeneratedCall)] = GeneratorTestSupport.failureRun.flatMap { request in
        request.calls.map { (request, $0) }
    }

    static func lines(_ request: GeneratedRequest, _ call: GeneratedCall, _ direction: GeneratedLine.Direction) -> [GeneratedLine] {
        request.lines.filter { $0.callIndex == call.index && $0.direction == direction }
    }

    static func outbound(_ request: GeneratedRequest, _ call: GeneratedCall) throws -> GeneratorTestSupport.IstioFields {
        let line = try #require(lines(request, call, .outbound).first)
        return try #require(GeneratorTestSupport.IstioFields(line.text))
    }

    @Test func retriesLogOneInboundLinePerAttemptAndURX() throws {
        // Retries exhausted on application 503s (an earlier attempt may also have been refused: no inbound line).
        let exhausted = Self.calls.filter { $0.call.responseFlags == ["URX"] && $0.call.attempts.allSatisfy(\.reachedServer) }
        #expect(exhausted.count >= 5)
        for (request, call) in exhausted {
            let out = try Self.outbound(request, call)
            #expect(out.code == "503")
            #expect(out.flags == "URX")
            #expect(out.details == "via_upstream")
            let inbound = Self.lines(request, call, .inbound)
            #expect(call.attempts.count == 3)
            #expect(inbound.count == call.attempts.count)
            #expect(Set(inbound.compactMap(\.attempt)) == [0, 1, 2])
            for line in inbound {
                let fields = try #require(GeneratorTestSupport.IstioFields(line.text))
                #expect(fields.code == "503")
                #expect(fields.flags == "-")
                #expect(fields.details == "via_upstream")
                #expect(fields.requestID == request.requestID)
            }
            // Retries go to different pods when there are enough of them (Envoy's previous-hosts predicate).
            let pods = call.attempts.compactMap(\.pod)
            let available = MeshTopology.learningPlatform.allPods.filter { $0.workload == call.calleeWorkload }.count
            #expect(Set(pods).count == min(3, available))
        }
    }

    @Test func successfulRetriesLeaveFailedAttemptsOnlyOnTheInboundSide() throws {
        let retried = Self.calls.filter { $0.call.statusCode < 500 && $0.call.attempts.count > 1 && $0.call.responseFlags.isEmpty }
        #expect(retried.count >= 5)
        for (request, call) in retried {
            let inbound = Self.lines(request, call, .inbound)
            #expect(inbound.count == call.inboundLineCount)
            let failedAttempts = call.attempts.dropLast()
            #expect(failedAttempts.allSatisfy { $0.serverStatusCode == 503 || !$0.reachedServer })
        }
    }

    @Test func connectionFailuresHaveNoInboundLine() throws {
        let failures = Self.calls.filter { $0.call.responseFlags.contains("UF") }
        #expect(failures.count >= 10)
        var sawSingleUF = false
        var allRefused = 0
        for (request, call) in failures {
            let out = try Self.outbound(request, call)
            #expect(out.code == "503")
            #expect(out.details.hasPrefix("upstream_reset_before_response_started{connection_failure"))
            #expect(out.upstreamLocal == "-")
            #expect(out.upstreamHost != "-")
            #expect(out.upstreamServiceTime == "-")
            // The refused attempt never reaches the callee; earlier attempts may have (503, then retried).
            #expect(call.attempts.last?.reachedServer == false)
            #expect(call.attempts.last?.upstreamLocal == nil)
            #expect(Self.lines(request, call, .inbound).count == call.inboundLineCount)
            if call.attempts.allSatisfy({ !$0.reachedServer }) {
                allRefused += 1
                #expect(Self.lines(request, call, .inbound).isEmpty)
            }
            if call.calleeService == "payment" {
                // Retries are disabled for payment: no URX.
                #expect(call.responseFlags == ["UF"] || call.responseFlags == ["UF", "DI"])
                sawSingleUF = sawSingleUF || call.responseFlags == ["UF"]
            } else {
                #expect(call.responseFlags == ["UF", "URX"] || call.responseFlags == ["UF", "DI", "URX"])
                #expect(call.attempts.count == 3)
            }
        }
        #expect(sawSingleUF)
        #expect(allRefused >= 10)
    }

    @Test func timeoutsLog504UTOutboundAnd0DCInbound() throws {
        let timeouts = Self.calls.filter { $0.call.responseFlags.contains("UT") }
        #expect(timeouts.count >= 5)
        for (request, call) in timeouts {
            let out = try Self.outbound(request, call)
            #expect(out.code == "504")
            #expect(out.details == "response_timeout")
            #expect(out.upstreamServiceTime == "-")
            let inbound = Self.lines(request, call, .inbound)
            #expect(inbound.count == 1)
            let firstInbound = try #require(inbound.first)
            let inn = try #require(GeneratorTestSupport.IstioFields(firstInbound.text))
            #expect(inn.code == "0")
            #expect(inn.flags == "DC")
            #expect(inn.details == "downstream_remote_disconnect")
            #expect(inn.downstreamRemote == out.upstreamLocal)
            let serviceName = try #require(call.calleeService)
            let service = try #require(MeshTopology.learningPlatform.service(named: serviceName))
            #expect(call.clientDurationMicros >= service.timeoutMicros)
            #expect(call.clientDurationMicros < service.timeoutMicros + 2_000_000)
            #expect(call.children.isEmpty)
        }
    }

    @Test func localRepliesHaveNoInboundLine() throws {
        var seen: Set<String> = []
        for (request, call) in Self.calls {
            guard let flag = call.responseFlags.first, ["UH", "UO", "FI"].contains(flag) else { continue }
            seen.insert(flag)
            let out = try Self.outbound(request, call)
            #expect(out.code == "503")
            #expect(out.upstreamLocal == "-")
            #expect(out.upstreamServiceTime == "-")
            #expect(Self.lines(request, call, .inbound).isEmpty)
            #expect(out.cluster.hasPrefix("outbound|"))
            switch flag {
            case "UH":
                #expect(out.details == "no_healthy_upstream")
                #expect(out.upstreamHost == "-")
            case "UO":
                #expect(out.details == "upstream_reset_before_response_started{overflow}")
            default:
                #expect(out.details == "fault_filter_abort")
                #expect(out.upstreamHost == "-")
                #expect(call.calleeService == "user")
            }
        }
        #expect(seen == ["UH", "UO", "FI"])
    }

    @Test func unroutableRequestsAre404NRAtTheGateway() throws {
        let unroutable = GeneratorTestSupport.failureRun.filter { $0.root.responseFlags == ["NR"] }
        #expect(unroutable.count >= 5)
        for request in unroutable {
            #expect(request.lines.count == 1)
            let fields = try #require(GeneratorTestSupport.IstioFields(request.lines[0].text))
            #expect(fields.code == "404")
            #expect(fields.details == "route_not_found")
            #expect(fields.cluster == "-")
            #expect(fields.route == "-")
            #expect(fields.upstreamHost == "-")
            #expect(request.root.calleeService == nil)
        }
    }

    @Test func injectedDelaysAddLatencyButStillReachTheServer() throws {
        let delayed = Self.calls.filter { $0.call.responseFlags.contains("DI") }
        #expect(delayed.count >= 3)
        for (request, call) in delayed {
            #expect(call.calleeService == "payment")
            #expect(call.injectedDelayMicros == 1_500_000)
            #expect(call.clientDurationMicros > call.injectedDelayMicros)
            if call.responseFlags == ["DI"] {
                #expect(Self.lines(request, call, .inbound).count == 1)
                let server = try #require(call.serverStartMicros)
                #expect(server >= call.clientStartMicros + call.injectedDelayMicros)
            }
        }
    }

    @Test func applicationErrorsAreLoggedOnBothSidesWithoutFlags() throws {
        let errors = Self.calls.filter { $0.call.statusCode == 500 && $0.call.responseFlags.isEmpty }
        #expect(errors.count >= 10)
        for (request, call) in errors {
            let out = try Self.outbound(request, call)
            #expect(out.flags == "-")
            #expect(out.details == "via_upstream")
            let inbound = Self.lines(request, call, .inbound)
            let lastInbound = try #require(inbound.last)
            let last = try #require(GeneratorTestSupport.IstioFields(lastInbound.text))
            #expect(last.code == "500")
        }
    }

    @Test func defaultErrorRateIsSmall() {
        var lines = 0
        var errors = 0
        for request in GeneratorTestSupport.normalRun {
            for line in request.lines {
                lines += 1
                if line.record.responseCode >= 500 || line.record.responseCode == 0 { errors += 1 }
            }
        }
        let rate = Double(errors) / Double(lines)
        #expect(rate > 0.005 && rate < 0.03, "error rate \(rate)")
        let clean = GeneratorTestSupport.requests(lines: 5_000, errorRateScale: 0)
        #expect(clean.allSatisfy { $0.lines.allSatisfy { $0.record.responseCode < 500 && $0.record.responseFlags.isEmpty } })
    }

    @Test func incidentConcentratesFailuresInItsWindow() {
        var options = GeneratorOptions(lines: 40_000, seed: 4, durationSeconds: 3_600)
        options.incident = .standard(service: "payment", windowSeconds: 3_600)
        let generator = TrafficGenerator(options: options)
        var inside = (calls: 0, failed: 0)
        var outside = (calls: 0, failed: 0)
        let from = options.startMicros + 2_160_000_000
        let to = from + 360_000_000
        while let request = generator.nextRequest() {
            for call in request.calls where call.calleeService == "payment" {
                let failed = call.statusCode >= 500
                if call.clientStartMicros >= from, call.clientStartMicros < to {
                    inside.calls += 1
                    inside.failed += failed ? 1 : 0
                } else {
                    outside.calls += 1
                    outside.failed += failed ? 1 : 0
                }
            }
        }
        #expect(inside.calls > 20)
        #expect(Double(inside.failed) / Double(inside.calls) > 0.1)
        #expect(Double(outside.failed) / Double(max(1, outside.calls)) < 0.05)
    }
}
