import MeshLogGenerate
import Foundation
import Testing
@testable import MeshLogCore

@Suite("Generate: line formats")
struct GeneratorFormatTests {
    @Test func istioLinesHave21FieldsAfterTheTime() throws {
        let lines = GeneratorTestSupport.completionOrderedLines(lines: 4_000, format: .istio, errorRateScale: 10)
        for line in lines {
            let parsed = try #require(GeneratorTestSupport.fields(line.text), "\(line.text)")
            #expect(parsed.fields.count == 21, "\(line.text)")
            #expect(parsed.time.count == 24 && parsed.time.hasSuffix("Z"))
            let request = parsed.fields[0].split(separator: " ")
            #expect(request.count == 3)
            #expect(["GET", "POST", "PUT"].contains(String(request[0])))
            #expect(["HTTP/1.1", "HTTP/2"].contains(String(request[2])))
            #expect(Int(parsed.fields[1]) != nil)
            #expect(parsed.fields[3] != "-", "1.9+ lines carry response code details")
            #expect(Int(parsed.fields[6]) != nil && Int(parsed.fields[7]) != nil && Int(parsed.fields[8]) != nil)
            #expect(!line.text.hasSuffix("\n"))
            let cluster = parsed.fields[15]
            #expect(cluster == "-" || cluster.hasPrefix("outbound|") || cluster.hasPrefix("inbound|"))
            if line.direction == .inbound {
                #expect(cluster.hasPrefix("inbound|") && cluster.hasSuffix("||"))
                #expect(parsed.fields[16].hasPrefix("127.0.0.6:"))
                #expect(parsed.fields[19].hasPrefix("outbound_."))
                #expect(parsed.fields[20] == "default")
            }
        }
    }

    @Test func istio13LinesCarryMixerStatusAndOldInboundNames() throws {
        let lines = GeneratorTestSupport.completionOrderedLines(lines: 2_000, format: .istio13)
        for line in lines {
            let parsed = try #require(GeneratorTestSupport.fields(line.text))
            // The mixer status replaces both the details and the termination details: 20 fields.
            #expect(parsed.fields.count == 20, "\(line.text)")
            #expect(parsed.fields[3] == "-", "mixer status")
            #expect(!line.text.contains("via_upstream"))
            if line.direction == .inbound {
                #expect(parsed.fields[14].hasPrefix("inbound|") && parsed.fields[14].contains("|http|"))
                #expect(parsed.fields[15].hasPrefix("127.0.0.1:"))
            }
        }
        // Same traffic as the 1.9+ rendering apart from those fields.
        let modern = GeneratorTestSupport.completionOrderedLines(lines: 2_000, format: .istio)
        #expect(modern.count == lines.count)
        #expect(zip(modern, lines).allSatisfy { $0.record.requestID == $1.record.requestID && $0.endTimeMicros == $1.endTimeMicros })
    }

    @Test func envoyLinesHave12FieldsAfterTheTime() throws {
        let lines = GeneratorTestSupport.completionOrderedLines(lines: 2_000, format: .envoy, errorRateScale: 10)
        for line in lines {
            let parsed = try #require(GeneratorTestSupport.fields(line.text))
            #expect(parsed.fields.count == 12, "\(line.text)")
            #expect(Int(parsed.fields[1]) != nil)
            #expect(Int(parsed.fields[3]) != nil && Int(parsed.fields[4]) != nil && Int(parsed.fields[5]) != nil)
            #expect(parsed.fields[9] == line.record.requestID)
        }
    }

    @Test func istioJSONLinesParseWithTypedValuesAndSortedKeys() throws {
        let lines = GeneratorTestSupport.completionOrderedLines(lines: 3_000, format: .istioJSON, errorRateScale: 10)
        let expectedKeys = Set(AccessLogLineWriter.istioJSONKeys)
        #expect(AccessLogLineWriter.istioJSONKeys == AccessLogLineWriter.istioJSONKeys.sorted())
        var sawNull = false
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.text.utf8)) as? [String: Any])
            #expect(Set(object.keys) == expectedKeys)
            #expect(object["response_code"] is NSNumber)
            #expect(object["bytes_received"] is NSNumber)
            #expect(object["bytes_sent"] is NSNumber)
            #expect(object["duration"] is NSNumber)
            #expect(object["start_time"] is String)
            #expect(object["request_id"] as? String == line.record.requestID)
            #expect(object["upstream_service_time"] is String || object["upstream_service_time"] is NSNull)
            if object["x_forwarded_for"] is NSNull { sawNull = true }
            // Keys appear in sorted order in the text.
            var positions: [String.Index] = []
            for key in AccessLogLineWriter.istioJSONKeys {
                positions.append(try #require(line.text.range(of: "\"\(key)\":")).lowerBound)
            }
            #expect(positions == positions.sorted())
        }
        #expect(sawNull)
    }

    @Test func timestampsAreFormattedByHand() {
        #expect(AccessLogLineWriter.formatTimestamp(micros: GeneratorOptions.defaultStartMicros) == "2026-11-25T00:00:00.000Z")
        #expect(AccessLogLineWriter.formatTimestamp(micros: 1_460_751_420_310_999) == "2016-04-15T20:17:00.310Z")
        #expect(AccessLogLineWriter.formatTimestamp(micros: 0) == "1970-01-01T00:00:00.000Z")
        #expect(AccessLogLineWriter.formatTimestamp(micros: 1_835_481_599_999_000) == "2028-02-29T23:59:59.999Z")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var rng = SeededRandom(seed: 1)
        for _ in 0..<500 {
            let millis = Int64(rng.nextInt(below: 4_000_000_000)) * 1000 + Int64(rng.nextInt(below: 1000))
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            #expect(AccessLogLineWriter.formatTimestamp(micros: millis * 1000 + 999) == expected)
        }
    }

    @Test func recordRendersMissingValuesAsDashOrNull() throws {
        let record = GeneratedLogRecord(
            startMicros: GeneratorOptions.defaultStartMicros + 1_250_000, method: "GET", path: "/courses/1042", protocolName: "HTTP/1.1",
            responseCode: 503, responseFlags: ["UH"], responseCodeDetails: "no_healthy_upstream", bytesReceived: 0, bytesSent: 19,
            durationMicros: 950, upstreamServiceTimeMillis: nil, forwardedFor: nil, userAgent: "axios/1.7.7",
            requestID: "0b6a4e4e-9c1e-4b43-a3a8-0d7c3f2b1a10", authority: "course:8080", upstreamHost: nil,
            upstreamCluster: "outbound|8080|v1|course.lms.svc.cluster.local", upstreamLocalAddress: nil,
            downstreamLocalAddress: GeneratedAddress(ip: "10.96.41.7", port: 8080),
            downstreamRemoteAddress: GeneratedAddress(ip: "10.244.2.5", port: 41234), requestedServerName: nil, routeName: "default"
        )
        #expect(AccessLogLineWriter.render(record, format: .istio) ==
            #"[2026-11-25T00:00:01.250Z] "GET /courses/1042 HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 0 - "-" "axios/1.7.7" "0b6a4e4e-9c1e-4b43-a3a8-0d7c3f2b1a10" "course:8080" "-" outbound|8080|v1|course.lms.svc.cluster.local - 10.96.41.7:8080 10.244.2.5:41234 - default"#)
        #expect(AccessLogLineWriter.render(record, format: .envoy) ==
            #"[2026-11-25T00:00:01.250Z] "GET /courses/1042 HTTP/1.1" 503 UH 0 19 0 - "-" "axios/1.7.7" "0b6a4e4e-9c1e-4b43-a3a8-0d7c3f2b1a10" "course:8080" "-""#)
        #expect(AccessLogLineWriter.render(record, format: .istio13) ==
            #"[2026-11-25T00:00:01.250Z] "GET /courses/1042 HTTP/1.1" 503 UH "-" "-" 0 19 0 - "-" "axios/1.7.7" "0b6a4e4e-9c1e-4b43-a3a8-0d7c3f2b1a10" "course:8080" "-" outbound|8080|v1|course.lms.svc.cluster.local - 10.96.41.7:8080 10.244.2.5:41234 - default"#)
        let json = AccessLogLineWriter.render(record, format: .istioJSON)
        #expect(json.hasPrefix(#"{"authority":"course:8080","bytes_received":0,"bytes_sent":19,"connection_termination_details":null,"#))
        #expect(json.contains(#""response_flags":"UH","#))
        #expect(json.contains(#""upstream_host":null,"#))
        #expect(json.contains(#""upstream_service_time":null,"#))
        #expect(json.hasSuffix(#""user_agent":"axios/1.7.7","x_forwarded_for":null}"#))
    }

    @Test func gatewayLinesUseTheClientAddressFromXFF() throws {
        let requests = GeneratorTestSupport.requests(lines: 2_000)
        for request in requests {
            let gatewayLine = try #require(request.lines.first { $0.callIndex == 0 && $0.direction == .outbound })
            let fields = try #require(GeneratorTestSupport.IstioFields(gatewayLine.text))
            #expect(gatewayLine.namespace == "istio-system")
            #expect(gatewayLine.pod.hasPrefix("istio-ingressgateway-"))
            #expect(fields.downstreamRemote == "\(request.clientAddress):0")
            #expect(gatewayLine.record.forwardedFor == request.clientAddress)
            #expect(fields.serverName == "learn.example.com")
        }
    }

    @Test func podsLookLikeKubernetesPods() throws {
        let pods = MeshTopology.learningPlatform.allPods
        #expect(Set(pods.map(\.name)).count == pods.count)
        #expect(Set(pods.map(\.ip)).count == pods.count)
        let pattern = try Regex("^[a-z0-9-]+-[bcdfghjklmnpqrstvwxz2456789]{9,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$")
        for pod in pods {
            #expect(pod.name.wholeMatch(of: pattern) != nil, "\(pod.name)")
            #expect(pod.ip.hasPrefix("10.244."))
        }
        #expect(pods.contains { $0.workload == "course-v2" })
        for service in MeshTopology.learningPlatform.services { #expect(service.clusterIP.hasPrefix("10.96.")) }
    }
}
