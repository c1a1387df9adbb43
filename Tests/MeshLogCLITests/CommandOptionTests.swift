import Foundation
import MeshLogTestSupport
import Testing

/// The options the window matrix and the documentation do not reach, run through the CLI with
/// what each must change.
@Suite("command options", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct CommandOptionTests {
    @Test func sqlAndFormatsGiveTheSameRowsInEveryFormat() throws {
        let store = try SamplesStore.shared.get()
        let sql = "SELECT service, count(*) AS n FROM access_log WHERE service IS NOT NULL GROUP BY 1 ORDER BY 1"
        let json = try MeshLogBinary.run(["sql", sql, "--json", "--db", store.database])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let csv = try MeshLogBinary.run(["sql", sql, "--csv", "--db", store.database]).stdout
        let markdown = try MeshLogBinary.run(["sql", sql, "--markdown", "--db", store.database]).stdout
        #expect(rows.count >= 6)
        for row in rows {
            let service = try #require(row["service"] as? String), n = try #require(row["n"] as? Int)
            #expect(csv.contains("\(service),\(n)\r\n"))
            #expect(markdown.contains("| \(service)") && markdown.contains("\(n) |"))
        }
        let presets = try #require(try JSONSerialization.jsonObject(
            with: Data(MeshLogBinary.run(["formats", "--json"]).stdout.utf8)) as? [[String: Any]])
        let names = presets.compactMap { $0["name"] as? String ?? $0["preset"] as? String }
        #expect(names.contains("istio") && names.contains("istio-json"))
        let formatsCSV = try MeshLogBinary.run(["formats", "--csv"]).stdout
        let formatsMarkdown = try MeshLogBinary.run(["formats", "--markdown"]).stdout
        for name in names {
            #expect(formatsCSV.contains("\n\(name),") || formatsCSV.contains("\r\n\(name),"), "formats --csv lacks \(name)")
            #expect(formatsMarkdown.contains("| \(name) "), "formats --markdown lacks \(name)")
        }
    }

    @Test func traceFullReportJSONAndDiffOnAnotherStore() throws {
        let store = try SamplesStore.shared.get()
        let dir = try TemporaryDirectory()
        let db = dir.path("elsewhere.db")
        try FileManager.default.copyItem(atPath: store.database, toPath: db)
        let id = "9f371e44-8937-419d-bd12-44d8a12c3280"
        let collapsed = try MeshLogBinary.run(["trace", id, "--db", db])
        let full = try MeshLogBinary.run(["trace", id, "--full", "--db", db])
        #expect(collapsed.status == 0 && full.status == 0)
        #expect(full.stdout.contains("course [server] GET /certificates/{id}"))
        let report = try MeshLogBinary.run(["report", "--json", "--db", db, "--since", "2026-11-25T00:30:00Z"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect(object.keys.contains { $0.lowercased().contains("headline") })
        let diff = try MeshLogBinary.run(["diff", id, "335e2044-9b53-4b58-82a4-7549014fcd6b", "--json", "--db", db])
        #expect(diff.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(diff.stdout.utf8))) != nil)
    }

    @Test func traceCommandsExplainTheirSQL() throws {
        let store = try SamplesStore.shared.get()
        let id = "9f371e44-8937-419d-bd12-44d8a12c3280"
        let trace = try MeshLogBinary.run(["trace", id, "--explain", "--db", store.database])
        // Runnable statements, the request id written in as the blob it is stored as.
        #expect(trace.stderr.contains("WHERE r.rid = x'9f371e448937419dbd1244d8a12c3280') ORDER BY id;"))
        #expect(trace.stderr.contains("FROM span_entry s WHERE s.trace_id = x'a709e98496a7a0c815131b93ba5c2902' ORDER BY s.id;"))
        #expect(trace.stdout == (try MeshLogBinary.run(["trace", id, "--db", store.database])).stdout)
        let diff = try MeshLogBinary.run(["diff", id, "335e2044-9b53-4b58-82a4-7549014fcd6b", "--explain", "--db", store.database])
        // The same statements for B: listed once, with how often they ran.
        #expect(diff.stderr.contains("-- run 4 times; the first:\nSELECT id, start_us"))
        let search = try MeshLogBinary.run(["traces", "--status", "503", "--explain", "--db", store.database])
        #expect(search.stderr.contains("max(e.status BETWEEN 503 AND 503)"))
        // Each statement the explanation shows runs as it stands.
        for statement in trace.stderr.components(separatedBy: ";\n").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            where statement.hasPrefix("SELECT") || statement.hasPrefix("--") {
            let sql = statement.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            let run = try MeshLogBinary.run(["sql", sql, "--db", store.database])
            #expect(run.status == 0, "\(sql): \(run.stderr)")
        }
    }

    @Test func generateOptionsShapeTheTraffic() throws {
        let dir = try TemporaryDirectory()
        let plain = dir.path("plain"), shaped = dir.path("shaped")
        #expect(try MeshLogBinary.run(["generate", "--lines", "4000", "--start", "2026-12-01T08:00:00Z", "--split-by-pod", plain]).status == 0)
        #expect(try MeshLogBinary.run([
            "generate", "--lines", "4000", "--start", "2026-12-01T08:00:00Z", "--error-rate-scale", "0", "--diurnal",
            "--incident", "payment", "--slow", "course->grading=3", "--drop-edge", "enrollment->user",
            "--error", "frontend->user=501:0.5", "--split-by-pod", shaped,
        ]).status == 0)
        let gateway = try #require(try FileManager.default.contentsOfDirectory(atPath: plain).first { $0.hasPrefix("istio-ingressgateway") })
        #expect(try String(contentsOfFile: plain + "/" + gateway, encoding: .utf8).hasPrefix("[2026-12-01T08:00:"))
        let db = dir.path("g.db")
        #expect(try MeshLogBinary.run(["ingest", plain, shaped, "--db", db, "--quiet"]).status == 0)
        let errors = try MeshLogBinary.run(["sql", """
            SELECT source LIKE '%/shaped/%' AS shaped, count(*) FROM access_log
            WHERE status = 501 AND service = 'user' AND workload LIKE 'frontend%' GROUP BY 1 ORDER BY 1
            """, "--csv", "--db", db]).stdout
        #expect(errors.hasPrefix("shaped,count(*)\r\n1,"), "--error frontend->user=501 adds 501s there only: \(errors)")
        let edges = try MeshLogBinary.run(["sql", """
            SELECT count(*) FROM access_log WHERE source LIKE '%/shaped/%' AND direction = 'outbound'
              AND workload LIKE 'enrollment%' AND service = 'user'
            """, "--csv", "--db", db]).stdout
        #expect(edges.hasSuffix("\r\n0\r\n"), "--drop-edge enrollment->user leaves no such call: \(edges)")
    }

    @Test(.enabled(if: MeshLogBinary.benchURL != nil, "meshlog-bench is not built"))
    func benchMeasuresAGivenFileAndAFollower() throws {
        let dir = try TemporaryDirectory()
        let log = dir.path("in.log")
        #expect(try MeshLogBinary.run(["generate", "--lines", "3000", "--gzip", "--output", log + ".gz"]).status == 0)
        let run = try MeshLogBinary.runBench(["--input", log + ".gz", "--gzip", "--json", "--workdir", dir.path("w")])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let stored = try #require(result["records_stored"] as? Int, "figures are JSON numbers")
        #expect(stored >= 3000 && stored < 3100)
        #expect(result["format"] as? String == "istio")
        let parse = try MeshLogBinary.runBench(["--input", log + ".gz", "--parse-only", "--json", "--workdir", dir.path("w")])
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(parse.stdout.utf8)) as? [String: Any])
        #expect((figures["parse_lines_per_s"] as? Double ?? 0) > 0)
        #expect(figures["ingest_seconds"] == nil, "--parse-only does not ingest")
        let follow = try MeshLogBinary.runBench(["--follow", "--rate", "2000", "--seconds", "1", "--workdir", dir.path("f")])
        #expect(follow.status == 0, "\(follow.stderr)")
        #expect(follow.stdout.contains("lag"))
    }
}
