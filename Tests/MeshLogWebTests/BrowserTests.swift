import Foundation
import MeshLogTestSupport
import Testing

/// `meshlog serve` in headless Chromium (Selenium, `Tests/Scripts/browser_check.py`): graph → failing edge →
/// failing request → waterfall → diff of two ticked requests, each page checked against the CLI's `--json`,
/// with no console error and no CSP violation; hostile log values (ingested while it serves) shown as text;
/// the 80,001-span waterfall timed. Skipped, with the reason printed, without Chromium, chromedriver or
/// selenium. With `MESHLOG_SCREENSHOTS=docs/screenshots` it also writes the README's three screenshots there.
@Suite(.serialized) struct BrowserTests {
    /// Lines whose path, user agent and request id are markup; each must show as text and run nothing.
    static let hostileLines = [
        #"[2026-11-25T00:30:00.100Z] "GET /search?q=<script>alert(1)</script> HTTP/1.1" 200 - via_upstream - "-" 0 91 12 11 "-" ""><img src=x onerror=alert(2)>" "hostile-0001-<script>alert(3)</script>" "course.lms.svc.cluster.local:8080" "10.244.2.7:8080" outbound|8080|v1|course.lms.svc.cluster.local 10.244.1.9:31000 10.96.14.22:8080 10.244.1.9:40112 - default"#,
        #"[2026-11-25T00:30:00.200Z] "GET /lessons/"><img src=x onerror=alert(2)> HTTP/1.1" 200 - via_upstream - "-" 0 91 12 11 "-" "frontend/1.0" "hostile-0002" "course.lms.svc.cluster.local:8080" "10.244.2.7:8080" outbound|8080|v1|course.lms.svc.cluster.local 10.244.1.9:31001 10.96.14.22:8080 10.244.1.9:40112 - default"#,
    ]
    /// The values of those lines that must show as text.
    static let hostileValues = ["/search?q=<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>", "/lessons/\"><img src=x onerror=alert(2)>"]
    /// The lines' request ids (markup in one), each opened as a waterfall.
    static let hostileIDs = ["hostile-0001-<script>alert(3)</script>", "hostile-0002"]

    /// The whole walk, the CLI comparisons and the 80,001-span timing, on generated traffic with the payment incident.
    @Test func clickThroughMatchesTheCLI() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else {
            print("skipped: no Chromium (apt-get install chromium chromium-driver; pip install selenium)")
            return
        }
        let dir = try TemporaryDirectory(prefix: "browser")
        let db = dir.path("store.db"), cli = try #require(MeshLogBinary.url).path
        let traffic = dir.path("traffic.log")
        try #require(try MeshLogBinary.run(["generate", "--lines", "20000", "--seed", "7", "--incident", "payment", "--output", traffic]).status == 0)
        let hostile = try dir.write("hostile.log", Self.hostileLines.joined(separator: "\n") + "\n")
        let wide = WideTrace()
        let spans = try dir.write("wide.zipkin.json", wide.zipkinJSON())
        let ingest = try MeshLogBinary.run(["ingest", traffic, spans, "--db", db, "-q"])
        try #require(ingest.status == 0, "\(ingest.stderr)")

        let server = try Server(db: db, in: dir)
        defer { server.stop() }
        let shots = dir.path("screenshots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let publish = ProcessInfo.processInfo.environment["MESHLOG_SCREENSHOTS"].map { Repository.path($0) }
        let config: [String: Any?] = [
            "url": server.url, "db": db, "cli": cli, "shots": shots, "publish": publish,
            "hostile_log": hostile, "hostile": Self.hostileValues, "hostile_ids": Self.hostileIDs, "wide_trace": WideTrace.traceID,
        ]
        let configFile = dir.path("config.json")
        try JSONSerialization.data(withJSONObject: config.mapValues { $0 ?? NSNull() }).write(to: URL(fileURLWithPath: configFile))

        let run = try runTool("/usr/bin/env", ["python3", Repository.path("Tests/Scripts/browser_check.py"), configFile])
        if run.status == 2 {
            print("skipped: \(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
            return
        }
        try #require(run.status == 0, "browser_check.py failed: \(run.stdout.suffix(2000))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let failures = result["failures"] as? [String] ?? ["no failures list"]
        #expect(failures.isEmpty, "\(failures.prefix(20))")
        #expect((result["checks"] as? Int ?? 0) >= 60, "only \(result["checks"] ?? 0) checks ran")
        let pages = result["pages"] as? [String] ?? []
        for page in ["graph", "edge", "trace", "traces", "diff", "status-by-code", "hostile-sql", "report", "wide-trace"] {
            #expect(pages.contains(page), "\(page) not visited")
        }
        let figures = try #require(result["figures"] as? [String: Any])
        print("browser figures: \(figures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        // Every span reaches the waterfall: the calls of each chunk start as one group row, and Expand all shows all.
        #expect(figures["wide_nodes"] as? Int == wide.spanCount)
        #expect(figures["wide_rows"] as? Int == 1 + wide.chunks * (2 + wide.distinct))
        #expect(figures["wide_expanded_rows"] as? Int == wide.spanCount + wide.chunks)
        #expect((figures["wide_rows_in_document"] as? Int ?? .max) < 200, "the waterfall is not virtualized")
        // A sanity bound on the browser's own work (parse, flatten, draw), not a speed floor.
        #expect((figures["wide_script_ms"] as? Int ?? .max) < 10_000)
        let pngs = try FileManager.default.contentsOfDirectory(atPath: shots).filter { $0.hasSuffix(".png") }
        #expect(pngs.count >= pages.count - 1, "\(pngs.count) screenshots for \(pages.count) pages")
    }

    /// `meshlog serve --listen 127.0.0.1:0` on a store, its address read from its stderr; stopped by its PID.
    final class Server {
        /// The running `meshlog serve`.
        let process: Process
        /// `http://127.0.0.1:PORT`, as it printed.
        let url: String

        /// Starts the server on `db`, its stderr in `dir`, and waits (30 s at most) for its address.
        init(db: String, in dir: TemporaryDirectory) throws {
            let log = dir.path("serve.err")
            guard let binary = MeshLogBinary.url, FileManager.default.createFile(atPath: log, contents: nil) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "meshlog is not built"])
            }
            process = Process()
            process.executableURL = binary
            process.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try process.run()
            var found: String?
            let deadline = Date().addingTimeInterval(30)
            while found == nil, Date() < deadline, process.isRunning {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) { found = String(text[range]) }
                else { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard let found else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "meshlog serve printed no address: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")"])
            }
            url = found
        }

        /// Kills this server by its PID and waits for it: SIGKILL, because a child of the test runner starts with
        /// SIGTERM and SIGINT blocked (and a read-only server has nothing to finish).
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}
