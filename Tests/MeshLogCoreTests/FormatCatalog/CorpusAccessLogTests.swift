import Foundation
import Testing
@testable import MeshLogCore

/// Real access-log lines written by other projects (../shared/corpus), parsed with the right preset.
@Suite("Corpus access logs", .enabled(if: Corpus.available))
struct CorpusAccessLogTests {
    @Test func envoyDocsDefaultFormat() throws {
        let lines = try Corpus.lines("envoy-docs/default-format-example.log")
        let detection = try #require(FormatDetector.detect(lines.map { Array($0.utf8) }))
        #expect(detection.preset.name == "envoy")
        let r = try #require(parse(detection.parser, lines[0]))
        #expect(r.text(.method) == "POST")
        #expect(r.text(.path) == "/api/v1/locations")
        #expect(r.text(.protocol) == "HTTP/2")
        #expect(r.integer(.status) == 204)
        #expect(r.integer(.bytesReceived) == 154)
        #expect(r.integer(.duration) == 226)
        #expect(r.integer(.upstreamServiceTime) == 100)
        #expect(r.text(.forwardedFor) == "10.0.35.28")
        #expect(r.text(.requestID) == "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2")
        #expect(r.text(.upstreamHost) == "tcp://10.0.2.1:80")
    }

    @Test func istioDocsOutboundAndInbound() throws {
        let outbound = try Corpus.lines("istio-io-docs/access-log-task.sleep-outbound.log")
        let inbound = try Corpus.lines("istio-io-docs/access-log-task.httpbin-inbound.log")
        let detection = try #require(FormatDetector.detect((outbound + inbound).map { Array($0.utf8) }))
        #expect(detection.preset.name == "istio")
        let o = try #require(parse(detection.parser, outbound[0]))
        let i = try #require(parse(detection.parser, inbound[0]))
        #expect(o.integer(.status) == 418)
        #expect(o.text(.details) == "via_upstream")
        #expect(o.integer(.duration) == 4)
        #expect(i.integer(.duration) == 3)
        #expect(o.text(.upstreamCluster) == "outbound|8000||httpbin.foo.svc.cluster.local")
        #expect(i.text(.upstreamCluster) == "inbound|8000||")
        // The join key of one hop: the caller's upstream local address is the callee's downstream remote.
        #expect(o.text(.upstreamLocal) == i.text(.downstreamRemote))
        #expect(o.text(.requestID) == i.text(.requestID))
        #expect(i.text(.serverName) == "outbound_.8000_._.httpbin.foo.svc.cluster.local")
    }

    @Test func renukaFernandoCustomFormat() throws {
        guard let root = Corpus.root else { return }
        let format = try String(contentsOf: root.appendingPathComponent("envoy-renuka-fernando-examples/FORMAT.txt"), encoding: .utf8)
        let parser = try CompiledAccessLogFormat(format: format)
        let lines = try Corpus.lines("envoy-renuka-fernando-examples/README.md.envoy-lines.log")
        #expect(lines.count == 10)
        var flags: [String] = []
        for line in lines {
            // Strip the `docker compose logs -t` wrapper: `envoy-1   | <RFC3339Nano> `.
            let afterBar = line[line.index(after: try #require(line.firstIndex(of: "|")))...].drop { $0 == " " }
            let envoyLine = String(afterBar.drop { $0 != " " }.dropFirst())
            let r = try #require(parse(parser, envoyLine), "does not parse: \(envoyLine)")
            flags.append(r.text(.flags) ?? "-")
        }
        #expect(flags == ["UT", "UH", "UF", "UPE", "UO", "-", "NC", "URX", "DC", "SI"])
        let uf = try #require(parse(parser, String(lines[2].split(separator: " ", maxSplits: 3)[3])))
        #expect(uf.text(.details) == "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}")
        #expect(uf.integer(.status) == 503)
        #expect(!uf.has(.upstreamServiceTime))
    }

    @Test func kialiWaypointLinesBehindKubectlTimestamps() throws {
        let lines = try Corpus.lines("kiali-istio/logs/waypoint.log")
        #expect(lines.count == 16)
        let envoyLines = lines.map { String($0.drop { $0 != " " }.dropFirst()) }
        let detection = try #require(FormatDetector.detect(envoyLines.map { Array($0.utf8) }))
        #expect(detection.preset.name == "istio")
        #expect(detection.matched == 16)
        let r = try #require(parse(detection.parser, envoyLines[0]))
        #expect(r.text(.upstreamHost) == "envoy://connect_originate/10.244.0.32:9080")
        #expect(r.text(.upstreamCluster) == "inbound-vip|9080|http|details.bookinfo.svc.cluster.local")
        #expect(r.text(.upstreamLocal) == "envoy://internal_client_address/")
    }
}
