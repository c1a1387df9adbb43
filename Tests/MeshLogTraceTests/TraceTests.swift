import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogGenerate
import MeshLogIngest
import MeshLogStore
import Testing

enum TraceFixture {
    static let corpus: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        return FileManager.default.fileExists(atPath: root) ? root : nil
    }()

    static func tempDB() throws -> (Database, String) {
        let path = NSTemporaryDirectory() + "meshlog-trace-\(UUID().uuidString).db"
        return (try SQLiteStore.openForWriting(path: path), path)
    }

    static func ingestSpans(_ text: String, into db: Database, name: String = "spans.json") throws -> SpanIngestReport {
        let bytes = Array(text.utf8)
        let format = try #require(bytes.withUnsafeBytes { SpanFormatSniffer.sniff($0) })
        return try SpanIngester(db: db).ingest(name: name, stream: MemoryByteStream(bytes, maxChunk: 777), format: format)
    }

    /// Generates traffic, writes its logs (and spans) to files and ingests them.
    static func generated(lines: Int, seed: UInt64, errorScale: Double, spans: Bool)
        throws -> (Database, [GeneratedRequest]) {
        let dir = NSTemporaryDirectory() + "meshlog-trace-gen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let generator = TrafficGenerator(topology: .learningPlatform,
                                         options: GeneratorOptions(lines: lines, seed: seed, errorRateScale: errorScale))
        var requests: [GeneratedRequest] = []
        let split = try GeneratedLogSplitWriter(directory: dir + "/pods", gzip: false)
        let spanWriter = spans ? try GeneratedSpanWriter(path: dir + "/spans.json", format: .zipkin) : nil
        try generator.forEachLineInCompletionOrder(onRequest: { requests.append($0); try spanWriter?.write($0) }) {
            try split.write($0)
        }
        try split.finish()
        try spanWriter?.finish()
        let (db, _) = try tempDB()
        _ = try Ingester(db: db, options: IngestOptions()).run(try InputDiscovery.expand([dir + "/pods"]))
        if spans {
            let (report, reason) = try SpanIngester(db: db).ingest(path: dir + "/spans.json")
            #expect(reason == nil)
            #expect(report?.spans == spanWriter?.spansWritten)
        }
        return (db, requests)
    }
}

/// Every trace file in ../shared/corpus ingests with the count SOURCES.md gives, or is rejected with a reason.
@Suite(.enabled(if: TraceFixture.corpus != nil, "../shared/corpus is absent"))
struct TraceCorpusTests {
    /// Rows of SOURCES.md that hold spans: path and count (bare Zipkin objects, listed as 0, hold 1).
    static func expectations() throws -> [(String, Int?)] {
        let text = try String(contentsOfFile: TraceFixture.corpus! + "/SOURCES.md", encoding: .utf8)
        var out: [(String, Int?)] = []
        for row in text.split(separator: "\n") where row.hasPrefix("| `") {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 6 else { continue }
            let path = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let holds = cells[6]
            if holds.hasPrefix("tempo-search") || holds.hasPrefix("dict:data,id,state") { out.append((path, nil)); continue }
            guard let r = holds.range(of: #"spans=\d+"#, options: .regularExpression) else { continue }
            let n = Int(holds[r].dropFirst("spans=".count))!
            out.append((path, n == 0 ? 1 : n))
        }
        return out
    }

    @Test func everyTraceFileIngestsAndRenders() throws {
        let cases = try Self.expectations()
        #expect(cases.count > 60)
        let (db, _) = try TraceFixture.tempDB()
        let ingester = try SpanIngester(db: db)
        for (path, expected) in cases {
            let (report, reason) = try ingester.ingest(path: TraceFixture.corpus! + "/" + path)
            guard let expected else {
                #expect(report == nil, "\(path) should be rejected")
                #expect(reason?.isEmpty == false)
                continue
            }
            let r = try #require(report, "\(path): \(reason ?? "")")
            // Files identical to an earlier one (same content hash) are skipped: nothing stored twice.
            #expect(r.spans == (r.state == .alreadyIngested ? 0 : expected), "\(path)")
            #expect(r.state == .ingested || r.state == .alreadyIngested, "\(path): \(r.error ?? "")")
            if r.state == .ingested, r.spans > 0 {
                let trace = try #require(try db.scalar("SELECT trace_id FROM span WHERE source = ? LIMIT 1", [.text(TraceFixture.corpus! + "/" + path)]).string)
                let tree = try #require(try TraceLoader(db: db).load(trace), "\(path)")
                #expect(!TraceRenderer().text(tree).isEmpty)
                #expect(TraceRenderer().json(tree).hasPrefix("{"))
            }
        }
    }

    @Test func reingestStoresNothingTwice() throws {
        let (db, _) = try TraceFixture.tempDB()
        let path = TraceFixture.corpus! + "/zipkin-openzipkin/yelp.json"
        let first = try SpanIngester(db: db).ingest(path: path).report
        let second = try SpanIngester(db: db).ingest(path: path).report
        #expect(first?.spans == 16)
        #expect(second?.state == .alreadyIngested)
        #expect(try db.scalar("SELECT count(*) FROM span").int64 == 16)
    }

    @Test func envoySharedHalvesAndJoinTags() throws {
        let (db, _) = try TraceFixture.tempDB()
        _ = try SpanIngester(db: db).ingest(path: TraceFixture.corpus! + "/zipkin-openzipkin/envoy.json")
        let row = try #require(try db.rows("SELECT trace_id, request_id, http_status, kind FROM span").first)
        #expect(row[0].string == "0000000000000000978883983d506fa5")
        #expect(row[1].string != nil)
        // Tempo file: base64 ids decoded, both halves of each hop kept.
        _ = try SpanIngester(db: db).ingest(path: TraceFixture.corpus! + "/kiali-istio/tracingtest/responseTrace.json")
        #expect(try db.scalar("SELECT count(*) FROM span WHERE length(trace_id) = 32").int64 == 9)
    }
}

@Suite struct SpanStoreTests {
    @Test func spanViewColumnsAndFormats() throws {
        let (db, _) = try TraceFixture.tempDB()
        let zipkin = """
            [{"traceId":"ABCDEF0123456789","id":"00000000000000a1","kind":"CLIENT","name":"get","timestamp":1000,"duration":50,
              "localEndpoint":{"serviceName":"front"},"tags":{"http.status_code":"503","guid:x-request-id":"11111111-2222-3333-4444-555555555555"}},
             {"traceId":"abcdef0123456789","id":"00000000000000a1","kind":"SERVER","shared":true,"name":"get","timestamp":1010,"duration":30,
              "localEndpoint":{"serviceName":"back"},"tags":{"http.status_code":"503"}},
             {"traceId":"abcdef0123456789","name":"no id"}]
            """
        let r = try TraceFixture.ingestSpans(zipkin, into: db)
        #expect(r.spans == 2)
        #expect(r.rejected == 1)
        #expect(try db.scalar("SELECT count(*) FROM rejected").int64 == 1)
        let cols = try db.rows("SELECT * FROM span LIMIT 0", [])
        _ = cols
        let stmt = try db.prepare("SELECT * FROM span")
        #expect(stmt.columnNames == ["trace_id", "span_id", "parent_id", "service", "name", "kind", "start_us", "duration_us",
                                     "status", "http_status", "request_id", "attributes", "source", "line"])
        let rows = try db.rows("SELECT trace_id, span_id, kind, status, request_id, http_status FROM span ORDER BY start_us")
        #expect(rows[0][0].string == "0000000000000000abcdef0123456789")
        #expect(rows[0][1].string == "00000000000000a1")
        #expect(rows[0][2].string == "client")
        #expect(rows[1][2].string == "server")
        #expect(rows[0][3].string == "error")
        #expect(rows[0][4].string == "11111111-2222-3333-4444-555555555555")
        #expect(rows[0][5].int64 == 503)
        // High-bit span ids round-trip.
        let otlp = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
             "scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
             "parentSpanId":"","name":"op","kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",
             "status":{"code":2}}]}]}]}
            """
        #expect(try TraceFixture.ingestSpans(otlp, into: db).spans == 1)
        let o = try #require(try db.rows("SELECT trace_id, span_id, parent_id, duration_us, status FROM span WHERE service = 'svc'").first)
        #expect(o[0].string == "5b8efff798038103d269b633813fc60c")
        #expect(o[1].string == "eee19b7ec3c1b174")
        #expect(o[2].isNull)
        #expect(o[3].int64 == 1_000_000)
        #expect(o[4].string == "error")
        // Both trace id spellings find it.
        #expect(try TraceLoader(db: db).load("5B8EFFF798038103D269B633813FC60C") != nil)
        #expect(try TraceLoader(db: db).load("abcdef0123456789")?.nodes.count == 2)
    }

    @Test func millionSpanArrayStreams() throws {
        // Bounded memory is the decoder's job; here a 200k-span array goes through in batches.
        let (db, _) = try TraceFixture.tempDB()
        var text = "["
        for i in 0..<200_000 {
            if i > 0 { text += "," }
            text += "{\"traceId\":\"\(String(format: "%016x", i / 100 + 1))\",\"id\":\"\(String(format: "%016x", i + 1))\",\"name\":\"op\",\"timestamp\":\(1_000_000 + i),\"duration\":5,\"localEndpoint\":{\"serviceName\":\"s\(i % 7)\"}}"
        }
        text += "]"
        let start = Date()
        let r = try TraceFixture.ingestSpans(text, into: db)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.spans == 200_000)
        print("span ingest: \(Int(Double(r.spans) / seconds)) spans/s")
    }
}

@Suite struct TraceTreeTests {
    /// Compares a rebuilt hop with the generator's ground truth, recursively.
    func compare(_ tree: TraceTree, _ node: Int, _ call: GeneratedCall, _ path: String) {
        let n = tree.nodes[node]
        #expect(n.kind == .hop, "\(path)")
        #expect(n.service == (call.calleeService ?? "?"), "\(path)")
        #expect(n.status == String(call.statusCode), "\(path)")
        #expect(n.flags == call.responseFlags.joined(separator: ","), "\(path)")
        #expect(n.inboundLines == call.inboundLineCount, "\(path) \(call.responseFlags)")
        let hops = n.children.flatMap { c in tree.nodes[c].kind == .attempt ? tree.nodes[c].children : [c] }
            .filter { tree.nodes[$0].kind == .hop }
        let sortedHops = hops.sorted { (tree.nodes[$0].startUs, tree.nodes[$0].operation) < (tree.nodes[$1].startUs, tree.nodes[$1].operation) }
        let sortedCalls = call.children.sorted { ($0.clientStartMicros / 1000 * 1000, "\($0.method) \($0.routeTemplate)") < ($1.clientStartMicros / 1000 * 1000, "\($1.method) \($1.routeTemplate)") }
        #expect(sortedHops.count == sortedCalls.count, "\(path) children")
        guard sortedHops.count == sortedCalls.count else { return }
        for (h, c) in zip(sortedHops, sortedCalls) { compare(tree, h, c, path + "/" + (c.calleeService ?? "?")) }
    }

    @Test func logsOnlyReconstructionEqualsGeneratorTree() throws {
        let (db, requests) = try TraceFixture.generated(lines: 4000, seed: 11, errorScale: 8, spans: false)
        let loader = TraceLoader(db: db)
        var flagsSeen = Set<String>()
        for request in requests {
            let tree = try #require(try loader.load(request.requestID))
            #expect(tree.basis == "rebuilt from access logs")
            #expect(tree.roots.count == 1, "\(request.requestID)")
            guard let root = tree.roots.first else { continue }
            compare(tree, root, request.root, request.requestID)
            for call in request.calls { flagsSeen.formUnion(call.responseFlags) }
            #expect(tree.nodes[root].critical)
        }
        // The run covers the failure shapes: no inbound line, retries, timeouts.
        #expect(flagsSeen.isSuperset(of: ["UF", "URX", "UT"]), "\(flagsSeen)")
    }

    @Test func spansMergeWithLogs() throws {
        let (db, requests) = try TraceFixture.generated(lines: 600, seed: 5, errorScale: 3, spans: true)
        let loader = TraceLoader(db: db)
        for request in requests.prefix(30) {
            let tree = try #require(try loader.load(request.requestID))
            #expect(tree.basis == "spans + access logs")
            let spans = GeneratedSpans.spans(for: request)
            #expect(tree.nodes.count == spans.count, "every log line merged into a span, none left over")
            #expect(tree.nodes.allSatisfy { $0.logLines.count == 1 })
            #expect(tree.roots.count == 1)
            // By trace id (upper case) as well.
            let byTrace = try #require(try loader.load(spans[0].traceID.uppercased()))
            #expect(byTrace.nodes.count == tree.nodes.count)
        }
        let text = TraceRenderer().text(try #require(try loader.load(requests[0].requestID)))
        #expect(text.contains("client"))
        #expect(text.contains("+log"))
    }

    @Test func clockSkewOrphansAndMultipleRoots() throws {
        let (db, _) = try TraceFixture.tempDB()
        let spans = """
            [{"traceId":"00000000000000000000000000000abc","id":"0000000000000001","kind":"SERVER","name":"root","timestamp":1000000,"duration":100000,"localEndpoint":{"serviceName":"a"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000002","parentId":"0000000000000001","kind":"CLIENT","name":"call","timestamp":1010000,"duration":50000,"localEndpoint":{"serviceName":"a"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000003","parentId":"0000000000000002","kind":"SERVER","name":"skewed","timestamp":990000,"duration":40000,"localEndpoint":{"serviceName":"b"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000004","parentId":"0000000000000003","name":"inner","timestamp":995000,"duration":1000,"localEndpoint":{"serviceName":"b"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000005","parentId":"00000000000000ff","name":"orphan","timestamp":1050000,"duration":1000,"localEndpoint":{"serviceName":"c"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000006","name":"second root","timestamp":1200000,"duration":1000,"localEndpoint":{"serviceName":"d"}},
             {"traceId":"00000000000000000000000000000abc","id":"0000000000000006","name":"second root","timestamp":1200000,"duration":1000,"localEndpoint":{"serviceName":"d"}}]
            """
        _ = try TraceFixture.ingestSpans(spans, into: db)
        let tree = try #require(try TraceLoader(db: db).load("00000000000000000000000000000ABC"))
        #expect(tree.roots.count == 3)  // root, orphan, second root (deduped)
        let byName = Dictionary(tree.nodes.enumerated().map { ($0.element.operation, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let skewed = tree.nodes[byName["skewed"]!]
        let call = tree.nodes[byName["call"]!]
        #expect(skewed.startUs >= call.startUs)
        #expect(skewed.startUs == 1_010_000 + 5_000)  // centred in its 50 ms parent
        #expect(skewed.skewUs == 25_000)
        #expect(tree.nodes[byName["inner"]!].startUs == 995_000 + 25_000)  // moved with its parent
        #expect(tree.nodes[byName["orphan"]!].notes.contains { $0.hasPrefix("orphan") })
        #expect(tree.adjustments.contains { $0.hasPrefix("dedupe") })
        #expect(tree.adjustments.contains { $0.hasPrefix("clock skew") })
        let text = TraceRenderer().text(tree)
        #expect(text.contains("clock skew: shifted"))
        #expect(tree.nodes[byName["root"]!].critical && call.critical)
    }

    @Test func eightyThousandSpansRenderCollapsed() throws {
        let (db, _) = try TraceFixture.tempDB()
        var text = "[{\"traceId\":\"00000000000000000000000000000def\",\"id\":\"0000000000000001\",\"kind\":\"SERVER\",\"name\":\"batch\",\"timestamp\":1000000,\"duration\":90000000,\"localEndpoint\":{\"serviceName\":\"api\"}}"
        for i in 0..<79_999 {
            let op = i % 5 == 0 ? "get /courses/{id}" : "get /users/{id}"
            text += ",{\"traceId\":\"00000000000000000000000000000def\",\"id\":\"\(String(format: "%016x", i + 2))\",\"parentId\":\"0000000000000001\",\"kind\":\"CLIENT\",\"name\":\"\(op)\",\"timestamp\":\(1_000_000 + i * 1000),\"duration\":\(1000 + i % 40 * 1000),\"localEndpoint\":{\"serviceName\":\"api\"}}"
        }
        text += "]"
        #expect(try TraceFixture.ingestSpans(text, into: db).spans == 80_000)
        let start = Date()
        let tree = try #require(try TraceLoader(db: db).load("00000000000000000000000000000def"))
        let rendered = TraceRenderer().text(tree)
        let seconds = Date().timeIntervalSince(start)
        print("80,000-span trace: load + adjust + render \(Int(seconds * 1000)) ms")
        #expect(tree.nodes.count == 80_000)
        #expect(rendered.contains("x 63999 calls to api get /users/{id}, p50"))
        #expect(rendered.contains("x 16000 calls to api get /courses/{id}"))
        #expect(rendered.split(separator: "\n").count < 20)
        let full = TraceRenderer(full: true).text(tree)
        #expect(full.split(separator: "\n").count > 80_000)
    }
}
