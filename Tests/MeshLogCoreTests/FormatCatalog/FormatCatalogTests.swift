import Testing
@testable import MeshLogCore

@Suite("Format presets and detection")
struct FormatCatalogTests {
    @Test(arguments: FormatCatalog.presets.map(\.name))
    func everySampleParses(name: String) throws {
        let preset = try #require(FormatCatalog.preset(named: name))
        let parser = try preset.makeParser()
        #expect(!preset.samples.isEmpty)
        for sample in preset.samples {
            let record = parse(parser, sample)
            #expect(record != nil, "\(name) sample does not parse: \(sample)")
            #expect(record?.startMicros != nil)
        }
    }

    @Test(arguments: FormatCatalog.presets.map(\.name))
    func detectionPicksThePresetOfItsOwnSamples(name: String) throws {
        let preset = try #require(FormatCatalog.preset(named: name))
        let detection = try #require(FormatDetector.detect(preset.samples.map { Array($0.utf8) }))
        #expect(detection.preset.name == name)
        #expect(detection.matched == preset.samples.count)
    }

    @Test func istioSampleIsNotMistakenForOlderGenerations() throws {
        let istio13 = try #require(FormatCatalog.preset(named: "istio-1.3")).makeParser()
        let envoy = try #require(FormatCatalog.preset(named: "envoy")).makeParser()
        for sample in try #require(FormatCatalog.preset(named: "istio")).samples {
            #expect(parse(istio13, sample) == nil)
            #expect(parse(envoy, sample) == nil)
        }
    }

    @Test func jsonMissingValuesAreNullDashOrEmpty() throws {
        let parser = try #require(FormatCatalog.preset(named: "istio-json")).makeParser()
        let r = try #require(parse(parser, #"{"start_time":"2026-11-25T09:14:03.517Z","response_code":"503","response_flags":"UO","duration":"0","upstream_cluster":"outbound|8080||course.lms.svc.cluster.local","authority":"","request_id":null,"user_agent":"-","path":"/a\"b\u00e9"}"#))
        #expect(r.integer(.status) == 503)
        #expect(r.text(.flags) == "UO")
        #expect(!r.has(.authority))
        #expect(!r.has(.requestID))
        #expect(!r.has(.userAgent))
        #expect(r.text(.path) == "/a\"bé")
    }

    @Test func jsonLinesWithoutAccessLogKeysAreNotAccessLogs() throws {
        let parser = try #require(try FormatCatalog.preset(named: "istio-json")?.makeParser() as? JSONAccessLogParser)
        let record = AccessLogRecord()
        var line = Array(#"{"level":"info","time":"2026-11-25T09:14:03Z","msg":"Envoy proxy is ready"}"#.utf8)
        let outcome = line.withUnsafeMutableBufferPointer { parser.classify(UnsafeBufferPointer($0), into: record) }
        #expect(outcome == .notAccessLog)
        var broken = Array(#"{"response_code": 200, "#.utf8)
        #expect(broken.withUnsafeMutableBufferPointer { parser.classify(UnsafeBufferPointer($0), into: record) } == .malformed)
    }

    @Test func responseFlagsHaveMeanings() {
        #expect(ResponseFlag.named("UO")?.long == "UpstreamOverflow")
        #expect(ResponseFlag.named("UpstreamConnectionFailure")?.short == "UF")
        #expect(ResponseFlag.shortForm("UpstreamConnectionFailure,UpstreamRetryLimitExceeded") == "UF,URX")
        #expect(ResponseFlag.all.count >= 30)
    }

    @Test(arguments: [
        ("outbound|8080|v2|course.lms.svc.cluster.local", ClusterName.Direction.outbound, 8080, "v2", "course", "lms"),
        ("outbound|8000||httpbin.foo.svc.cluster.local", .outbound, 8000, nil, "httpbin", "foo"),
        ("inbound|8080||", .inbound, 8080, nil, nil, nil),
        ("inbound|9080|http|reviews.default.svc.cluster.local", .inbound, 9080, nil, "reviews", "default"),
    ] as [(String, ClusterName.Direction, Int, String?, String?, String?)])
    func clusterNames(name: String, direction: ClusterName.Direction, port: Int, subset: String?, service: String?, namespace: String?) {
        let c = ClusterName(name)
        #expect(c.direction == direction)
        #expect(c.port == port)
        #expect(c.subset == subset)
        #expect(c.service == service)
        #expect(c.namespace == namespace)
    }

    @Test func serverNameGivesTheTargetedService() throws {
        let v2 = try #require(ClusterName.fromServerName("outbound_.8080_.v2_.course.lms.svc.cluster.local"))
        #expect(v2.service == "course")
        #expect(v2.namespace == "lms")
        #expect(v2.subset == "v2")
        #expect(v2.port == 8080)
        let plain = try #require(ClusterName.fromServerName("outbound_.8000_._.httpbin.foo.svc.cluster.local"))
        #expect(plain.subset == nil)
        #expect(plain.service == "httpbin")
    }

    @Test(arguments: [
        ("/courses/123/lessons/3f2a9c0d1e2f3a4b5c6d", "/courses/{id}/lessons/{id}"),
        ("/users/9d3f5a7e-2c41-4b8a-9e6f-1a2b3c4d5e6f?x=1", "/users/{id}"),
        ("/healthz", "/healthz"),
        ("/api/v1/courses?limit=20#top", "/api/v1/courses"),
        ("/files/deadbeef", "/files/deadbeef"),
        ("/", "/"),
    ])
    func routeTemplates(path: String, route: String) {
        #expect(RouteTemplate.template(path) == route)
    }
}

@Suite("Pod names")
struct PodNameTests {
    @Test(arguments: [
        ("course-v1-7c9d8f6b5-x2kqp", "course-v1"),
        ("istio-ingressgateway-qm5fg5bnf-7rpmk", "istio-ingressgateway"),
        ("postgres-0", "postgres"),
        ("fluentd-x7k2p", "fluentd"),
        ("standalone", "standalone"),
    ])
    func workloads(pod: String, workload: String) {
        #expect(PodName.workload(pod) == workload)
    }

    @Test func podAndNamespaceFromLogPaths() {
        #expect(PodName.fromPath("/var/log/pods/lms_course-v1-7c9d8f6b5-x2kqp_49cc7c1f-0000/istio-proxy/0.log")! == ("course-v1-7c9d8f6b5-x2kqp", "lms"))
        #expect(PodName.fromPath("dump.tgz:var/log/containers/user-v1-5d4c-abcde_lms_istio-proxy-0123abcd.log")! == ("user-v1-5d4c-abcde", "lms"))
        #expect(PodName.fromPath("logs/course.log") == nil)
    }

    /// `original_path`, a key hand-written `json_format` configurations give
    /// `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`, is the path.
    @Test func envoyJSONReadsOriginalPath() throws {
        let parser = try #require(FormatCatalog.preset(named: "envoy-json")).makeParser()
        let r = try #require(parse(parser, #"{"response_code": 500, "timestamp": "2023-11-15T13:48:12.118Z", "original_path": "/ui/post"}"#))
        #expect(r.text(.path) == "/ui/post")
        #expect(r.integer(.status) == 500)
    }

    /// JSON no preset parses whole (a record a terminal cut in two, a prefix before it) names the
    /// preset whose keys it has; an application's JSON log names none.
    @Test func closestJSONPresetOfRecordsThatDoNotParse() throws {
        func closest(_ lines: [String]) -> String? { FormatDetector.closestJSON(lines.map { Array($0.utf8) })?.preset.name }
        let gateway = try #require(FormatCatalog.preset(named: "envoy-gateway")).samples[0]
        let cut = gateway.index(gateway.startIndex, offsetBy: gateway.count / 2)
        #expect(closest(["my-gw-5d8f envoy " + gateway[..<cut], String(gateway[cut...])]) == "envoy-gateway")
        let istio = try #require(FormatCatalog.preset(named: "istio-json")).samples[0]
        #expect(closest([String(istio.dropLast(40))]) == "istio-json")
        #expect(closest([#"{"level":"info","time":"2026-11-25T10:00:07.000Z","msg":"Envoy proxy is ready","caller":"x"}"#]) == nil)
        #expect(closest(["[2026-11-25T10:00:07.000Z] \"GET / HTTP/1.1\" 200"]) == nil)
        // A record pretty-printed over many lines (as `jq .` writes it): its keys, and that it spans lines.
        let pretty = ["{", #"  "start_time": "2026-11-25T09:14:03.517Z","#, #"  "method": "GET","#, #"  "path": "/courses/1187","#,
                      #"  "response_code": "200","#, #"  "duration": "14","#, #"  "upstream_cluster": "outbound|8080||course.lms.svc.cluster.local""#, "}"]
        let spread = try #require(FormatDetector.closestJSON(pretty.map { Array($0.utf8) }))
        #expect(spread.preset.name == "istio-json")
        #expect(spread.spread)
        #expect(FormatDetector.closestJSON([Array(gateway.utf8)])?.spread == false)
    }

    @Test func inMeshAuthoritiesOnly() {
        #expect(ClusterName.destination(host: "course.lms.svc.cluster.local:8080")?.service == "course")
        #expect(ClusterName.destination(host: "user:8000")?.service == "user")
        #expect(ClusterName.destination(host: "learn.example.com") == nil)
    }
}
