import MeshLogGenerate
import Testing
@testable import MeshLogCore

@Suite("Generate: timing and ordering")
struct GeneratorTimingTests {
    @Test func childCallsNestInsideTheirParentsServerSpan() throws {
        var checked = 0
        for request in GeneratorTestSupport.normalRun + GeneratorTestSupport.failureRun.prefix(2_000) {
            for call in request.calls {
                #expect(call.clientDurationMicros > 0)
                if let serverStart = call.serverStartMicros, let serverEnd = call.serverEndMicros {
                    #expect(serverStart > call.clientStartMicros)
                    // After a timeout the callee only notices the reset after the caller has answered 504.
                    if !call.responseFlags.contains("UT") { #expect(serverEnd < call.clientEndMicros) }
                }
                guard !call.children.isEmpty else { continue }
                let start = try #require(call.serverStartMicros)
                let end = try #require(call.serverEndMicros)
                for child in call.children {
                    #expect(child.clientStartMicros > start)
                    #expect(child.clientEndMicros < end)
                    checked += 1
                }
            }
        }
        #expect(checked > 5_000)
    }

    @Test func clientDurationIsServerDurationPlusSidecarOverhead() throws {
        for request in GeneratorTestSupport.normalRun.prefix(3_000) {
            for call in request.calls where call.attempts.count == 1 && call.injectedDelayMicros == 0 {
                guard let server = call.serverDurationMicros, call.responseFlags.isEmpty else { continue }
                let overhead = call.clientDurationMicros - server
                #expect(overhead >= 300 && overhead <= 2_000, "overhead \(overhead) µs")
            }
        }
    }

    @Test func upstreamServiceTimeTracksServerAndAppTime() throws {
        for request in GeneratorTestSupport.normalRun.prefix(3_000) {
            let calls = request.calls
            for line in request.lines where line.record.responseCode == 200 {
                let record = line.record
                let ust = try #require(record.upstreamServiceTimeMillis)
                #expect(Int64(ust) <= record.durationMillis)
                if line.direction == .outbound, calls[line.callIndex].attempts.count == 1, calls[line.callIndex].injectedDelayMicros == 0 {
                    let server = try #require(calls[line.callIndex].serverDurationMicros)
                    #expect(abs(Int64(ust) * 1000 - server) <= 1_300, "≈ server duration")
                }
            }
        }
    }

    @Test func linesWithinARequestAreInCompletionOrder() {
        for request in GeneratorTestSupport.normalRun.prefix(3_000) {
            let ends = request.lines.map(\.endTimeMicros)
            #expect(ends == ends.sorted())
            for line in request.lines {
                #expect(line.endTimeMicros == line.record.startMicros + line.record.durationMicros)
            }
            // A parent's inbound line comes after its children's outbound lines.
            let calls = request.calls
            let position = Dictionary(request.lines.enumerated().map { ("\($0.element.callIndex)-\($0.element.direction)-\($0.element.attempt ?? -1)", $0.offset) },
                                      uniquingKeysWith: { a, _ in a })
            for call in calls where !call.children.isEmpty {
                let lastAttempt = call.attempts.count - 1
                guard let parentInbound = position["\(call.index)-inbound-\(lastAttempt)"] else { continue }
                for child in call.children {
                    if let childOutbound = position["\(child.index)-outbound--1"] {
                        #expect(childOutbound < parentInbound)
                    }
                }
            }
        }
    }

    @Test func combinedStreamIsInCompletionOrderAcrossPods() {
        let lines = GeneratorTestSupport.completionOrderedLines(lines: 30_000, seed: 12)
        let ends = lines.map(\.endTimeMicros)
        #expect(ends == ends.sorted())
        let generator = TrafficGenerator(options: GeneratorOptions(lines: 30_000, seed: 12))
        var total = 0
        while let request = generator.nextRequest() { total += request.lines.count }
        #expect(lines.count == total)
        #expect(Set(lines.map(\.pod)).count == MeshTopology.learningPlatform.allPods.count)
    }

    @Test func courseCanaryIsSlowerAtP99() {
        var v1: [Int64] = []
        var v2: [Int64] = []
        for request in GeneratorTestSupport.normalRun {
            for call in request.calls where call.calleeService == "course" {
                guard let duration = call.serverDurationMicros, call.statusCode < 500 else { continue }
                if call.calleeSubset == "v1" { v1.append(duration) } else if call.calleeSubset == "v2" { v2.append(duration) }
            }
        }
        #expect(v2.count > 200)
        let share = Double(v2.count) / Double(v1.count + v2.count)
        #expect(share > 0.07 && share < 0.13, "canary share \(share)")
        let p99v1 = GeneratorTestSupport.percentile(v1, 0.99)
        let p99v2 = GeneratorTestSupport.percentile(v2, 0.99)
        #expect(Double(p99v2) > Double(p99v1) * 1.3, "p99 v1 \(p99v1) µs, v2 \(p99v2) µs")
    }

    @Test func appLatenciesAreRealistic() {
        var byService: [String: [Int64]] = [:]
        for request in GeneratorTestSupport.normalRun {
            for call in request.calls where call.children.isEmpty && call.statusCode < 400 && call.attempts.count == 1 {
                if let service = call.calleeService, let duration = call.serverDurationMicros {
                    byService[service, default: []].append(duration)
                }
            }
        }
        #expect(Set(byService.keys) == ["course", "enrollment", "user", "payment", "grading"])
        for (service, durations) in byService {
            #expect(durations.count > 50)
            let median = GeneratorTestSupport.percentile(durations, 0.5)
            let p99 = GeneratorTestSupport.percentile(durations, 0.99)
            #expect(median >= 500 && median <= 60_000, "\(service) median \(median)")
            #expect(p99 > median * 2, "\(service) has a tail")
        }
    }
}
