import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import Testing

/// The Jaeger query API on the trace files of ../shared/corpus (Jaeger, Zipkin, OTLP and Tempo files from their
/// projects): every trace answers `/api/traces/{id}` in Jaeger's model with one span per span of its tree, that
/// answer ingests back with as many spans, and every service finds its traces.
@Suite(.serialized, .enabled(if: TraceFixture.corpus != nil, "../shared/corpus is absent"))
struct JaegerQueryCorpusTests {
    @Test func everyCorpusTraceAnswersInJaegersModel() throws {
        let (db, _) = try TraceFixture.tempDB()
        let ingester = try SpanIngester(db: db)
        for (path, expected) in try TraceCorpusTests.expectations() where expected != nil {
            _ = try ingester.ingest(path: TraceFixture.corpus! + "/" + path)
        }
        let api = JaegerQueryAPI(reader: SQLiteTraceReader(db: db))
        let traceIDs = try db.rows("SELECT DISTINCT trace_id FROM span ORDER BY 1").compactMap { $0[0].string }
        #expect(traceIDs.count > 20)
        var checked = 0
        for id in traceIDs {
            let tree = try #require(try TraceLoader(db: db).load(id), "\(id)")
            let answer = api.respond(path: "/api/traces/\(id)", query: [])
            #expect(answer.status == 200, "\(id)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            #expect(body["errors"] is NSNull)
            let trace = try #require((body["data"] as? [[String: Any]])?.first, "\(id)")
            let spans = try #require(trace["spans"] as? [[String: Any]])
            let processes = try #require(trace["processes"] as? [String: Any])
            // Some fixtures repeat span ids, so parent links can form cycles no root reaches: those spans count too.
            var visited = 0
            tree.forEachPreOrder { _, _ in visited += 1 }
            let spanNodes = tree.nodes.filter { $0.kind == .span }.count
            #expect(spans.count == spanNodes, "\(id): \(visited) of \(tree.nodes.count) rows reachable from a root")
            #expect(spans.allSatisfy { processes[$0["processID"] as? String ?? ""] != nil }, "\(id)")
            // The answer is a Jaeger file meshlog reads back, span for span.
            let (copy, _) = try TraceFixture.tempDB()
            let report = try SpanIngester(db: copy).ingest(name: "answer.json", stream: MemoryByteStream(answer.body, maxChunk: 4096),
                                                           format: .jaeger)
            #expect(report.spans == spans.count, "\(id)")
            checked += 1
        }
        #expect(checked == traceIDs.count)
        let services = try #require(try JSONSerialization.jsonObject(with: Data(api.respond(path: "/api/services", query: []).body)) as? [String: Any])
        let names = try #require(services["data"] as? [String])
        #expect(names.count > 5)
        for service in names.prefix(20) {
            let found = api.respond(path: "/api/traces", query: [("service", service), ("limit", "3")])
            let data = try #require(try JSONSerialization.jsonObject(with: Data(found.body)) as? [String: Any])
            #expect(!((data["data"] as? [Any]) ?? []).isEmpty, "service \(service) finds no trace")
        }
    }
}
