import Foundation
import MeshLogAnalysis
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import Testing

/// `meshlog export`'s model and encoders: traces rebuilt from access logs (and from spans merged with logs)
/// exported as OTLP JSON, OTLP protobuf, Jaeger JSON and Zipkin JSON ingest back through meshlog's own decoders
/// into the same calls, with the same ids every time.
@Suite struct ExportTests {
    /// The exported spans of every request of `requests`, one array per trace.
    static func exported(_ db: Database, _ ids: [String]) throws -> [[ExportSpan]] {
        let loader = TraceLoader(db: db)
        return try ids.map { try TraceExporter().spans(#require(try loader.loadRecords($0), "\($0)")) }
    }

    /// One side of a call as a tree shows it: kind, service, operation, duration, status and flags.
    struct Side: Hashable, CustomStringConvertible {
        var kind: String
        var operation: String
        var durationUs: Int64
        var status: String
        var flags: String
        var description: String { "\(kind) \(operation) \(durationUs)µs \(status) \(flags)" }
    }

    /// The client and server sides of a tree rebuilt from access logs.
    static func sides(logTree tree: TraceTree, lines: [TraceLogLine]) -> [Side] {
        let byID = Dictionary(uniqueKeysWithValues: lines.map { ($0.id, $0) })
        var out: [Side] = []
        for n in tree.nodes {
            switch n.kind {
            case .hop:
                out.append(Side(kind: "client", operation: n.operation, durationUs: n.clientUs ?? -1, status: n.status, flags: n.flags))
                if !n.children.contains(where: { tree.nodes[$0].kind == .attempt }), n.logLines.count > 1,
                   let inbound = byID[n.logLines[1]] {
                    out.append(Side(kind: "server", operation: inbound.operation, durationUs: inbound.durationMs * 1000,
                                    status: String(inbound.status), flags: inbound.flags))
                }
            case .attempt, .inbound:
                let line = byID[n.logLines[0]]!
                out.append(Side(kind: "server", operation: line.operation, durationUs: n.durationUs, status: n.status, flags: n.flags))
            case .span:
                out.append(Side(kind: n.spanKind ?? "?", operation: n.operation, durationUs: n.durationUs, status: n.status, flags: n.flags))
            }
        }
        return out.sorted { $0.description < $1.description }
    }

    /// The sides of a tree built from the exported spans alone.
    static func sides(spanTree tree: TraceTree) -> [Side] {
        tree.nodes.map { n in
            Side(kind: n.spanKind ?? "?", operation: n.operation, durationUs: n.durationUs, status: n.status, flags: n.flags)
        }.sorted { $0.description < $1.description }
    }

    /// Checks the tree `target` built from exported `spans` against them: every span a node with the same
    /// service, name, kind, duration and parent.
    static func expectSameShape(_ target: TraceTree, _ spans: [ExportSpan], _ label: String) {
        #expect(target.nodes.count == spans.count, "\(label): \(target.nodes.count) nodes for \(spans.count) spans")
        var bySpanID: [String: ExportSpan] = [:]
        for s in spans { bySpanID[s.spanID.map { String(format: "%02x", $0) }.joined()] = s }
        for n in target.nodes {
            guard let id = n.spanID, let s = bySpanID[id] else {
                Issue.record("\(label): node \(n.operation) has no exported span")
                continue
            }
            #expect(n.service == s.service, "\(label) \(id)")
            #expect(n.operation == s.name, "\(label) \(id)")
            #expect(n.durationUs == s.durationUs, "\(label) \(id)")
            #expect(n.spanKind == (s.kind == .client ? "client" : s.kind == .server ? "server" : "internal"), "\(label) \(id)")
            let parentID = n.parent.flatMap { target.nodes[$0].spanID }
            #expect(parentID == s.parentID.map { $0.map { String(format: "%02x", $0) }.joined() }, "\(label) \(id) parent")
        }
    }

    @Test(arguments: [ExportFormat.otlpJSON, .otlpProtobuf, .jaeger, .zipkin])
    func logBuiltTracesRoundTrip(format: ExportFormat) throws {
        let (db, requests) = try TraceFixture.generated(lines: 1500, seed: 11, errorScale: 8, spans: false)
        let ids = requests.map(\.requestID)
        let traces = try Self.exported(db, ids)
        let bytes = format.encode(traces)
        // Exporting twice gives the same bytes.
        #expect(format.encode(try Self.exported(db, ids)) == bytes)
        let (target, _) = try TraceFixture.tempDB()
        let format = try #require(bytes.withUnsafeBytes { SpanFormatSniffer.sniff($0) })
        let report = try SpanIngester(db: target).ingest(name: "export", stream: MemoryByteStream(bytes, maxChunk: 4096), format: format)
        #expect(report.spans == traces.reduce(0) { $0 + $1.count })
        let sourceLoader = TraceLoader(db: db), targetLoader = TraceLoader(db: target)
        var retried = 0, failed = 0
        for (id, spans) in zip(ids, traces) {
            let source = try #require(try sourceLoader.loadRecords(id))
            // The request id survives as `guid:x-request-id`, so the same id finds the trace.
            let tree = try #require(try targetLoader.load(id), "\(id) after export")
            #expect(tree.basis == "spans")
            #expect(tree.requestIDs == [id])
            #expect(tree.roots.count == source.tree.roots.count, "\(id)")
            #expect(Self.sides(spanTree: tree) == Self.sides(logTree: source.tree, lines: source.lines), "\(id)")
            #expect(tree.startUs == source.lines.map(\.startUs).min(), "\(id)")
            #expect(tree.endUs == source.lines.map(\.endUs).max(), "\(id)")
            Self.expectSameShape(tree, spans, id)
            if source.tree.nodes.contains(where: { $0.kind == .attempt }) { retried += 1 }
            if source.tree.nodes.contains(where: \.isError) {
                failed += 1
                #expect(tree.nodes.contains { $0.isError }, "\(id)")
            }
        }
        #expect(retried > 0 && failed > 0, "the traffic has retries (\(retried)) and failures (\(failed))")
    }

    @Test func spanTracesKeepTheirIdsAndGainLogAttributes() throws {
        let (db, requests) = try TraceFixture.generated(lines: 400, seed: 5, errorScale: 3, spans: true)
        let ids = requests.prefix(20).map(\.requestID)
        let traces = try Self.exported(db, ids)
        let loader = TraceLoader(db: db)
        for (id, spans) in zip(ids, traces) {
            let loaded = try #require(try loader.loadRecords(id))
            #expect(spans.count == loaded.spans.count, "\(id): every stored span once")
            let stored = Set(loaded.spans.map(\.spanID))
            #expect(Set(spans.map { $0.spanID.map { String(format: "%02x", $0) }.joined() }) == stored)
            #expect(spans.allSatisfy { $0.attribute("response_flags") != nil && $0.attribute("guid:x-request-id") == .string(id) })
        }
        // Round trip through OTLP JSON: the same tree shape.
        let bytes = ExportFormat.otlpJSON.encode(traces)
        let (target, _) = try TraceFixture.tempDB()
        _ = try TraceFixture.ingestSpans(String(decoding: bytes, as: UTF8.self), into: target)
        for (id, spans) in zip(ids, traces) {
            let tree = try #require(try TraceLoader(db: target).load(id))
            Self.expectSameShape(tree, spans, id)
        }
    }

    @Test func idsAreStableAndDerivedFromTheRequestID() throws {
        let line = TraceLogLine(id: 1, startUs: 1_700_000_000_000_000, durationMs: 12, upstreamMs: 10, reporter: "frontend-v1-abcde-fghij",
                                inbound: false, method: "GET", path: "/users/7", route: "/users/{id}", status: 503,
                                flags: "UF", service: "users", upstreamLocal: nil, downstreamLocal: nil,
                                downstreamRemote: "10.0.0.1:5555", requestID: "rid-1", traceID: nil,
                                upstreamHost: "10.0.0.9:8080", upstreamCluster: "outbound|8080||users.default.svc.cluster.local")
        var tree = TraceTree()
        tree.requestIDs = ["rid-1"]
        LogTreeBuilder().build([line], into: &tree)
        let a = TraceExporter().spans(LoadedTrace(tree: tree, spans: [], lines: [line]))
        var moved = line
        moved.id = 99  // another store numbers its lines its own way
        let b = TraceExporter().spans(LoadedTrace(tree: tree.mappingLineIDs([1: 99]), spans: [], lines: [moved]))
        #expect(a == b)
        let span = try #require(a.first)
        #expect(span.kind == .client && span.status == .error && span.service == "frontend-v1")
        #expect(span.attribute("network.peer.address") == .string("10.0.0.9"))
        #expect(span.attribute("http.response.status_code") == .int(503))
        #expect(span.attribute("upstream_cluster") == .string("outbound|8080||users.default.svc.cluster.local"))
        #expect(span.attribute("response_flags") == .string("UF"))
        #expect(span.attribute("url.path") == .string("/users/7"))
        #expect(span.name == "GET /users/{id}")
        var other = tree
        other.requestIDs = ["rid-2"]
        var otherLine = line
        otherLine.requestID = "rid-2"
        let c = TraceExporter().spans(LoadedTrace(tree: other, spans: [], lines: [otherLine]))
        #expect(c.first?.traceID != span.traceID && c.first?.spanID != span.spanID)
        // A UUID request id is the trace id, and leads back to the request.
        var uuidLine = line
        uuidLine.requestID = "9f371e44-8937-419d-bd12-44d8a12c3280"
        var uuidTree = tree
        uuidTree.requestIDs = [uuidLine.requestID!]
        let u = try #require(TraceExporter().spans(LoadedTrace(tree: uuidTree, spans: [], lines: [uuidLine])).first)
        let hex = u.traceID.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "9f371e448937419dbd1244d8a12c3280")
        #expect(TraceExporter.requestID(fromTraceID: hex) == uuidLine.requestID)
        // A trace id on the line wins.
        var traced = line
        traced.traceID = "0af7651916cd43dd8448eb211c80319c"
        let d = TraceExporter().spans(LoadedTrace(tree: tree, spans: [], lines: [traced]))
        #expect(d.first?.traceID == [0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c])
    }

    @Test func eightyThousandSpansEncodeQuickly() throws {
        let trace = (0..<80_000).map { i in
            ExportSpan(traceID: Array(repeating: 7, count: 16), spanID: StableHashProbe.id(i), parentID: i == 0 ? nil : StableHashProbe.id(0),
                       service: i % 3 == 0 ? "api" : "users", name: "GET /users/{id}", kind: i == 0 ? .server : .client,
                       startUs: 1_700_000_000_000_000 + Int64(i) * 1000, durationUs: 900, status: i % 50 == 0 ? .error : .unset,
                       attributes: [ExportAttribute("http.request.method", .string("GET")), ExportAttribute("http.response.status_code", .int(200)),
                                    ExportAttribute("response_flags", .string("-")), ExportAttribute("guid:x-request-id", .string("r\(i)"))])
        }
        for format in ExportFormat.allCases {
            let start = Date()
            let bytes = format.encode([trace])
            let ms = Int(Date().timeIntervalSince(start) * 1000)
            print("80,000-span trace as \(format.rawValue): \(bytes.count / 1024) KiB in \(ms) ms")
            // Well under a second in a release build; a debug build on a loaded machine takes a few seconds. The
            // bound catches a quadratic encoder (minutes), not noise.
            #expect(ms < 20_000, "\(format.rawValue) took \(ms) ms")
            var count = 0
            try bytes.withUnsafeBytes { raw in
                let sniffed = try #require(SpanFormatSniffer.sniff(raw))
                try SpanDecoder(format: sniffed).decode(bytes: raw, onSpan: { _ in count += 1 }, onWarning: { Issue.record("\($0)") })
            }
            #expect(count == 80_000, "\(format.rawValue)")
        }
    }
}

/// Distinct 8-byte ids for synthetic spans.
enum StableHashProbe {
    static func id(_ i: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: (i + 1) >> (56 - 8 * $0)) } }
}
