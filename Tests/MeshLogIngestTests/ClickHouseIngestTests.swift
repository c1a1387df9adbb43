import Foundation
import Testing
import MeshLogCore
import MeshLogGenerate
import MeshLogIngest
import MeshLogStore

/// Ingests into ClickHouse clusters the tests start on loopback (skipped without clickhouse-server),
/// compared line by line with the same inputs ingested into SQLite.
@Suite(.serialized, .enabled(if: LocalClickHouse.unavailable == nil, "\(LocalClickHouse.unavailable ?? "")"))
struct ClickHouseIngestTests {
    /// A generated hour of the learning platform, one file per pod.
    static func generatedPods(_ dir: TemporaryDirectory, lines: Int, seed: UInt64 = 21) throws -> String {
        let options = GeneratorOptions(lines: lines, seed: seed, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 3600, errorRateScale: 1, format: .istio, diurnal: false)
        let writer = try GeneratedLogSplitWriter(directory: dir.path("pods"), gzip: false)
        try TrafficGenerator(topology: .learningPlatform, options: options).forEachLineInCompletionOrder { try writer.write($0) }
        try writer.finish()
        return dir.path("pods")
    }

    /// What each line says, as (request id, service, status, duration, start), sorted: a multiset.
    static let lineFields = "request_id, service, status, duration_ms, start_us"

    /// The lines of a SQLite store, from the public `access_log` view.
    static func sqliteLines(_ path: String) throws -> [String] {
        try SQLiteStore.openForReading(path: path).rows("SELECT \(lineFields) FROM access_log").map { row in
            row.map { value -> String in
                switch value {
                case .null: return "NULL"
                case .integer(let i): return String(i)
                case .text(let t): return t
                default: return "?"
                }
            }.joined(separator: "|")
        }.sorted()
    }

    /// The request id as the `access_log` view renders it: a UUID with dashes (16 bytes), the text, or NULL.
    static let requestID = """
        multiIf(req_kind = 3, concat(substring(lower(hex(req)), 1, 8), '-', substring(lower(hex(req)), 9, 4), '-', \
        substring(lower(hex(req)), 13, 4), '-', substring(lower(hex(req)), 17, 4), '-', substring(lower(hex(req)), 21, 12)), \
        req_kind = 2, req, NULL)
        """

    /// The lines of a ClickHouse store, read through `log_line` as the reader does (sources that
    /// are copies left out).
    static func clickhouseLines(_ client: ClickHouseClient) throws -> [String] {
        try client.rows("""
            SELECT \(requestID) AS request_id, service, status, duration_ms, start_us FROM log_line_all
            WHERE source_id GLOBAL NOT IN (\(ClickHouseSchema.excludedSources))
            """).map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.sorted()
    }

    static func endpoint(_ cluster: LocalClickHouse) throws -> ClickHouseEndpoint {
        if case .clickhouse(let endpoint) = try StoreLocation.parse(cluster.url) { return endpoint }
        return try #require(nil as ClickHouseEndpoint?, "not a ClickHouse URL: \(cluster.url)")
    }

    /// Ingests `paths` into the ClickHouse store, as `meshlog ingest --store` does.
    @discardableResult
    static func ingestClickHouse(_ paths: [String], _ endpoint: ClickHouseEndpoint) throws -> IngestSummary {
        let store = ClickHouseStore(endpoint: endpoint)
        try store.migrate()
        return try Ingester(writer: ClickHouseAccessLogWriter(store: store), options: IngestOptions()).run(try InputDiscovery.expand(paths))
    }

    static func count(_ client: ClickHouseClient, _ sql: String) throws -> Int {
        Int(try client.rows(sql).first?.first.flatMap { $0 } ?? "") ?? -1
    }

    @Test func aGeneratedHourStoresTheSameLinesAsSQLiteOncePerRequestShard() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 4000)
        let db = dir.path("reference.db")
        let reference = try ingest([pods], db: db)
        let endpoint = try Self.endpoint(cluster)
        let summary = try Self.ingestClickHouse([pods], endpoint)
        #expect(summary.files == reference.files)
        #expect(summary.recordsStored == reference.recordsStored)
        #expect(summary.database == cluster.url)

        let client = ClickHouseClient(endpoint: endpoint)
        let expected = try Self.sqliteLines(db)
        #expect(expected.count > 3000)
        #expect(try Self.count(client, "SELECT count() FROM log_line_all") == expected.count)
        #expect(try Self.clickhouseLines(client) == expected)
        // The reader's public view agrees.
        let view = try client.rows("SELECT \(Self.lineFields) FROM access_log").map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }.sorted()
        #expect(view == expected)
        // The summaries the views keep count every line once.
        #expect(try Self.count(client, "SELECT sum(r) FROM (SELECT sumMerge(requests) AS r FROM summary_minute_all)") == expected.count)
        let failing = try Self.count(client, "SELECT count() FROM log_line_all WHERE status >= 500 OR status = 0 OR isNotNull(flags)")
        #expect(failing > 0)
        #expect(try Self.count(client, "SELECT sum(requests) FROM summary_error_all") == failing)
        // Every source is done, none a copy, each with its lines.
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.latestSources)) WHERE state = 'done'") == summary.files)
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.excludedSources))") == 0)
        #expect(try Self.count(client, "SELECT sum(records) FROM (\(ClickHouseSchema.latestSources))") == expected.count)
        #expect(try Self.count(client, "SELECT count() FROM pod") > 10)

        // A request's lines are on one shard: no request id is on two.
        var seen: [String: Int] = [:]
        var perShard: [Int] = []
        for shard in 0..<3 {
            let ids = try cluster.query("SELECT DISTINCT hex(req) FROM meshlog.log_line_local WHERE req_kind != 0 FORMAT TSV", shard: shard)
                .split(separator: "\n").map(String.init)
            perShard.append(ids.count)
            for id in ids { seen[id, default: 0] += 1 }
        }
        #expect(seen.values.allSatisfy { $0 == 1 }, "request ids on more than one shard: \(seen.filter { $0.value > 1 }.count)")
        #expect(perShard.allSatisfy { $0 > 0 }, "a shard holds no request: \(perShard)")

        // The same files again: nothing stored.
        let again = try Self.ingestClickHouse([pods], endpoint)
        #expect(again.recordsStored == 0)
        #expect(again.filesSkipped == summary.files)
        #expect(try Self.count(client, "SELECT count() FROM log_line_all") == expected.count)
    }

    @Test func aCopyOfAFileIsMarkedDuplicateAndLeftOutByTheRule() throws {
        let cluster = try LocalClickHouse(shards: 2)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 1500, seed: 4)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: pods).sorted().first)
        let endpoint = try Self.endpoint(cluster)
        try Self.ingestClickHouse([pods], endpoint)
        let client = ClickHouseClient(endpoint: endpoint)
        let before = try Self.clickhouseLines(client)
        // The same content read from stdin (no fingerprint): stored, then found a copy.
        let stdin = try #require(FileManager.default.contents(atPath: pods + "/" + file))
        let result = try MeshLogBinary.run(["ingest", "-", "--store", cluster.url, "--reporter", "copy", "--json"], stdin: stdin)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"state\":\"duplicate\""))
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.latestSources)) WHERE state = 'duplicate'") == 1)
        #expect(try Self.clickhouseLines(client) == before)
    }

    @Test func aRunStoppedBetweenItsLinesAndItsProgressDoesNotStoreThemTwice() throws {
        let cluster = try LocalClickHouse(shards: 2)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 3000, seed: 6)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: pods).sorted().first)
        // One pod's file with lines that do not parse among its access-log lines.
        var lines = try String(contentsOfFile: pods + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        for at in stride(from: lines.count - 10, to: 40, by: -7) { lines.insert("this is not an access log line \(at)", at: at) }
        let file = try dir.write(name, lines.joined(separator: "\n") + "\n")
        let db = dir.path("reference.db")
        let reference = try ingest([file], db: db)
        #expect(reference.linesRejected > 5)
        let endpoint = try Self.endpoint(cluster)
        let client = ClickHouseClient(endpoint: endpoint)
        try Self.ingestClickHouse([file], endpoint)
        let stored = try Self.count(client, "SELECT count() FROM log_line_all")
        let rejected = try Self.count(client, "SELECT count() FROM rejected")
        #expect(stored == reference.recordsStored && rejected == reference.linesRejected)

        // As if the run had stopped after storing every line but before recording its progress
        // past the middle: the source's current row says partial, half read.
        let half = lines.count / 2
        let version = try Self.count(client, "SELECT max(version) FROM source") + 1
        let before = try Self.count(client, "SELECT count() FROM log_line_all WHERE line <= \(half)")
        try client.execute("""
            INSERT INTO source SELECT id, path, size, fingerprint, NULL, format, 'partial', \(half), \(before), 0, 0, NULL, \(version)
            FROM (\(ClickHouseSchema.latestSources))
            """)
        let resumed = try Self.ingestClickHouse([file], endpoint)
        #expect(resumed.reports.first?.state == .resumed)
        #expect(try Self.count(client, "SELECT count() FROM log_line_all") == stored)
        #expect(try Self.count(client, "SELECT count() FROM rejected") == rejected)
        #expect(try Self.clickhouseLines(client) == Self.sqliteLines(db))
        #expect(try Self.count(client, "SELECT sum(r) FROM (SELECT sumMerge(requests) AS r FROM summary_minute_all)") == stored)
        let source = try client.rows("SELECT state, lines_read, records FROM (\(ClickHouseSchema.latestSources))").first ?? []
        #expect(source == ["done", String(lines.count), String(stored)])
    }

    @Test func killedIngestsResumeWithNoLineLostOrStoredTwice() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 60_000, seed: 8)
        let db = dir.path("reference.db")
        try ingest([pods], db: db)
        let expected = try Self.sqliteLines(db)
        let endpoint = try Self.endpoint(cluster)
        try ClickHouseStore(endpoint: endpoint).migrate()
        let client = ClickHouseClient(endpoint: endpoint)

        var kills = 0
        var lastCount = 0
        for round in 0..<4 {
            let run = try MeshLogBinary.start(["ingest", pods, "--store", cluster.url, "--quiet", "--batch-size", "1000"])
            // Kill it once it has stored more than the last run left (at a different point each round).
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, run.isRunning {
                if let n = try? Self.count(client, "SELECT count() FROM log_line_all"), n > lastCount + 2000 * (round + 1) { break }
                usleep(20_000)
            }
            guard run.isRunning else { run.waitUntilExit(); break }
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
            kills += 1
            lastCount = try Self.count(client, "SELECT count() FROM log_line_all")
        }
        #expect(kills >= 2, "the ingest finished before it could be killed twice; make the input bigger")
        let last = try MeshLogBinary.run(["ingest", pods, "--store", cluster.url, "--quiet"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try Self.count(client, "SELECT count() FROM log_line_all") == expected.count)
        #expect(try Self.count(client, "SELECT count() FROM (SELECT DISTINCT source_id, line FROM log_line_all)") == expected.count)
        #expect(try Self.clickhouseLines(client) == expected)
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.latestSources)) WHERE state != 'done'") == 0)
        #expect(try Self.count(client, "SELECT sum(r) FROM (SELECT sumMerge(requests) AS r FROM summary_minute_all)") == expected.count)
    }

    @Test func aShardDownFailsTheIngestInOneLineAndARerunCompletesIt() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 40_000, seed: 13)
        let db = dir.path("reference.db")
        try ingest([pods], db: db)
        let expected = try Self.sqliteLines(db)
        let endpoint = try Self.endpoint(cluster)
        let client = ClickHouseClient(endpoint: endpoint)
        let init0 = try MeshLogBinary.run(["init", "--store", cluster.url])
        #expect(init0.status == 0 && init0.stdout.contains("applied 001-cluster-store"), "\(init0.stdout)\(init0.stderr)")
        #expect(try MeshLogBinary.run(["init", "--store", cluster.url]).stdout.contains("up to date"))

        // A shard stops while the lines are being stored.
        let run = try MeshLogBinary.start(["ingest", pods, "--store", cluster.url, "--quiet", "--batch-size", "1000"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, run.isRunning, (try? Self.count(client, "SELECT count() FROM log_line_all")) ?? 0 == 0 { usleep(10_000) }
        try cluster.stopShard(2)
        run.waitUntilExit()
        #expect(run.terminationStatus != 0, "the ingest finished before the shard stopped; make the input bigger")

        // With the shard still down, the error is one line that names the statement or the server.
        let failed = try MeshLogBinary.run(["ingest", pods, "--store", cluster.url, "--quiet"])
        #expect(failed.status != 0)
        let message = failed.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.contains("\n"), "\(message)")
        #expect(message.contains("ClickHouse") && (message.contains("127.0.0.1:\(cluster.basePort + 20)") || message.contains("(in: ")), "\(message)")

        try cluster.startShard(2)
        let rerun = try MeshLogBinary.run(["ingest", pods, "--store", cluster.url, "--quiet"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try Self.count(client, "SELECT count() FROM log_line_all") == expected.count)
        #expect(try Self.clickhouseLines(client) == expected)
    }

    @Test func sampleSpansAreStoredOnceWithTheirSource() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let spans = Repository.samples + "/spans.zipkin.json.gz"
        let db = dir.path("reference.db")
        let reference = try ingest([spans], db: db)
        let stored = try scalar(db, "SELECT count(*) FROM span").int64 ?? -1
        #expect(stored > 0 && Int64(reference.spansStored) == stored)
        let endpoint = try Self.endpoint(cluster)
        let client = ClickHouseClient(endpoint: endpoint)
        let summary = try Self.ingestClickHouse([spans], endpoint)
        #expect(Int64(summary.spansStored) == stored)
        #expect(Int64(try Self.count(client, "SELECT count() FROM span_all")) == stored)
        // The same trace ids and span ids as SQLite.
        let reader = try SQLiteStore.openForReading(path: db)
        let expected = try reader.rows("SELECT trace_id || '/' || span_id FROM span").compactMap { $0.first?.string }.sorted()
        let got = try client.rows("SELECT if(trace_kind = 3, lower(hex(trace)), trace), span_int, span_text FROM span_all").map { row -> String in
            // A 64-bit span id as 16 hex digits, as the `span` view renders it.
            let span = row[1].flatMap { Int64($0) }.map { id -> String in
                let hex = String(UInt64(bitPattern: id), radix: 16)
                return String(repeating: "0", count: 16 - hex.count) + hex
            } ?? row[2] ?? ""
            return (row[0] ?? "") + "/" + span
        }.sorted()
        #expect(got == expected)
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.latestSources)) WHERE state = 'done' AND format IS NOT NULL") == 1)

        let again = try Self.ingestClickHouse([spans], endpoint)
        #expect(again.spansStored == 0)
        #expect(Int64(try Self.count(client, "SELECT count() FROM span_all")) == stored)
        #expect(try Self.count(client, "SELECT count() FROM (\(ClickHouseSchema.excludedSources))") == 1)
    }

    /// Three ingests at once into one cluster, as three log shippers would run them: each of its own
    /// hour of pod files. Every line is there once, and the answers (from the summaries) equal
    /// SQLite's of the same files.
    @Test func ingestsAtOnceIntoOneClusterStoreEachLineOnce() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        let dir = try TemporaryDirectory()
        let pods = try Self.generatedPods(dir, lines: 12_000, seed: 31)
        let otherDir = try TemporaryDirectory()
        let other = try Self.generatedPods(otherDir, lines: 8_000, seed: 32)
        let thirdDir = try TemporaryDirectory()
        let third = try Self.generatedPods(thirdDir, lines: 8_000, seed: 33)
        let db = dir.path("reference.db")
        try ingest([pods, other, third], db: db)
        let endpoint = try Self.endpoint(cluster)
        try ClickHouseStore(endpoint: endpoint).migrate()
        let runs = [
            try MeshLogBinary.start(["ingest", pods, "--store", cluster.url, "--quiet"]),
            try MeshLogBinary.start(["ingest", other, "--store", cluster.url, "--quiet"]),
            try MeshLogBinary.start(["ingest", third, "--store", cluster.url, "--quiet"]),
        ]
        for run in runs {
            run.waitUntilExit()
            #expect(run.terminationStatus == 0)
        }
        let client = ClickHouseClient(endpoint: endpoint)
        #expect(try Self.clickhouseLines(client) == Self.sqliteLines(db))
        for arguments in [["status", "--by", "service,code", "--json"], ["hops", "--json"]] {
            let a = try MeshLogBinary.run(arguments + ["--db", db])
            let b = try MeshLogBinary.run(arguments + ["--store", cluster.url])
            #expect(a.status == 0 && b.status == 0, "\(b.stderr)")
            #expect(a.stdout == b.stdout, "\(arguments) differs")
        }
    }
}

