import Foundation
import Testing
import MeshLogTestSupport
import MeshLogStore

/// The same data ingested into SQLite and into a 3-shard ClickHouse cluster started by the test:
/// every answer and trace command, over several windows and in every output format, prints the
/// same thing on both (skipped without clickhouse-server).
@Suite(.serialized, .enabled(if: LocalClickHouse.unavailable == nil && MeshLogBinary.url != nil,
                              "\(LocalClickHouse.unavailable ?? "the meshlog binary is not built")"))
struct ClickHouseEqualityTests {
    /// The stores every test of the suite compares: built once.
    final class Stores: @unchecked Sendable {
        let dir: TemporaryDirectory
        let cluster: LocalClickHouse
        let sqlite: String

        /// Two hours of generated traffic with spans, an incident and a slow edge, plus the samples,
        /// ingested into a SQLite file and into a 3-shard cluster.
        init() throws {
            dir = try TemporaryDirectory(prefix: "meshlog-ch-equal")
            cluster = try LocalClickHouse(shards: 3)
            let pods = dir.path("pods")
            let generated = try MeshLogBinary.run([
                "generate", "--lines", "5000", "--seed", "17", "--start", "2026-11-26T09:00:00Z", "--duration", "2h",
                "--incident", "payment", "--slow", "enrollment->payment=3", "--split-by-pod", pods, "--spans", dir.path("spans.json"),
                // A gateway not named like Istio's: the report finds it by what it logs, on both backends.
                "--gateway-name", "public-istio",
                // Injected faults and a plaintext edge: the report's sections have rows on both backends.
                "--fault", "payment=delay:0.2:2s", "--fault", "user=abort:0.05", "--plaintext", "frontend->user",
            ])
            guard generated.status == 0 else { throw LocalClickHouseError(message: "generate: \(generated.stderr)") }
            sqlite = dir.path("store.db")
            for store in [["--db", sqlite], ["--store", cluster.url]] {
                let run = try MeshLogBinary.run(["ingest", pods, dir.path("spans.json"), Repository.samples, "--quiet"] + store)
                guard run.status == 0 else { throw LocalClickHouseError(message: "ingest \(store): \(run.stderr)") }
            }
            // Callers' SPIFFE identities, from a custom text format, from JSON and from a json_format definition.
            let text = try dir.write("user-5d8f7c6b9-q2w4e.log", PeerIdentityLines.text.joined(separator: "\n") + "\n")
            let json = try dir.write("user-5d8f7c6b9-j7k8l.log", PeerIdentityLines.json.joined(separator: "\n") + "\n")
            let defined = try dir.write("user-5d8f7c6b9-m3n4p.log", PeerIdentityLines.jsonFormatLines.joined(separator: "\n") + "\n")
            let definition = try dir.write("json-format.json", PeerIdentityLines.jsonFormat)
            for store in [["--db", sqlite], ["--store", cluster.url]] {
                for input in [[text, "--format", PeerIdentityLines.format], [json], [defined, "--format", "@" + definition]] {
                    let run = try MeshLogBinary.run(["ingest"] + input + ["--quiet"] + store)
                    guard run.status == 0 else { throw LocalClickHouseError(message: "ingest \(input[0]) \(store): \(run.stderr)") }
                }
            }
        }

        deinit { cluster.stop() }
    }

    nonisolated(unsafe) static var built: Stores?
    static let lock = NSLock()

    /// The shared stores, built by the first test that asks.
    static func stores() throws -> Stores {
        try lock.withLock {
            if let built { return built }
            let made = try Stores()
            built = made
            return made
        }
    }

    var dir: TemporaryDirectory { get throws { try Self.stores().dir } }
    var cluster: LocalClickHouse { get throws { try Self.stores().cluster } }
    var sqlite: String { get throws { try Self.stores().sqlite } }

    /// Runs `arguments` on both stores and expects the same status, stdout and stderr.
    func same(_ arguments: [String]) throws {
        var a = try MeshLogBinary.run(arguments + ["--db", sqlite])
        var b = try MeshLogBinary.run(arguments + ["--store", try cluster.url])
        // Line ids belong to their store (SQLite's row numbers, ClickHouse's hash of source and line).
        a.stdout = Self.withoutLineIDs(a.stdout)
        b.stdout = Self.withoutLineIDs(b.stdout)
        let statuses = (a.status, b.status)
        #expect(statuses.0 == statuses.1, "\(arguments): exit \(a.status) vs \(b.status): \(b.stderr.prefix(400))")
        let equal = a.stdout == b.stdout
        #expect(equal, "\(arguments.joined(separator: " ")) differs")
        let printed = a.stdout.count > 0 || a.status != 0
        #expect(printed, "\(arguments) printed nothing")
        if !equal {
            let al = a.stdout.components(separatedBy: .newlines), bl = b.stdout.components(separatedBy: .newlines)
            if let i = zip(al, bl).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("first difference, line \(i + 1):\n sqlite:     \(al[i])\n clickhouse: \(bl[i])")
            } else {
                Issue.record("line counts \(al.count) vs \(bl.count)")
            }
        }
    }

    /// `"access_log_ids":[…]` with the ids left out.
    static func withoutLineIDs(_ text: String) -> String {
        text.replacingOccurrences(of: #""access_log_ids" ?: ?\[[-0-9, \n]*\]"#, with: #""access_log_ids":[…]"#, options: .regularExpression)
    }

    static let windows: [[String]] = [
        [],
        ["--since", "30m"],
        ["--since", "2026-11-26T09:30:00Z", "--until", "2026-11-26T10:00:00Z"],
        ["--since", "2026-11-26T09:00:00Z", "--until", "2026-11-26T10:00:00Z"],
        ["--since", "2026-11-26T09:17:23.500Z", "--until", "2026-11-26T10:41:07Z"],
    ]

    @Test func answersAreTheSameOnBoth() throws {
        for window in Self.windows {
            for format in [["--json"], []] {
                try same(["status"] + window + format)
                try same(["status", "--by", "service,code"] + window + format)
                try same(["status", "--by", "edge,flag", "--side", "inbound"] + window + format)
                try same(["status", "--by", "edge,minute"] + window + format)
                try same(["status", "--by", "route"] + window + format)
                try same(["status", "--by", "edge,tls"] + window + format)
                try same(["status", "--by", "edge,tls,identity"] + window + format)
                try same(["hops"] + window + format)
                try same(["timeline"] + window + format)
                try same(["timeline", "--bucket", "10m"] + window + format)
                try same(["graph"] + window + format)
                try same(["slow", "--limit", "7"] + window + format)
            }
            try same(["compare", "--expect", "v1=90,v2=10", "--json"] + window)
            try same(["why", "--json"] + window)
            try same(["hops", "--service", "payment", "--csv"] + window)
            try same(["hops", "--exact", "--json"] + window)
            try same(["status", "--exact", "--by", "service", "--json"] + window)
        }
    }

    @Test func reportsComparisonsAndGatesAreTheSameOnBoth() throws {
        try same(["report", "--json"])
        let report = try MeshLogBinary.run(["report", "--since", "2026-11-26T09:00:00Z", "--until", "2026-11-26T11:00:00Z", "--json",
                                            "--store", try cluster.url])
        let headline = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["headline"] as? [String: Any]
        #expect((headline?["entry_requests"] as? Int ?? 0) > 0, "the public-istio gateway's requests enter the mesh")
        let object = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let injected = object?["injected_faults"] as? [[String: Any]] ?? []
        #expect(injected.contains { $0["flags"] as? String == "FI" })
        #expect(injected.contains { $0["flags"] as? String == "DI" && $0["delay_added_ms"] is Double }, "delays measured on ClickHouse's lines")
        #expect((object?["plaintext_edges"] as? [[String: Any]] ?? []).contains { $0["edge"] as? String == "frontend-v1 → user" })
        try same(["report", "--since", "2026-11-26T09:00:00Z", "--until", "2026-11-26T11:00:00Z", "--json"])
        try same(["report", "--since", "2026-11-26T09:00:00Z", "--until", "2026-11-26T11:00:00Z", "--fail-if", "error_rate > 1%"])
        try same(["compare", "--baseline-until", "2026-11-26T10:00:00Z", "--candidate-since", "2026-11-26T10:00:00Z", "--json"])
        try same(["compare", "--baseline-until", "2026-11-26T10:00:00Z", "--candidate-since", "2026-11-26T10:00:00Z", "--by", "route", "--json"])
        try same(["compare", "--service", "course", "--baseline-subset", "v1", "--candidate-subset", "v2", "--json"])
    }

    /// Each named query, in its SQLite and its ClickHouse version, gives the same rows.
    @Test func namedQueriesAreTheSameInBothDialects() throws {
        for window in Self.windows {
            for name in ["error_edges", "slowest_routes", "canary_compare", "flags_by_service", "hop_overhead"] {
                try same(["query", name, "--json"] + window)
            }
            try same(["query", "error_edges", "--service", "payment", "--param", "min_errors=0", "--csv"] + window)
            try same(["query", "slowest_routes", "--param", "min_requests=1", "--json"] + window)
        }
        // The public view answers plain SQL with the same columns and values on both.
        let columns = "start_time, start_us, reporter, direction, method, path, route, status, flags, duration_ms, request_id, "
            + "trace_id, upstream_local, downstream_remote, source, line, workload, source_workload, destination_workload"
        try same(["sql", "SELECT \(columns) FROM access_log ORDER BY source, line LIMIT 300", "--json"])
        try same(["sql", "SELECT trace_id, span_id, parent_id, service, name, kind, start_us, status, request_id FROM span ORDER BY source, line LIMIT 300", "--json"])
        // Each span keeps its own file as its source (a span file's source id once met a log file's).
        try same(["sql", "SELECT source, count(*) AS spans FROM span GROUP BY source ORDER BY source", "--csv"])
        try same(["sql", "SELECT source, count(*) AS lines FROM access_log GROUP BY source ORDER BY source", "--csv"])
        try same(["sql", "SELECT line, direction, sni, peer_identity FROM access_log WHERE source LIKE '%user-5d8f7c6b9-%' ORDER BY source, line", "--json"])
    }

    @Test func tracesAreTheSameOnBoth() throws {
        let listed = try MeshLogBinary.run(["traces", "--limit", "200", "--csv", "--db", sqlite])
        let ids = listed.stdout.components(separatedBy: .newlines).filter { !$0.isEmpty }.dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }
        try #require(ids.count >= 50, "traces printed: \(listed.stdout.prefix(300)) \(listed.stderr.prefix(300))")
        for id in ids.prefix(25) {
            try same(["trace", id, "--json"])
            try same(["trace", id])
        }
        try same(["diff", ids[0], ids[1], "--json"])
        for window in Self.windows {
            try same(["traces", "--csv"] + window)
            try same(["traces", "--status", "5xx", "--json"] + window)
            try same(["traces", "--flag", "UF", "--service", "payment", "--json"] + window)
            try same(["traces", "--min-duration", "300ms", "--limit", "5", "--json"] + window)
            try same(["critical-path", "--json"] + window)
        }
        // A trace id from the spans file, and one that is not there.
        try same(["trace", "0000000000000000ffffffffffffffff"])
    }

    /// `meshlog export` writes the same bytes from both stores (its ids do not depend on the store's line ids), and
    /// the Jaeger API's service and operation lists are the same.
    @Test func exportAndJaegerListsAreTheSameOnBoth() throws {
        for format in ["jaeger", "otlp", "zipkin"] {
            let a = try MeshLogBinary.run(["export", "--format", format, "--limit", "60", "--status", "5xx", "--db", sqlite])
            let b = try MeshLogBinary.run(["export", "--format", format, "--limit", "60", "--status", "5xx", "--store", try cluster.url])
            #expect(a.status == 0 && b.status == 0, "\(format): \(a.stderr.prefix(300)) \(b.stderr.prefix(300))")
            #expect(a.stdout.count > 1000)
            #expect(a.stdout == b.stdout, "\(format) export differs")
        }
        let db = try SQLiteStore.openForReading(path: sqlite)
        let local = SQLiteTraceReader(db: db)
        guard case .clickhouse(let endpoint) = try StoreLocation.resolve(try cluster.url) else {
            Issue.record("\(try cluster.url) is not a ClickHouse URL")
            return
        }
        let remote = try ClickHouseTraceReader(store: ClickHouseStore(endpoint: endpoint))
        let services = try local.services()
        #expect(services.count > 5)
        #expect(try remote.services() == services)
        for service in services {
            #expect(try remote.operations(service: service, limit: 1000) == local.operations(service: service, limit: 1000), "\(service)")
        }
    }

    /// Every statement the readers ran on 18.16 here also runs on current ClickHouse (chdb-core,
    /// 26.x in process), with the schema: skipped when chdb is not installed.
    @Test func statementsRunOnCurrentClickHouse() throws {
        var statements: [String] = []
        let commands: [[String]] = [
            ["status"], ["status", "--by", "service,code"], ["status", "--by", "edge,flag", "--since", "30m"], ["status", "--by", "route"],
            ["hops", "--since", "2026-11-26T09:17:23.500Z"], ["timeline", "--bucket", "10m"], ["graph"], ["slow"],
            ["traces", "--status", "5xx", "--flag", "UF", "--service", "payment", "--min-duration", "1ms"],
            ["traces", "--since", "1h"], ["critical-path"], ["compare", "--baseline-until", "2026-11-26T10:00:00Z", "--candidate-since", "2026-11-26T10:00:00Z"],
        ]
        let listed = try MeshLogBinary.run(["traces", "--limit", "3", "--csv", "--db", sqlite])
        let ids = listed.stdout.components(separatedBy: .newlines).filter { !$0.isEmpty }.dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }
        for arguments in commands + ids.map({ ["trace", $0] }) {
            let run = try MeshLogBinary.run(arguments + ["--explain", "--store", try cluster.url])
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            for part in run.stderr.components(separatedBy: "-- on ClickHouse (").dropFirst() {
                guard let body = part.split(separator: "\n", maxSplits: 1).last else { continue }
                let text = String(body).components(separatedBy: ";\n").first ?? String(body)
                statements.append(text.replacingOccurrences(of: "_all ", with: "_local ").replacingOccurrences(of: "_all\n", with: "_local\n"))
            }
        }
        #expect(statements.count >= 20)
        var schema: [String] = []
        for migration in ClickHouseSchema.migrations {
            for statement in migration.shards + migration.first where !statement.contains("ENGINE = Distributed") {
                schema.append(statement.replacingOccurrences(of: "{log_line}", with: "log_line_local").replacingOccurrences(of: "{span}", with: "span_local"))
            }
        }
        let schemaFile = try dir.path("schema.json"), statementsFile = try dir.path("statements.json")
        try JSONSerialization.data(withJSONObject: schema).write(to: URL(fileURLWithPath: schemaFile))
        try JSONSerialization.data(withJSONObject: statements).write(to: URL(fileURLWithPath: statementsFile))
        let check = try runTool("/usr/bin/env", ["python3", Repository.path("Tests/Scripts/chdb_check.py"), schemaFile, statementsFile])
        if check.status == 2 {
            print("chdb-core is not installed (pip install chdb-core): the current-ClickHouse check skipped")
            return
        }
        #expect(check.status == 0, "\(check.stdout)")
    }

    /// `meshlog serve` over each store shows the same pages (the trees' line ids aside).
    @Test func pagesAreTheSameOnBoth() throws {
        let a = try ServeProcess(["--db", try sqlite])
        let b = try ServeProcess(["--store", try cluster.url])
        defer { a.stop(); b.stop() }
        func page(_ server: ServeProcess, _ target: String) throws -> String {
            let (status, body) = try server.get(target)
            #expect(status == 200 || target.contains("DROP"), "\(target): \(status)")
            return Self.withoutLineIDs(body)
        }
        let search = try MeshLogBinary.run(["traces", "--status", "5xx", "--limit", "1", "--csv", "--db", try sqlite])
        let id = try #require(search.stdout.components(separatedBy: .newlines).filter { !$0.isEmpty }.dropFirst().first?
            .split(separator: ",").first.map(String.init), "\(search.stdout) \(search.stderr)")
        for target in ["/graph", "/status?by=edge,code", "/status?by=code,flag&since=30m", "/hops?since=2026-11-26T09:30:00Z",
                       "/timeline?bucket=5m", "/traces?limit=10&status=5xx", "/trace/\(id)", "/report",
                       "/compare?baseline_subset=v1&candidate_subset=v2", "/sql?query=error_edges",
                       "/edge?source=enrollment-v1&service=payment"] {
            let (x, y) = (try page(a, target), try page(b, target))
            #expect(x.contains("<table") || x.contains("<svg") || x.contains("trace-data"), "\(target): \(x.prefix(300))")
            #expect(x == y, "\(target) differs")
        }
        // The console's ClickHouse SQL runs read-only, and a statement without end stops at the row limit.
        let endless = try page(b, "/sql?q=SELECT%20number%20FROM%20system.numbers")
        #expect(endless.contains("The first 5000 rows"), "\(endless.suffix(600))")
        let drop = try page(b, "/sql?q=DROP%20TABLE%20access_log")
        #expect(drop.contains("class=\"error\"") && drop.contains("readonly"), "\(drop.suffix(600))")
    }

    /// Each command that reads a store takes `--store` (the equality tests above add it to every
    /// run); listed here one by one, with `init`, and the benchmark's ClickHouse ingest and answers.
    @Test func everyCommandTakesAStoreURL() throws {
        let url = try cluster.url
        let id = try #require(try MeshLogBinary.run(["traces", "--limit", "2", "--csv", "--store", url]).stdout
            .components(separatedBy: .newlines).filter { !$0.isEmpty }.dropFirst().first?.split(separator: ",").first.map(String.init))
        let runs = [
            try MeshLogBinary.run(["init", "--store", url]),
            try MeshLogBinary.run(["status", "--store", url]), try MeshLogBinary.run(["hops", "--store", url]),
            try MeshLogBinary.run(["timeline", "--store", url]), try MeshLogBinary.run(["slow", "--store", url]),
            try MeshLogBinary.run(["graph", "--store", url]), try MeshLogBinary.run(["query", "error_edges", "--store", url]),
            try MeshLogBinary.run(["trace", id, "--store", url]), try MeshLogBinary.run(["traces", "--store", url]),
            try MeshLogBinary.run(["report", "--store", url]),
            try MeshLogBinary.run(["compare", "--baseline-until", "2026-11-26T10:00:00Z", "--candidate-since", "2026-11-26T10:00:00Z", "--store", url]),
            try MeshLogBinary.run(["diff", id, id, "--store", url]), try MeshLogBinary.run(["critical-path", "--store", url]),
            try MeshLogBinary.run(["sql", "SELECT count() AS lines FROM access_log", "--store", url]),
        ]
        for run in runs { #expect(run.status == 0, "\(run.stderr.prefix(300))") }
        #expect(runs[0].stdout.contains("up to date"))
        // ClickHouse SQL passes through read-only.
        let write = try MeshLogBinary.run(["sql", "DROP TABLE access_log", "--store", url])
        #expect(write.status == 1)
        #expect(write.stderr.contains("readonly") || write.stderr.contains("read-only") || write.stderr.contains("Cannot execute query in readonly mode"),
                "\(write.stderr)")
        // The benchmark ingests into a store of its own (a database it drops first) and times the answers there.
        let own = url.replacingOccurrences(of: "/meshlog?", with: "/meshlog_bench?")
        let bench = try MeshLogBinary.runBench(["--lines", "3000", "--workdir", try dir.path("bench"), "--store", own, "--json"])
        #expect(bench.status == 0, "\(bench.stderr.prefix(400))")
        #expect(bench.stdout.contains("\"compressed_bytes_per_line\""))
        let answers = try MeshLogBinary.runBench(["--answers", own])
        #expect(answers.status == 0, "\(answers.stderr.prefix(400))")
        #expect(answers.stdout.contains("trace_by_request_id_s"))
    }
}
