import Foundation
import MeshLogCore
import MeshLogTestSupport
import Testing

/// Every span file in `Tests/Fixtures/spans` decodes span by span, or is rejected with a reason, on any clone.
///
/// The shapes of the corpus suite (`SpanCorpusTests`), from hand-written files.
@Suite struct SpanFixtureTests {
    /// What a fixture file decodes to.
    enum Expectation: Sendable {
        /// The format it sniffs as and its spans, one ``SpanFixtureTests/rows(_:)`` line each.
        case spans(SpanFormat, [String])
        /// Not a span file: a fragment of the sniffer's reason.
        case rejected(containing: String)
    }

    static let envoyTrace = "00000000000000005af7183fb1d4cf5f"
    static let envoyRequest = "8e1f5a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
    static let zipkinTrace = "0000000000000000a0b1c2d3e4f5a6b7"
    static let jaegerTrace = "f1e2d3c4b5a69788f1e2d3c4b5a69788"
    static let uiTrace = "00000000000000000000000000c0ffee"
    static let messagingTrace = "00000000000000003c4d5e6f708192a3"
    static let domainTrace = "0000000000000000000000000000beef"
    static let otlpTrace = "6e0c63257de34c926f9efcd03927272e"
    static let noTrace = String(repeating: "0", count: 32) + " " + String(repeating: "0", count: 16)
    static let tempoTrace = "c3a1e5f70b2d4968a7e0f1d2c3b4a596"
    static let tempoRequest = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"

    /// Each fixture's expectation: ids normalised (64-bit trace ids padded, base64 decoded, hex lowered), the
    /// service, kind, start and duration in microseconds, status, HTTP status and request id of every span.
    static let expectations: [String: Expectation] = [
        // Envoy's client span and the shared server half (no service name) with the client's span id; a CLIENT
        // span is an error for a 4xx, a SERVER span is not.
        "spans/zipkin-envoy.json": .spans(.zipkinV2, [
            "\(envoyTrace) 5af7183fb1d4cf5f <- - storefront.shop client 1772460401120000+12000 error 429 \(envoyRequest)",
            "\(envoyTrace) 5af7183fb1d4cf5f <- - - server 1772460401122000+9000 unset 429 \(envoyRequest)",
        ]),
        "spans/zipkin-client.json": .spans(.zipkinV2, [
            "7c1e2d3f4a5b6c7d8e9fa0b1c2d3e4f5 1a2b3c4d5e6f7081 <- 8e9fa0b1c2d3e4f5 pricing client 1772443800250000+31000 unset - -",
        ]),
        // `otel.status_code=ERROR` and an `error` tag both mark an error; a remote endpoint is not the service.
        "spans/zipkin-otel-status.json": .spans(.zipkinV2, [
            "00000000000000000d1c2b3a49586776 1111222233334444 <- - - client 1772449200000000+4000 error - -",
            "00000000000000000d1c2b3a49586776 5555666677778888 <- 1111222233334444 - client 1772449200005000+2500 error - -",
        ]),
        "spans/zipkin-trace.json": .spans(.zipkinV2, [
            "\(zipkinTrace) a0b1c2d3e4f5a6b7 <- - storefront server 1772453730500000+84000 unset 200 -",
            "\(zipkinTrace) b1c2d3e4f5a6b7c8 <- a0b1c2d3e4f5a6b7 storefront client 1772453730503000+21000 unset 200 -",
            "\(zipkinTrace) b1c2d3e4f5a6b7c8 <- a0b1c2d3e4f5a6b7 carts server 1772453730505000+17000 unset 200 -",
            "\(zipkinTrace) c2d3e4f5a6b7c8d9 <- b1c2d3e4f5a6b7c8 carts client 1772453730507000+9000 unset - -",
            "\(zipkinTrace) d3e4f5a6b7c8d9e0 <- a0b1c2d3e4f5a6b7 storefront client 1772453730530000+50000 error 504 -",
        ]),
        // Services from `processes`; an integer `http.status_code` tag.
        "spans/jaeger-api.json": .spans(.jaeger, [
            "\(jaegerTrace) 0f1e2d3c4b5a6978 <- - orders server 1772449200100000+2300 error 500 6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
            "\(jaegerTrace) 1a2b3c4d5e6f7a8b <- 0f1e2d3c4b5a6978 orders-db-client client 1772449200100400+1500 unset - -",
        ]),
        "spans/jaeger-ui-trace.json": .spans(.jaeger, [
            "\(uiTrace) 000000000000000a <- - web unspecified 1772453730000000+900 unset - -",
            "\(uiTrace) 000000000000000b <- 000000000000000a web client 1772453730000200+400 unset - -",
            "\(uiTrace) 000000000000000c <- 000000000000000b fragments server 1772453730000250+300 unset - -",
        ]),
        // A FOLLOWS_FROM reference is not a parent: the consumer's span is a root of its own.
        "spans/jaeger-span-array.json": .spans(.jaeger, [
            "\(messagingTrace) 4d5e6f708192a3b4 <- - orders producer 1772449300000000+1200 unset - -",
            "\(messagingTrace) 5e6f708192a3b4c5 <- - invoices consumer 1772449300004000+800 error - -",
        ]),
        // The parent is the CHILD_OF reference in the span's own trace, not the one into another trace.
        "spans/jaeger-es-span.json": .spans(.jaeger, [
            "000000000000000000000000000000a7 00000000000000b2 <- 00000000000000b1 thumbnails internal 1772449400000000+42 unset - -",
        ]),
        // Base64 ids, RFC 3339 start times (one at -05:00), "7000ns"/"0.0025s"/"1.5ms" durations, a process map.
        "spans/jaeger-domain.json": .spans(.jaeger, [
            "\(domainTrace) 00000000000000d1 <- - basket server 1772460920123456+7 error 503 -",
            "\(domainTrace) 00000000000000d2 <- 00000000000000d1 basket-store unspecified 1772460920124000+2500 error - -",
            "\(domainTrace) 00000000000000d3 <- - basket unspecified 1772460920130000+1500 unset - -",
        ]),
        // Services from resources, integer and named kinds, the explicit status before the HTTP status.
        "spans/otlp-trace.json": .spans(.otlp, [
            "\(otlpTrace) a1b2c3d4e5f60718 <- - checkout server 1772460000000000+45500 error 502 9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "\(otlpTrace) b2c3d4e5f6071829 <- a1b2c3d4e5f60718 checkout internal 1772460000002000+8000 ok - -",
            "\(otlpTrace) c3d4e5f607182930 <- a1b2c3d4e5f60718 payments server 1772460000012000+30000 error 503 -",
        ]),
        // Empty ids are kept as zeros (with a warning each, see below).
        "spans/otlp-file-exporter.jsonl": .spans(.otlp, [
            "\(noTrace) <- - - unspecified 1772470000000000+2500000 error - -",
            "\(noTrace) <- - - unspecified 1772470000000000+1000000 unset - -",
            "\(noTrace) <- - - unspecified 1772470100000000+300000 ok - -",
            "\(noTrace) <- - - unspecified 1772470100000000+200000 unset - -",
        ]),
        // One trace across two batches; the request id on both halves of the hop.
        "spans/tempo-trace.json": .spans(.tempo, [
            "\(tempoTrace) 1122334455667788 <- - gateway.edge client 1772461000100000+19000 unset 200 \(tempoRequest)",
            "\(tempoTrace) 99aabbccddeeff00 <- 1122334455667788 shop.shop server 1772461000102000+15000 unset 200 \(tempoRequest)",
            "\(tempoTrace) 3f2e1d0c4b5a6978 <- 99aabbccddeeff00 shop.shop client 1772461000104000+10000 error - -",
        ]),
        "spans/tempo-search.json": .rejected(containing: "Tempo search result"),
        "spans/jaeger-ui-state.json": .rejected(containing: "jaeger-ui internal state"),
    ]

    /// A fixture file with the spans the README's table says it holds.
    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let spans: Int?
        var testDescription: String { file }
    }

    /// The README's span files as test cases.
    static func cases() throws -> [Case] {
        try Fixtures.spanFiles().map { Case(file: $0.file, spans: $0.spans) }
    }

    /// One line per span: `trace span <- parent service kind start+duration status http request-id`.
    static func rows(_ spans: [Span]) -> [String] {
        spans.map { s in
            [s.traceID, s.spanID, "<-", s.parentID ?? "-", s.service ?? "-", s.kind.rawValue,
             "\(s.startMicros.map(String.init) ?? "-")+\(s.durationMicros.map(String.init) ?? "-")",
             s.status.rawValue, s.httpStatus.map(String.init) ?? "-", s.requestID ?? "-"].joined(separator: " ")
        }
    }

    /// Decodes a fixture file through `read(2)`, sniffing its format from the head as ingest does.
    static func decode(_ file: String, chunk: Int = 64 * 1024) throws -> SpanTestSupport.Outcome {
        try SpanTestSupport.decodeFile(Fixtures.path(file), chunk: chunk).outcome
    }

    /// The file sniffs as its format and decodes to its spans, the same in 5-byte reads; or it is refused.
    @Test(arguments: try cases())
    func fixtureFileDecodes(_ testCase: Case) throws {
        let expectation = try #require(Self.expectations[testCase.file], "no expectation for \(testCase.file)")
        let path = Fixtures.path(testCase.file)
        let (format, outcome) = try SpanTestSupport.decodeFile(path)
        switch expectation {
        case let .spans(expectedFormat, expectedRows):
            #expect(format == expectedFormat)
            #expect(outcome.error == nil)
            #expect(outcome.spans.count == testCase.spans)
            #expect(Self.rows(outcome.spans) == expectedRows)
            // Tiny reads must give the same result as big ones.
            try SpanTestSupport.expectSameInTinyReads(path, as: outcome)
        case let .rejected(fragment):
            #expect(testCase.spans == nil)
            try SpanTestSupport.expectRejected(path, outcome, containing: fragment)
        }
    }

    /// Every fixture file has a row in the README, and every span file an expectation above.
    @Test func everyFixtureFileIsListed() throws {
        let readme = try Fixtures.text("README.md")
        let files = try Fixtures.allFiles()
        #expect(files.count == 20)
        for file in files { #expect(readme.contains("| `\(file)` |"), "README.md does not list \(file)") }
        let spanFiles = files.filter { $0.hasPrefix("spans/") }
        #expect(try Fixtures.spanFiles().map(\.file).sorted() == spanFiles)
        #expect(Self.expectations.keys.sorted() == spanFiles)
    }

    /// Envoy's Zipkin spans keep the shared flag, their lines and the tags that join them to access-log lines.
    @Test func envoySpansCarryTheJoinTags() throws {
        let spans = try Self.decode("spans/zipkin-envoy.json").spans
        #expect(spans.map(\.shared) == [false, true])
        #expect(spans.map(\.line) == [2, 23])
        #expect(spans.map { $0.attributes["upstream_cluster"] } == ["outbound|9090||catalog.shop.svc.cluster.local", "inbound|9090||"])
        #expect(spans.map(\.name) == ["catalog.shop.svc.cluster.local:9090/*", "catalog.shop.svc.cluster.local:9090/*"])
        #expect(spans[0].attributes["http.method"] == "POST")
    }

    /// Zipkin: a bare span object starts on line 1; a trace's shared half is flagged; tags become attributes.
    @Test func zipkinLinesSharedHalvesAndTags() throws {
        let client = try #require(try Self.decode("spans/zipkin-client.json").spans.first)
        #expect(client.line == 1)
        #expect(client.name == "get /stock")
        #expect(client.attributes["http.path"] == "/stock")
        let trace = try Self.decode("spans/zipkin-trace.json").spans
        #expect(trace.map(\.shared) == [false, false, true, false, false])
        #expect(trace.map(\.line) == [2, 6, 10, 13, 17])
        #expect(trace[3].attributes["sql.query"] == "SELECT * FROM cart_items WHERE cart_id = ?")
    }

    /// Jaeger: process tags under `resource.`, typed tags flattened to text, one line per span in an array.
    @Test func jaegerAttributesAndLines() throws {
        let api = try Self.decode("spans/jaeger-api.json").spans
        #expect(api.map(\.name) == ["GET /orders/{id}", "SELECT orders"])
        #expect(api[0].attributes["resource.hostname"] == "orders-7d9f8c6b5-abcde")
        #expect(api[1].attributes["db.system"] == "postgresql")
        #expect(try Self.decode("spans/jaeger-span-array.json").spans.map(\.line) == [1, 2])
        let es = try #require(try Self.decode("spans/jaeger-es-span.json").spans.first)
        #expect(es.attributes["image.width"] == "1024")
        #expect(es.attributes["cache.hit"] == "false")
        #expect(es.attributes["ratio"] == "0.75")
        #expect(es.attributes["resource.hostname"] == "thumbnails-0")
        // Domain proto-JSON: an int64 beyond 2^53 is kept exactly.
        let domain = try Self.decode("spans/jaeger-domain.json").spans
        #expect(domain.first?.attributes["retry.budget"] == "9007199254740993")
    }

    /// OTLP: other resource attributes are kept under `resource.`, per resource.
    @Test func otlpResourceAttributes() throws {
        let spans = try Self.decode("spans/otlp-trace.json").spans
        #expect(spans.map(\.name) == ["POST /checkout", "reserve stock", "POST /charge"])
        #expect(spans[0].attributes["resource.k8s.namespace.name"] == "shop")
        #expect(spans[2].attributes["resource.k8s.namespace.name"] == nil)
    }

    /// The OTel file exporter's JSON lines keep spans with empty ids, with one warning each, on their record's line.
    @Test func fileExporterKeepsEmptyIDsWithWarnings() throws {
        let outcome = try Self.decode("spans/otlp-file-exporter.jsonl")
        #expect(outcome.spans.map(\.name) == ["import prices", "import stock", "export orders", "export invoices"])
        #expect(outcome.spans.map(\.line) == [1, 1, 2, 2])
        #expect(outcome.warnings.count == 4)
        #expect(outcome.spans[0].attributes["resource.host.name"] == "batch-runner-1")
    }

    /// A Tempo trace keeps Envoy's attributes on its spans.
    @Test func tempoAttributes() throws {
        let spans = try Self.decode("spans/tempo-trace.json").spans
        #expect(spans.first?.attributes["upstream_cluster"] == "outbound|8080||shop.shop.svc.cluster.local")
        #expect(spans.map(\.name).last == "basket-db:5432/*")
    }
}
