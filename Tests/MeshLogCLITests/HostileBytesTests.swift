import Foundation
import MeshLogTestSupport
import Testing

/// Issue #14: paths, user agents, headers and file names come from the internet. Every command that prints
/// values must show their control characters escaped (`\x1b`), never pass them to the terminal; the store keeps
/// the bytes, and `--json` gives them back exactly.
@Suite("hostile bytes on the terminal", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct HostileBytesTests {
    /// An SGR sequence, an OSC window title ended by BEL, CR, BS, SOH, DEL, the C1 CSI (U+009B), a bidi override
    /// (U+202E) and a TAB: valid UTF-8, so it comes back exactly.
    static let nasty = "\u{1B}[31m\u{1B}]0;title\u{07}\r\u{08}\u{01}\u{7F}\u{9B}\u{202E}\tX"
    /// The same as `meshlog` shows it.
    static let shown = #"\x1b[31m\x1b]0;title\x07\x0d\x08\x01\x7f\u{9b}\u{202e}\x09X"#
    /// An invalid UTF-8 byte and an HTML tag, in the paths and user agents only.
    static let extra: [UInt8] = [0xFF] + Array("<i>&".utf8)
    static let frontendFile = "frontend-v1-abc12-x\u{1B}[31m.log"
    static let traceID = "a709e98496a7a0c815131b93ba5c2902"

    static func rid(_ i: Int) -> String { "rid-\(nasty)-\(i)" }

    /// Five requests frontend → course (both sidecars' lines), whose path, user agent, authority, request id and
    /// route hold `nasty`; two spans with it in their service and operation names; a file of no known format.
    static func makeStore(_ dir: TemporaryDirectory) throws -> String {
        let n = Array(nasty.utf8), bad = n + extra
        var frontend: [UInt8] = [], course: [UInt8] = []
        for i in 0..<5 {
            let second = String(format: "%02d", i)
            frontend += Array(#"[2026-11-25T10:00:\#(second).000Z] "GET /evil/"#.utf8) + bad + Array(#"/x HTTP/1.1" 503 UF via_upstream - "-" 0 10 \#(20 + i) \#(19 + i) "-" "agent"#.utf8)
                + bad + Array(#"" ""#.utf8) + Array(rid(i).utf8) + Array(#"" "course"#.utf8) + n
                + Array(#":8080" "10.244.2.1:8080" outbound|8080|v1|course.lms.svc.cluster.local 10.244.1.9:30000 10.96.14.22:8080 10.244.1.9:40112 - route"#.utf8)
                + Array("\u{1B}[7m\u{9B}\u{202E}r\n".utf8)
            course += Array(#"[2026-11-25T10:00:\#(second).002Z] "GET /evil/"#.utf8) + bad + Array(#"/x HTTP/1.1" 503 - via_upstream - "-" 0 10 \#(15 + i) \#(14 + i) "-" "agent"#.utf8)
                + bad + Array(#"" ""#.utf8) + Array(rid(i).utf8)
                + Array(#"" "course:8080" "10.244.3.13:8080" inbound|8080|| 127.0.0.6:51088 10.244.3.13:8080 10.244.1.9:42457 outbound_.8080_.v1_.course.lms.svc.cluster.local default"#.utf8)
                + [0x0A]
        }
        try dir.write(frontendFile, Data(frontend))
        try dir.write("course-v1-czdtkp4px-2jkfm.log", Data(course))
        try dir.write("spans.zipkin.json", #"""
            [{"traceId":"\#(traceID)","id":"1111111111111111","name":"GET /op\u001b[31m\u009b","kind":"SERVER","timestamp":1795600800000000,"duration":20000,"localEndpoint":{"serviceName":"svc\u001b]0;t\u0007\u202e"},"tags":{"http.status_code":"503","error":"boom\u001b[2J","guid:x-request-id":"rid-x"}},
            {"traceId":"\#(traceID)","id":"2222222222222222","parentId":"1111111111111111","name":"call\r\u0008","kind":"CLIENT","timestamp":1795600800001000,"duration":10000,"localEndpoint":{"serviceName":"svc\u001b]0;t\u0007\u202e"},"remoteEndpoint":{"serviceName":"db\u001b[1m"},"tags":{"http.status_code":"200"}}]
            """#)
        return dir.path("t.db")
    }

    /// The characters a terminal acts on (LF aside) in `text`, with where they are.
    static func unsafe(_ text: String) -> [String] {
        var found: [String] = []
        let scalars = Array(text.unicodeScalars)
        for (i, u) in scalars.enumerated() {
            let v = u.value
            if (v < 0x20 && v != 0x0A) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                found.append("U+\(String(v, radix: 16)) after \(String(String.UnicodeScalarView(scalars[max(0, i - 20)..<i])).debugDescription)")
            }
        }
        return found
    }

    /// Runs `meshlog arguments` and expects stdout and stderr free of control characters; with `--csv`, which keeps
    /// the exact strings (quoted), stderr only.
    @discardableResult
    static func run(_ arguments: [String], status: Int32? = 0, sourceLocation: SourceLocation = #_sourceLocation) throws -> MeshLogBinary.Result {
        let run = try MeshLogBinary.run(arguments)
        let name = "meshlog " + arguments.joined(separator: " ").debugDescription
        if let status { #expect(run.status == status, "\(name) exited \(run.status): \(run.stderr)", sourceLocation: sourceLocation) }
        #expect(arguments.contains("--csv") || unsafe(run.stdout).isEmpty, "\(name) printed controls on stdout: \(unsafe(run.stdout).prefix(3))", sourceLocation: sourceLocation)
        #expect(unsafe(run.stderr).isEmpty, "\(name) printed controls on stderr: \(unsafe(run.stderr).prefix(3))", sourceLocation: sourceLocation)
        return run
    }

    /// The lines of an aligned table from its header on: the rule's `-` runs start each column, and every
    /// column of every row starts where its rule starts (the widths counted on the escaped text).
    static func expectAligned(_ text: String, header: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let h = lines.firstIndex(where: { $0.hasPrefix(header) }), h + 1 < lines.count else {
            Issue.record("no table headed \(header.debugDescription) in \(text)", sourceLocation: sourceLocation)
            return
        }
        let rule = Array(lines[h + 1])
        #expect(rule.first == "-", "no rule under the header", sourceLocation: sourceLocation)
        let starts = rule.indices.filter { rule[$0] == "-" && ($0 == 0 || rule[$0 - 1] == " ") }
        for line in lines[(h + 2)...] where !line.isEmpty {
            let chars = Array(line)
            for s in starts.dropFirst() where s < chars.count {
                #expect(chars[s - 2] == " " && chars[s - 1] == " ", "misaligned at column \(s): \(line.debugDescription)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func ingestSummaryNotesAndErrorsAreEscaped() throws {
        let dir = try TemporaryDirectory()
        let db = try Self.makeStore(dir)
        try dir.write("not-a-log\u{1B}[2J.txt", Data(Array("hello \(Self.nasty)".utf8) + Self.extra + [0x0A]))
        let ingest = try Self.run(["ingest", dir.path(Self.frontendFile), dir.path("course-v1-czdtkp4px-2jkfm.log"),
                                   dir.path("spans.zipkin.json"), dir.path("not-a-log\u{1B}[2J.txt"), "--db", db], status: 1)
        // The summary table: file names escaped, columns aligned on the escaped names.
        let table = ingest.stdout.split(separator: "\n").filter { $0.contains(".log") || $0.contains("FILE") || $0.contains(".txt") }
        #expect(table.count == 4 && table.contains { $0.hasPrefix(#"\#(dir.path)/frontend-v1-abc12-x\x1b[31m.log"#) })
        func secondColumn(_ line: Substring) -> Int {
            let chars = Array(line)
            guard let gap = chars.indices.first(where: { $0 + 1 < chars.count && chars[$0] == " " && chars[$0 + 1] == " " }) else { return -1 }
            return chars[gap...].firstIndex { $0 != " " } ?? -1
        }
        #expect(Set(table.map(secondColumn)).count == 1, "summary misaligned: \(table)")
        // stderr: the format notes and the error quoting the unknown file's name and first line.
        #expect(ingest.stderr.contains(#"frontend-v1-abc12-x\x1b[31m.log: istio"#))
        #expect(ingest.stderr.contains(#"not-a-log\x1b[2J.txt"#) && ingest.stderr.contains(#"first line: hello \#(Self.shown)\xff<i>&"#))
        // Again: "already ingested" names the files.
        let again = try Self.run(["ingest", dir.path(Self.frontendFile), "--db", db])
        #expect(again.stderr.contains(#"x\x1b[31m.log: already ingested"#))
        // A format inferred from the lines (its literal text from them) and the rejected lines they hold.
        try dir.write("odd.log", Data(Array("2026-11-25T10:00:00Z GET /a\(Self.nasty) 200 5ms\n2026-11-25T10:00:01Z GET /b 500 7ms\n".utf8)))
        try Self.run(["ingest", dir.path("odd.log"), "--db", dir.path("odd.db")])
        let infer = try Self.run(["formats", "--infer", dir.path("odd.log")])
        #expect(infer.stdout.contains(#"/a\#(Self.shown)"#))
        try Self.run(["formats", "--infer", dir.path("odd.log"), "--json"])
        let rejected = try Self.run(["sql", "SELECT text FROM rejected", "--db", db])
        #expect(rejected.stdout.contains("hello " + Self.shown))
    }

    @Test func everyAnswerCommandEscapesWhatItShows() throws {
        let dir = try TemporaryDirectory()
        let db = try Self.makeStore(dir)
        try Self.run(["ingest", dir.path(Self.frontendFile), dir.path("course-v1-czdtkp4px-2jkfm.log"), dir.path("spans.zipkin.json"),
                      "--db", db, "--quiet"])
        let d = ["--db", db]
        let human: [[String]] = [[], ["--markdown"]], machine: [[String]] = [["--json"], ["--csv"]]
        for format in human + machine {
            try Self.run(["status", "--by", "service,edge,route,reporter,subset,flag,code"] + format + d)
            try Self.run(["hops", "--explain"] + format + d)
            try Self.run(["timeline", "--bucket", "1m"] + format + d)
            try Self.run(["slow"] + format + d)
            try Self.run(["graph"] + format + d)
            try Self.run(["traces"] + format + d)
            try Self.run(["critical-path"] + format + d)
            try Self.run(["compare", "--baseline-subset", "v1", "--candidate-subset", "v1", "--by", "route"] + format + d)
            try Self.run(["query", "--list"] + format + d)
            if !machine.contains(format) {
                try Self.run(["sql", "SELECT path, user_agent, authority, request_id, route_name FROM access_log"] + format + d)
            }
        }
        for format in ["dot", "mermaid", "json"] { try Self.run(["graph", "--format", format] + d) }
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(Self.run(["query", "--list", "--json"] + d).stdout.utf8)) as? [[String: Any]])
        for name in listing.compactMap({ $0["name"] as? String }) { try Self.run(["query", name] + d, status: nil) }

        // What the tables show, escaped and aligned.
        let sql = try Self.run(["sql", "SELECT request_id, user_agent, route_name, 'end' AS z FROM access_log WHERE route_name != 'default'"] + d)
        #expect(sql.stdout.contains("rid-" + Self.shown + "-0") && sql.stdout.contains("agent" + Self.shown))
        #expect(sql.stdout.contains(#"route\x1b[7m\u{9b}\u{202e}r"#))
        Self.expectAligned(sql.stdout, header: "request_id")
        Self.expectAligned(try Self.run(["status", "--by", "route"] + d).stdout, header: "route")
        Self.expectAligned(try Self.run(["traces"] + d).stdout, header: "id")
        let slow = try Self.run(["slow"] + d)
        #expect(slow.stdout.contains("request rid-" + Self.shown))
        #expect(try Self.run(["graph", "--format", "dot"] + d).stdout.contains(#"frontend-v1-abc12-x\\x1b[31m"#))
        #expect(try Self.run(["sql", "SELECT 1 AS \"\(Self.nasty)\""] + d).stdout.hasPrefix(Self.shown))

        // Trees: a request from its access-log lines, a trace from its spans, and a diff.
        let trace = try Self.run(["trace", Self.rid(0), "--explain"] + d)
        #expect(trace.stdout.contains("request rid-" + Self.shown + "-0") && trace.stdout.contains("GET /evil/" + Self.shown))
        try Self.run(["trace", Self.rid(0), "--full", "--json"] + d)
        let spans = try Self.run(["trace", Self.traceID] + d)
        #expect(spans.stdout.contains(#"svc\x1b]0;t\x07\u{202e} [server] GET /op\x1b[31m\u{9b}"#))
        #expect(spans.stdout.contains(#"[client] call\x0d\x08"#))
        let diff = try Self.run(["diff", Self.rid(0), Self.rid(1)] + d)
        #expect(diff.stdout.contains("A: request rid-" + Self.shown + "-0"))
        try Self.run(["diff", Self.rid(0), Self.rid(1), "--json"] + d)

        // The report: Markdown on stdout, JSON, and HTML (which escapes markup too).
        let report = try Self.run(["report", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z"] + d)
        #expect(report.stdout.contains(#"GET /evil/\#(Self.shown)"#) || report.stdout.contains("rid-" + Self.shown))
        try Self.run(["report", "--json", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z"] + d)
        let html = dir.path("r\u{1B}[31m.html")
        let wrote = try Self.run(["report", "--html", html, "--quiet", "--since", "2026-11-25T00:00:00Z", "--until", "2026-11-26T00:00:00Z"] + d)
        #expect(wrote.stderr.contains(#"r\x1b[31m.html"#))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!page.contains("<i>&") && page.contains("&lt;i&gt;&amp;"))

        // Errors that quote what was typed or read.
        let missing = try Self.run(["trace", "nope" + Self.nasty] + d, status: nil)
        #expect(missing.status != 0 && missing.stderr.contains("nope" + Self.shown))
        let badSQL = try Self.run(["sql", "SELEC '\(Self.nasty)'"] + d, status: 1)
        #expect(badSQL.stderr.contains(Self.shown))
        let explain = try Self.run(["status", "--explain", "--service", "x" + Self.nasty] + d)
        #expect(explain.stderr.contains("x" + Self.shown))
    }

    @Test func theStoreAndTheMachineFormatsKeepTheBytes() throws {
        let dir = try TemporaryDirectory()
        let db = try Self.makeStore(dir)
        try Self.run(["ingest", dir.path(Self.frontendFile), dir.path("course-v1-czdtkp4px-2jkfm.log"), "--db", db, "--quiet"])
        let d = ["--db", db]
        // The bytes as they were in the file: the invalid one too.
        let hex = try Self.run(["sql", "SELECT hex(user_agent) AS h FROM access_log LIMIT 1", "--json"] + d)
        let expected = (Array("agent\(Self.nasty)".utf8) + Self.extra).map { String(format: "%02X", $0) }.joined()
        #expect(hex.stdout.contains(expected))
        // --json: the exact strings (DEL, C1 and bidi as \u escapes, so that printing it is safe too).
        let json = try Self.run(["sql", "SELECT request_id, authority FROM access_log WHERE route_name != 'default' ORDER BY request_id", "--json"] + d)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["request_id"] as? String } == (0..<5).map(Self.rid))
        #expect(rows.first?["authority"] as? String == "course\(Self.nasty):8080")
        let slow = try #require(try JSONSerialization.jsonObject(with: Data(Self.run(["slow", "--json"] + d).stdout.utf8)) as? [[String: Any]])
        #expect(slow.contains { ($0["request_id"] as? String).map { $0.hasPrefix("rid-\(Self.nasty)") } ?? false })
        // --csv: the exact strings too (a machine format), each such field quoted.
        let csv = try MeshLogBinary.run(["sql", "SELECT request_id FROM access_log WHERE route_name != 'default' ORDER BY request_id", "--csv"] + d)
        #expect(csv.stdout == "request_id\r\n" + (0..<5).map { "\"\(Self.rid($0))\"\r\n" }.joined())
    }
}
