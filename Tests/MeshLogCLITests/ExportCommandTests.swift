import Foundation
import MeshLogTestSupport
import Testing

/// `meshlog export` through the built binary: each format ingests back into a fresh store with the same calls
/// (`meshlog trace --json`), the `traces` filters choose what is exported, exporting twice gives the same bytes,
/// and OTLP/HTTP reaches a receiver that decodes it with the published OTLP schema (`opentelemetry-proto`).
@Suite("meshlog export", .serialized, .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct ExportCommandTests {
    /// A store of generated traffic (access logs only, with retries and failures), built once.
    final class Source: Sendable {
        static let shared: Result<Source, Error> = Result { try Source() }
        let directory: TemporaryDirectory
        let db: String

        private init() throws {
            directory = try TemporaryDirectory(prefix: "meshlog-export")
            db = directory.path("source.db")
            let logs = directory.path("pods")
            let generate = try MeshLogBinary.run(["generate", "--lines", "3000", "--seed", "21", "--error-rate-scale", "8",
                                                  "--split-by-pod", logs])
            guard generate.status == 0 else { throw Failure("generate failed: \(generate.stderr)") }
            let ingest = try MeshLogBinary.run(["ingest", logs, "--db", db, "--quiet"])
            guard ingest.status == 0 else { throw Failure("ingest failed: \(ingest.stderr)") }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// `meshlog traces --json` ids.
    static func ids(_ db: String, _ filters: [String]) throws -> [String] {
        let run = try MeshLogBinary.run(["traces", "--db", db, "--json"] + filters)
        #expect(run.status == 0, "\(run.stderr)")
        return (try json(run.stdout) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// One call of a `trace --json` tree: the operations of the calls above it and its own, status and flags.
    struct Call: Hashable, Comparable, CustomStringConvertible {
        var path: String
        var durationUs: Int
        var status: String
        var flags: String
        var description: String { "\(path) \(durationUs)µs \(status) \(flags)" }
        static func < (a: Call, b: Call) -> Bool { a.description < b.description }
    }

    /// The client side of every call in a `trace --json` tree: hops of a tree rebuilt from logs, CLIENT spans of
    /// a tree of spans, each with the chain of calls above it.
    static func calls(_ traceJSON: String) throws -> [Call] {
        let root = try #require(try json(traceJSON) as? [String: Any])
        var out: [Call] = []
        func visit(_ node: [String: Any], _ above: String) {
            let isCall = node["kind"] as? String == "hop" || node["span_kind"] as? String == "client"
            var path = above
            if isCall {
                path += " > " + (node["operation"] as? String ?? "?")
                out.append(Call(path: path, durationUs: node["duration_us"] as? Int ?? -1, status: node["status"] as? String ?? "?",
                                flags: node["flags"] as? String ?? "?"))
            }
            for child in node["children"] as? [[String: Any]] ?? [] { visit(child, path) }
        }
        for r in root["roots"] as? [[String: Any]] ?? [] { visit(r, "") }
        return out.sorted()
    }

    @Test(arguments: ["otlp", "jaeger", "zipkin"])
    func exportIngestsBackIntoTheSameCalls(format: String) throws {
        let source = try Source.shared.get()
        let dir = try TemporaryDirectory()
        let file = dir.path("export.\(format).json"), target = dir.path("target.db")
        let export = try MeshLogBinary.run(["export", "--db", source.db, "--format", format, "--output", file, "--limit", "400"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("exported 400 traces"), "\(export.stderr)")
        let ingest = try MeshLogBinary.run(["ingest", file, "--db", target, "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let picked = Array(try Self.ids(source.db, ["--limit", "400"]).prefix(400))
        let failing = try Self.ids(source.db, ["--status", "5xx", "--limit", "400"]).filter(picked.contains)
        let retried = try Self.ids(source.db, ["--flag", "URX", "--limit", "400"]).filter(picked.contains)
        #expect(!failing.isEmpty && !retried.isEmpty, "the traffic has failures and retries")
        for id in Array(picked.prefix(15)) + failing.prefix(15) + retried.prefix(15) {
            let before = try MeshLogBinary.run(["trace", id, "--db", source.db, "--json"])
            let after = try MeshLogBinary.run(["trace", id, "--db", target, "--json"])
            #expect(after.status == 0, "\(id): \(after.stderr)")
            let b = try #require(try Self.json(before.stdout) as? [String: Any])
            let a = try #require(try Self.json(after.stdout) as? [String: Any])
            #expect(a["basis"] as? String == "spans", "\(id)")
            #expect(a["request_ids"] as? [String] == [id])
            #expect(a["start_us"] as? Int == b["start_us"] as? Int, "\(id)")
            // The source tree spans its hops (the callers' lines); the exported one also the callees' lines, which
            // can end up to 1 ms later (both are whole milliseconds).
            let grew = (a["duration_us"] as? Int ?? -1) - (b["duration_us"] as? Int ?? 0)
            #expect(grew >= 0 && grew <= 1000, "\(id): \(grew) µs longer")
            #expect(try Self.calls(after.stdout) == Self.calls(before.stdout), "\(id)")
        }
    }

    @Test func exportingTwiceGivesTheSameBytes() throws {
        let source = try Source.shared.get()
        var outputs: [String] = []
        for _ in 0..<2 {
            let run = try MeshLogBinary.run(["export", "--db", source.db, "--format", "jaeger", "--limit", "50"])
            #expect(run.status == 0, "\(run.stderr)")
            outputs.append(run.stdout)
        }
        let viaStore = try MeshLogBinary.run(["export", "--store", "sqlite:" + source.db, "--format", "jaeger", "--limit", "50"])
        #expect(viaStore.status == 0, "\(viaStore.stderr)")
        outputs.append(viaStore.stdout)
        #expect(outputs[0] == outputs[2])
        #expect(outputs[0] == outputs[1])
        let data = try #require(try Self.json(outputs[0]) as? [String: Any])
        let traces = try #require(data["data"] as? [[String: Any]])
        #expect(traces.count == 50)
        #expect(data["errors"] is NSNull)
        for t in traces {
            let spans = try #require(t["spans"] as? [[String: Any]])
            let processes = try #require(t["processes"] as? [String: [String: Any]])
            #expect(spans.allSatisfy { processes[$0["processID"] as? String ?? ""] != nil })
            #expect(spans.allSatisfy { ($0["references"] as? [[String: Any]])?.allSatisfy { $0["refType"] as? String == "CHILD_OF" } == true })
            #expect(spans.contains { ($0["references"] as? [Any])?.isEmpty == true }, "a root span")
        }
    }

    /// The ids and tags of each trace in Jaeger JSON.
    static func jaegerTraces(_ text: String) throws -> [[[String: Any]]] {
        let data = try #require(try json(text) as? [String: Any])
        return (data["data"] as? [[String: Any]] ?? []).map { $0["spans"] as? [[String: Any]] ?? [] }
    }

    static func tag(_ span: [String: Any], _ key: String) -> Any? {
        (span["tags"] as? [[String: Any]])?.first { $0["key"] as? String == key }?["value"]
    }

    @Test func theTracesFiltersChooseWhatIsExported() throws {
        let source = try Source.shared.get()
        func export(_ filters: [String]) throws -> [[[String: Any]]] {
            let run = try MeshLogBinary.run(["export", "--db", source.db, "--format", "jaeger"] + filters)
            #expect(run.status == 0, "\(filters): \(run.stderr)")
            return try Self.jaegerTraces(run.stdout)
        }
        let failing = try export(["--status", "5xx", "--limit", "20"])
        #expect(failing.count == min(20, try Self.ids(source.db, ["--status", "5xx", "--limit", "20"]).count))
        #expect(!failing.isEmpty && failing.allSatisfy { $0.contains { (Self.tag($0, "http.response.status_code") as? Int ?? 0) >= 500 } })
        let retriedRun = try MeshLogBinary.run(["export", "--db", source.db, "--format", "jaeger", "--flag", "URX", "--limit", "5"])
        let retried = try Self.jaegerTraces(retriedRun.stdout)
        #expect(!retried.isEmpty && retried.allSatisfy { $0.contains { (Self.tag($0, "response_flags") as? String ?? "").contains("URX") } })
        let course = try export(["--service", "course", "--limit", "5"])
        #expect(course.count == 5 && course.allSatisfy { $0.contains { Self.tag($0, "server.address") as? String == "course" } })
        let slowRun = try MeshLogBinary.run(["export", "--db", source.db, "--format", "jaeger", "--min-duration", "300ms", "--limit", "5"])
        let slow = try Self.jaegerTraces(slowRun.stdout)
        #expect(!slow.isEmpty)
        for t in slow {
            let start = t.map { $0["startTime"] as? Int ?? 0 }.min() ?? 0
            let end = t.map { ($0["startTime"] as? Int ?? 0) + ($0["duration"] as? Int ?? 0) }.max() ?? 0
            #expect(end - start >= 300_000)
        }
        let all = try export(["--limit", "100000"])
        let windowedRun = try MeshLogBinary.run(["export", "--db", source.db, "--format", "jaeger", "--since", "20m", "--until", "10m",
                                                 "--limit", "100000"])
        let windowed = try Self.jaegerTraces(windowedRun.stdout)
        #expect(!windowed.isEmpty && windowed.count < all.count, "\(windowed.count) of \(all.count)")
        #expect(try export(["--limit", "3"]).count == 3)
        let bad = try MeshLogBinary.run(["export", "--db", source.db, "--format", "xml"])
        #expect(bad.status != 0 && bad.stderr.contains("Use otlp, jaeger or zipkin"))
    }

    /// A started `Tests/Scripts/otlp_receiver.py`: its port and the summary file it writes.
    final class Receiver {
        let process = Process()
        let port: Int
        let summary: String

        init?(status: Int = 200, in dir: TemporaryDirectory) throws {
            summary = dir.path("summary-\(status).json")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Repository.path("Tests/Scripts/otlp_receiver.py"), summary, String(status)]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            var first = Data()
            while !first.contains(10) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                first.append(chunk)
            }
            let line = String(decoding: first, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let port = Int(line) else {
                kill(process.processIdentifier, SIGKILL)
                print("OTLP/HTTP export checks skipped: \(line.isEmpty ? "the receiver did not start" : line) (pip install opentelemetry-proto)")
                return nil
            }
            self.port = port
        }

        var url: String { "http://127.0.0.1:\(port)" }

        func read() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summary))) as? [String: Any])
        }

        deinit {
            // SIGKILL: the test runner may leave SIGTERM ignored in the processes it starts.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func otlpHTTPReachesACollector() throws {
        let source = try Source.shared.get()
        let dir = try TemporaryDirectory()
        guard let receiver = try Receiver(in: dir) else { return }
        let file = dir.path("export.otlp.json")
        let written = try MeshLogBinary.run(["export", "--db", source.db, "--limit", "150", "--output", file])
        #expect(written.status == 0, "\(written.stderr)")
        let posted = try MeshLogBinary.run(["export", "--db", source.db, "--limit", "150", "--otlp", receiver.url])
        #expect(posted.status == 0, "\(posted.stderr)")
        #expect(posted.stderr.contains("in 2 requests"), "\(posted.stderr)")
        var summary = try receiver.read()
        let requests = try #require(summary["requests"] as? [[String: Any]])
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0["path"] as? String == "/v1/traces" && $0["content_type"] as? String == "application/x-protobuf" })
        let spans = try #require(summary["spans"] as? [[String: Any]])
        // The same spans as the file export (OTLP JSON) holds.
        let fileText = try String(contentsOfFile: file, encoding: .utf8)
        var fileSpanIDs: [String] = []
        for line in fileText.split(separator: "\n") {
            let request = try #require(try Self.json(String(line)) as? [String: Any])
            for rs in request["resourceSpans"] as? [[String: Any]] ?? [] {
                for ss in rs["scopeSpans"] as? [[String: Any]] ?? [] {
                    fileSpanIDs += (ss["spans"] as? [[String: Any]] ?? []).compactMap { $0["spanId"] as? String }
                }
            }
        }
        #expect(spans.compactMap { $0["span_id"] as? String }.sorted() == fileSpanIDs.sorted())
        #expect(spans.allSatisfy { $0["scope"] as? String == "meshlog" && ($0["trace_id"] as? String)?.count == 32 })
        let clients = spans.filter { $0["kind"] as? Int == 3 }
        let servers = spans.filter { $0["kind"] as? Int == 2 }
        #expect(!clients.isEmpty && !servers.isEmpty)
        for s in spans {
            let attributes = s["attributes"] as? [String: String] ?? [:]
            for key in ["http.request.method", "http.response.status_code", "url.path", "response_flags", "guid:x-request-id"] {
                #expect(attributes[key] != nil, "\(key) missing on \(s["name"] ?? "")")
            }
            #expect((s["int_attributes"] as? [String])?.contains("http.response.status_code") == true)
            #expect((s["end"] as? Int ?? 0) >= (s["start"] as? Int ?? 1))
            if let code = Int(attributes["http.response.status_code"] ?? ""), code >= 500 { #expect(s["status"] as? Int == 2) }
        }
        #expect(servers.contains { !($0["parent_id"] as? String ?? "").isEmpty })

        // OTLP JSON to the same receiver, to a URL that already names /v1/traces.
        let json = try MeshLogBinary.run(["export", "--db", source.db, "--limit", "20", "--otlp", receiver.url + "/v1/traces", "--otlp-json"])
        #expect(json.status == 0, "\(json.stderr)")
        summary = try receiver.read()
        let last = try #require((summary["requests"] as? [[String: Any]])?.last)
        #expect(last["content_type"] as? String == "application/json" && last["path"] as? String == "/v1/traces")
        #expect((last["spans"] as? Int ?? 0) > 20)
    }

    @Test func aFailingCollectorStopsTheExportWithItsAnswer() throws {
        let source = try Source.shared.get()
        let dir = try TemporaryDirectory()
        guard let receiver = try Receiver(status: 500, in: dir) else { return }
        let run = try MeshLogBinary.run(["export", "--db", source.db, "--limit", "5", "--otlp", receiver.url])
        #expect(run.status != 0)
        #expect(run.stderr.contains("answered HTTP 500") && run.stderr.contains("queue full"), "\(run.stderr)")
        let nobody = try MeshLogBinary.run(["export", "--db", source.db, "--limit", "5", "--otlp", "http://127.0.0.1:1"])
        #expect(nobody.status != 0 && nobody.stderr.contains("is it running"), "\(nobody.stderr)")
    }
}
