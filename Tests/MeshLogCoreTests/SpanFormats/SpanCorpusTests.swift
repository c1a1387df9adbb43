import Foundation
import MeshLogCore
import Testing

/// Every trace file in `../shared/corpus` decodes to the span count SOURCES.md gives, or is rejected with a reason.
@Suite(.enabled(if: SpanTestSupport.corpusAvailable, "../shared/corpus is absent"))
struct SpanCorpusTests {
    enum Expectation: Sendable, CustomStringConvertible {
        case spans(SpanFormat, Int)
        case rejected(containing: String)

        var description: String {
            switch self {
            case let .spans(format, n): return "\(format.rawValue) spans=\(n)"
            case let .rejected(fragment): return "rejected (\(fragment))"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let path: String
        let expectation: Expectation
        var testDescription: String { path }
    }

    static let zipkin = "zipkin-openzipkin/"
    static let storage = "jaeger-jaegertracing/storage-integration-otlp/"
    static let stats = "jaeger-ui/components/TracePage/TraceStatistics/tableValuesTestTrace/"

    /// The expectations, one per trace file in SOURCES.md. SOURCES.md says spans=0 for the two bare Zipkin span
    /// objects (its counter only looked at arrays); each holds exactly one span.
    static let cases: [Case] = [
        Case(path: zipkin + "ascend.json", expectation: .spans(.zipkinV2, 8)),
        Case(path: zipkin + "envoy.json", expectation: .spans(.zipkinV2, 1)),
        Case(path: zipkin + "messaging-kafka.json", expectation: .spans(.zipkinV2, 28)),
        Case(path: zipkin + "messaging.json", expectation: .spans(.zipkinV2, 4)),
        Case(path: zipkin + "messaging2.json", expectation: .spans(.zipkinV2, 11)),
        Case(path: zipkin + "simple-db-p6.json", expectation: .spans(.zipkinV2, 5)),
        Case(path: zipkin + "skew.json", expectation: .spans(.zipkinV2, 4)),
        Case(path: zipkin + "smartthings-mobile-web-install.json", expectation: .spans(.zipkinV2, 1041)),
        Case(path: zipkin + "smartthings-oauth-authorization.json", expectation: .spans(.zipkinV2, 175)),
        Case(path: zipkin + "yelp.json", expectation: .spans(.zipkinV2, 16)),
        Case(path: zipkin + "zipkin2-chinese.json", expectation: .spans(.zipkinV2, 1)),
        Case(path: zipkin + "zipkin2-client.json", expectation: .spans(.zipkinV2, 1)),
        Case(path: "zipkin-otel-contrib-zipkinreceiver/sample3.json", expectation: .spans(.zipkinV2, 1)),
        Case(path: "zipkin-otel-contrib-zipkinreceiver/sample4.json", expectation: .spans(.zipkinV2, 1)),

        Case(path: "jaeger-jaegertracing/uimodel/ui_01.json", expectation: .spans(.jaeger, 5)),
        Case(path: "jaeger-jaegertracing/uimodel/domain_01.json", expectation: .spans(.jaeger, 5)),
        Case(path: "jaeger-jaegertracing/uimodel/es_01.json", expectation: .spans(.jaeger, 1)),
        Case(path: "jaeger-jaegertracing/query-fixture/otlp2jaeger-out.json", expectation: .spans(.jaeger, 2)),
        Case(path: "jaeger-jaegertracing/anonymizer/trace_success.json", expectation: .spans(.jaeger, 2)),
        Case(path: "jaeger-ui/components/TracePage/TraceFlamegraph/testTrace.json",
             expectation: .rejected(containing: "jaeger-ui internal state")),
        Case(path: "jaeger-ui/components/TracePage/TraceGraph/testTrace.json", expectation: .spans(.jaeger, 11)),
        Case(path: stats + "spanAmongEachOtherGroupedAndSpans.json", expectation: .spans(.jaeger, 17)),
        Case(path: stats + "spanLongerAsParent.json", expectation: .spans(.jaeger, 8)),
        Case(path: stats + "spansAmongEachOther.json", expectation: .spans(.jaeger, 12)),
        Case(path: stats + "spansAmongEachOtherGrouped.json", expectation: .spans(.jaeger, 15)),
        Case(path: stats + "testTrace.json", expectation: .spans(.jaeger, 11)),
        Case(path: stats + "testTraceNormal.json", expectation: .spans(.jaeger, 5)),
        Case(path: stats + "traceWithMultipleSpansWithTheSameValueInDifferentTags.json", expectation: .spans(.jaeger, 4)),
        Case(path: stats + "traceWithOverlappingChildren.json", expectation: .spans(.jaeger, 3)),
        Case(path: stats + "traceWithOverlappingChildrenLongerThanParent.json", expectation: .spans(.jaeger, 4)),
        Case(path: stats + "traceWithSingleChildLongerThanParentAndStartsAfterParent.json",
             expectation: .spans(.jaeger, 2)),
        Case(path: stats + "traceWithThreeShortChildren.json", expectation: .spans(.jaeger, 4)),
        Case(path: stats + "traceWithThreeShortOverlappingChildren.json", expectation: .spans(.jaeger, 4)),
        Case(path: stats + "traceWithTwoChildrenStartedAtTraceStart.json", expectation: .spans(.jaeger, 3)),
        Case(path: stats + "traceWithTwoNonOverlappingChildren.json", expectation: .spans(.jaeger, 3)),
        Case(path: "jaeger-ui/components/TracePage/TraceTimelineViewer/genaiTestTrace.json",
             expectation: .spans(.jaeger, 57)),
        Case(path: "jaeger-ui/utils/fixtures/oltp2jaeger-multi-out.json", expectation: .spans(.jaeger, 4)),
        Case(path: "jaeger-ui/utils/fixtures/otlp2jaeger-out.json", expectation: .spans(.jaeger, 2)),

        Case(path: storage + "default.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "example_trace.json", expectation: .spans(.otlp, 5)),
        Case(path: storage + "link_attributes_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "log_tags_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "max_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multi_index_trace.json", expectation: .spans(.otlp, 2)),
        Case(path: storage + "multi_spot_tags_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multiple1_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multiple2_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multiple3_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multispottag_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multispottag_maxdur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multispottag_opname_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multispottag_opname_maxdur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "multispottag_opname_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "opname_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "opname_maxdur_trace.json", expectation: .spans(.otlp, 2)),
        Case(path: storage + "opname_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "process_tags_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "scope_attributes_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "scope_name_version_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "span_tags_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_escaped_operator_trace_1.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_escaped_operator_trace_2.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_maxdur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_opname_dur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_opname_maxdur_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_opname_trace.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_wildcard_regex_1.json", expectation: .spans(.otlp, 1)),
        Case(path: storage + "tags_wildcard_regex_2.json", expectation: .spans(.otlp, 1)),
        Case(path: "jaeger-jaegertracing/query-fixture/otlp2jaeger-in.json", expectation: .spans(.otlp, 2)),
        Case(path: "jaeger-jaegertracing/memory-store/otel_traces_01.json", expectation: .spans(.otlp, 4)),
        Case(path: "jaeger-ui/utils/fixtures/otlp2jaeger-in-error.json", expectation: .spans(.otlp, 1)),
        Case(path: "jaeger-ui/utils/fixtures/otlp2jaeger-in.json", expectation: .spans(.otlp, 2)),
        Case(path: "jaeger-ui/utils/fixtures/otlp2jaeger-multi-in-combined.json", expectation: .spans(.otlp, 4)),
        Case(path: "jaeger-ui/utils/fixtures/otlp2jaeger-multi-in.json.txt", expectation: .spans(.otlp, 4)),
        Case(path: "otlp-opentelemetry-proto/trace.json", expectation: .spans(.otlp, 1)),
        Case(path: "otlp-spec-file-exporter/file-exporter-traces-example.jsonl", expectation: .spans(.otlp, 8)),

        Case(path: "kiali-istio/tracingtest/responseTrace.json", expectation: .spans(.tempo, 8)),
        Case(path: "kiali-istio/tracingtest/response.json", expectation: .rejected(containing: "Tempo search result")),
        Case(path: "kiali-istio/tracingtest/responseAmbient.json",
             expectation: .rejected(containing: "Tempo search result")),
    ]

    @Test(arguments: cases)
    func corpusFileDecodes(_ testCase: Case) throws {
        let path = SpanTestSupport.corpusDirectory + "/" + testCase.path
        try #require(FileManager.default.fileExists(atPath: path), "missing corpus file \(testCase.path)")
        let (format, outcome) = try SpanTestSupport.decodeFile(path)
        switch testCase.expectation {
        case let .spans(expectedFormat, count):
            #expect(format == expectedFormat)
            #expect(outcome.error == nil)
            #expect(outcome.spans.count == count)
            for span in outcome.spans {
                #expect(!span.traceID.isEmpty && !span.spanID.isEmpty)
                #expect(span.line >= 1)
            }
            // Tiny reads must give the same result as big ones.
            try SpanTestSupport.expectSameInTinyReads(path, as: outcome)
        case let .rejected(fragment):
            try SpanTestSupport.expectRejected(path, outcome, containing: fragment)
        }
    }

    /// Every row of SOURCES.md that holds spans has an expectation above, with the same count (except the
    /// documented bare-object and rejected rows).
    @Test func expectationsCoverSourcesTable() throws {
        let sources = try String(contentsOfFile: SpanTestSupport.corpusDirectory + "/SOURCES.md", encoding: .utf8)
        let byPath = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.path, $0.expectation) })
        var checked = 0
        for row in sources.split(separator: "\n") where row.hasPrefix("| `") {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count > 6 else { continue }
            let path = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let holds = cells[6]
            guard let range = holds.range(of: #"spans=\d+"#, options: .regularExpression) else { continue }
            let count = Int(holds[range].dropFirst("spans=".count))!
            checked += 1
            guard let expectation = byPath[path] else {
                Issue.record("SOURCES.md lists \(path) (\(holds)) but the corpus test has no expectation for it")
                continue
            }
            switch expectation {
            case let .spans(_, n):
                if count == 0 {
                    #expect(holds.hasPrefix("dict:traceId"), "\(path): \(holds)")  // a bare Zipkin span object
                    #expect(n == 1)
                } else {
                    #expect(n == count, "\(path)")
                }
            case .rejected:
                #expect(holds.hasPrefix("tempo-search") || holds.hasPrefix("dict:data,id,state"), "\(path): \(holds)")
            }
        }
        #expect(checked == Self.cases.count)
    }

    @Test func envoyCorpusSpanCarriesTheJoinTags() throws {
        let (_, outcome) = try SpanTestSupport.decodeFile(SpanTestSupport.corpusDirectory + "/zipkin-openzipkin/envoy.json")
        let span = try #require(outcome.spans.first)
        #expect(span.traceID == "0000000000000000978883983d506fa5")
        #expect(span.parentID == nil)
        #expect(span.shared)
        #expect(span.kind == .server)
        #expect(span.httpStatus == 200)
        #expect(span.requestID == "d709b78f-583e-988e-b581-25b72c63852d")
        #expect(span.attributes["upstream_cluster"] == "service_google")
        #expect(span.service == nil)
        #expect(span.line == 2)
    }

    @Test func tempoCorpusTraceDecodesBase64IDs() throws {
        let (_, outcome) = try SpanTestSupport.decodeFile(
            SpanTestSupport.corpusDirectory + "/kiali-istio/tracingtest/responseTrace.json")
        let first = try #require(outcome.spans.first)
        #expect(first.traceID == "3ba55609c3cde49649cd77d1f9dcd936")
        #expect(first.spanID == "49cd77d1f9dcd936")
        #expect(first.kind == .client)
        #expect(first.service == "istio-ingressgateway.istio-system")
        #expect(first.requestID == "e4e8c177-3962-9359-945e-61e7175cd867")
        #expect(Set(outcome.spans.map(\.traceID)).count == 1)
    }

    @Test func fileExporterExampleKeepsEmptyIDsWithWarnings() throws {
        let (_, outcome) = try SpanTestSupport.decodeFile(
            SpanTestSupport.corpusDirectory + "/otlp-spec-file-exporter/file-exporter-traces-example.jsonl")
        #expect(outcome.spans.count == 8)
        #expect(outcome.spans.map(\.line) == [1, 1, 2, 2, 3, 3, 4, 4])
        #expect(outcome.warnings.count == 8)
        #expect(outcome.spans.first?.status == .error)  // status code 2
    }

    @Test func domainProtoJSONCorpusFile() throws {
        let (_, outcome) = try SpanTestSupport.decodeFile(
            SpanTestSupport.corpusDirectory + "/jaeger-jaegertracing/uimodel/domain_01.json")
        let spans = outcome.spans
        #expect(spans.map(\.spanID) == [
            "0000000000000002", "0000000000000002", "0000000000000003", "0000000000000004", "0000000000000005",
        ])
        #expect(spans.map(\.parentID) == [nil, nil, "0000000000000002", "0000000000000002", "0000000000000004"])
        #expect(spans.allSatisfy { $0.traceID == "00000000000000000000000000000001" })
        #expect(spans.first?.durationMicros == 5)
        #expect(spans.first?.startMicros == 1_485_467_191_639_875)
        #expect(spans[1].status == .error)
        #expect(spans[1].attributes["javascript_limit"] == "9223372036854775222")
    }
}
