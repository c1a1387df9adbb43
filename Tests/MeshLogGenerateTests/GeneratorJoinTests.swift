import MeshLogGenerate
import Testing
@testable import MeshLogCore

@Suite("Generate: hop join keys")
struct GeneratorJoinTests {
    @Test func everyInboundLineJoinsItsAttemptOnRequestIDAndAddress() throws {
        for request in GeneratorTestSupport.failureRun.prefix(3_000) + GeneratorTestSupport.normalRun.prefix(3_000) {
            let calls = request.calls
            for line in request.lines where line.direction == .inbound {
                let call = calls[line.callIndex]
                let attempt = call.attempts[try #require(line.attempt)]
                let inbound = try #require(GeneratorTestSupport.IstioFields(line.text))
                #expect(inbound.requestID == request.requestID)
                #expect(attempt.reachedServer)
                #expect(inbound.downstreamRemote == attempt.upstreamLocal?.description)
                #expect(line.pod == attempt.pod)
            }
        }
    }

    @Test func outboundLinesWithAnInboundPartnerShareRequestIDAndAddress() throws {
        var joined = 0
        for request in GeneratorTestSupport.normalRun.prefix(4_000) {
            let outbound = Dictionary(grouping: request.lines.filter { $0.direction == .outbound }, by: \.callIndex)
            let inbound = Dictionary(grouping: request.lines.filter { $0.direction == .inbound }, by: \.callIndex)
            for (callIndex, outLines) in outbound {
                #expect(outLines.count == 1, "one outbound line per hop")
                guard let partners = inbound[callIndex], let last = partners.max(by: { ($0.attempt ?? 0) < ($1.attempt ?? 0) }) else { continue }
                let out = try #require(GeneratorTestSupport.IstioFields(outLines[0].text))
                let inn = try #require(GeneratorTestSupport.IstioFields(last.text))
                #expect(out.requestID == inn.requestID)
                #expect(out.upstreamLocal == inn.downstreamRemote, "join key: caller upstream_local == callee downstream_remote")
                #expect(out.upstreamHost == inn.downstreamLocal, "the caller targeted the callee pod IP:targetPort")
                #expect(out.upstreamHost == inn.upstreamHost)
                // The SNI names the same service/port/subset as the outbound cluster.
                let cluster = out.cluster.split(separator: "|", omittingEmptySubsequences: false)
                #expect(inn.serverName == "outbound_.\(cluster[1])_.\(cluster[2])_.\(cluster[3])")
                #expect(inn.cluster.hasPrefix("inbound|"))
                #expect(out.serverName == "-" || callIndex == 0)
                joined += 1
            }
        }
        #expect(joined > 10_000)
    }

    @Test func outboundAddressesMatchTheServiceAndCallerPod() throws {
        let topology = MeshTopology.learningPlatform
        let podIPs = Dictionary(uniqueKeysWithValues: topology.allPods.map { ($0.name, $0.ip) })
        for request in GeneratorTestSupport.normalRun.prefix(2_000) {
            let calls = request.calls
            for line in request.lines where line.direction == .outbound && line.callIndex != 0 {
                let call = calls[line.callIndex]
                let serviceName = try #require(call.calleeService)
                let service = try #require(topology.service(named: serviceName))
                let fields = try #require(GeneratorTestSupport.IstioFields(line.text))
                #expect(fields.downstreamLocal == "\(service.clusterIP):\(service.port)")
                let callerIP = try #require(podIPs[line.pod])
                #expect(fields.downstreamRemote.hasPrefix(callerIP + ":"))
                if fields.upstreamLocal != "-" { #expect(fields.upstreamLocal.hasPrefix(callerIP + ":")) }
                let subset = service.usesSubsets ? (call.calleeSubset ?? "") : ""
                #expect(fields.cluster == "outbound|\(service.port)|\(subset)|\(service.name).lms.svc.cluster.local")
                #expect(fields.serverName == "-")
                #expect(fields.route == "default")
            }
        }
    }

    @Test func connectionsAreReusedButNeverSharedConcurrently() {
        // Group hops by (caller address, callee address): the same pair recurs across requests (keep-alive),
        // but two hops on one connection never overlap in time.
        var byConnection: [String: [(start: Int64, end: Int64)]] = [:]
        for request in GeneratorTestSupport.normalRun {
            for call in request.calls {
                for attempt in call.attempts where attempt.reachedServer {
                    guard let local = attempt.upstreamLocal, let host = attempt.upstreamHost,
                          let start = attempt.serverStartMicros, let duration = attempt.serverDurationMicros else { continue }
                    byConnection["\(local) \(host)", default: []].append((start, start + duration))
                }
            }
        }
        let reused = byConnection.values.filter { $0.count > 1 }.count
        #expect(reused > 100)
        var overlaps = 0
        for intervals in byConnection.values where intervals.count > 1 {
            let sorted = intervals.sorted { $0.start < $1.start }
            for i in 1..<sorted.count where sorted[i].start < sorted[i - 1].end { overlaps += 1 }
        }
        #expect(overlaps == 0)
    }
}
