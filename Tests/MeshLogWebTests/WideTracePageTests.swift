import Foundation
import MeshLogAnalysis
import MeshLogStore
import MeshLogTestSupport
import Testing
@testable import MeshLogWeb

/// `/trace/ID` on an 80,001-span trace: the page carries every span for the waterfall, and the page path
/// (load, adjust, JSON) prints its time (a speed floor belongs in the benchmarks; this bound is loose).
@Suite struct WideTracePageTests {
    /// The page's JSON block holds all 80,001 nodes; the time it took is printed.
    @Test func wideTracePageCarriesEverySpan() throws {
        let dir = try TemporaryDirectory(prefix: "wide-trace")
        let wide = WideTrace()
        let spans = try dir.write("wide.zipkin.json", wide.zipkinJSON())
        let db = dir.path("wide.db")
        let ingest = try MeshLogBinary.run(["ingest", spans, "--db", db, "-q"])
        try #require(ingest.status == 0, "\(ingest.stderr)")

        let app = WebApp(store: WebStore(location: .sqlite(path: db)))
        let clock = ContinuousClock()
        var response: WebResponse?
        let page = clock.measure { response = app.respond(WebRequest(target: "/trace/" + WideTrace.traceID)) }
        let html = String(decoding: try #require(response).body, as: UTF8.self)
        #expect(response?.status == 200)
        // One row per node in the JSON block.
        let nodes = PageTables.waterfallRows(html)?.count
        #expect(nodes == wide.spanCount)
        #expect(html.contains("data-source=\"trace-data\""))
        print("/trace/ID with \(wide.spanCount) spans: \(page), \(html.utf8.count) bytes")
        #expect(page < .seconds(30))
    }
}
