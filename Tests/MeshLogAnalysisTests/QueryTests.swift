import Foundation
import MeshLogTestSupport
import MeshLogAnalysis
import MeshLogStore
import Testing

@Suite("meshlog query")
struct QueryTests {
    let fixture = Fixture.shared

    /// The repository's top-level `queries/` folder.
    static let queriesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("queries")

    @Test("the built-in queries are byte-identical to queries/*.sql")
    func builtinsMatchFiles() throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: Self.queriesFolder.path).filter { $0.hasSuffix(".sql") }
        let files = all.filter { !$0.hasSuffix(".clickhouse.sql") }
        let clickhouse = all.filter { $0.hasSuffix(".clickhouse.sql") }
        #expect(Set(files.map { String($0.dropLast(4)) }) == Set(BuiltinQueries.all.keys))
        // Every query is kept in both dialects, beside each other.
        #expect(Set(clickhouse.map { String($0.dropLast(".clickhouse.sql".count)) }) == Set(BuiltinQueries.all.keys))
        for file in files {
            let data = try Data(contentsOf: Self.queriesFolder.appendingPathComponent(file))
            let builtin = try #require(BuiltinQueries.all[String(file.dropLast(4))])
            #expect(Array(data) == Array(builtin.utf8), "\(file) differs from BuiltinQueries.swift")
        }
        for file in clickhouse {
            let data = try Data(contentsOf: Self.queriesFolder.appendingPathComponent(file))
            let builtin = try #require(BuiltinQueries.clickhouse[String(file.dropLast(".clickhouse.sql".count))])
            #expect(Array(data) == Array(builtin.utf8), "\(file) differs from BuiltinQueries.swift")
            // Both dialects declare the same parameters.
            let name = String(file.dropLast(".clickhouse.sql".count))
            #expect(NamedQuery(name: name, sql: builtin, origin: "").parameters.map(\.name)
                    == NamedQuery(name: name, sql: BuiltinQueries.all[name] ?? "", origin: "").parameters.map(\.name))
        }
        for name in ["error_edges", "flags_by_service", "slowest_routes", "hop_overhead", "canary_compare"] {
            #expect(BuiltinQueries.all[name] != nil, "\(name) must ship")
        }
    }

    @Test("every query has a description, declares what it uses, and runs")
    func allRun() throws {
        let catalog = try NamedQueryCatalog.load(directory: nil)
        for query in catalog.values {
            #expect(!query.description.isEmpty, "\(query.name) has no description")
            let declared = Set(query.parameters.map(\.name))
            for used in NamedQueryCatalog.parameterNames(in: query.sql) {
                #expect(declared.contains(used), "\(query.name) uses :\(used) without declaring it")
            }
            let table = try NamedQueryCatalog.run(query, session: fixture.session(), params: [:])
            #expect(!table.rows.isEmpty, "\(query.name) returned nothing")
        }
        let listing = NamedQueryCatalog.listing(catalog)
        #expect(listing.rows.contains { $0[0] == .text("slowest_routes") && $0[2] == .text(":min_requests=20") })
    }

    @Test("canary_compare: v1 against v2 of course, computed independently")
    func canary() throws {
        let query = try #require(try NamedQueryCatalog.load(directory: nil)["canary_compare"])
        let table = try NamedQueryCatalog.run(query, session: fixture.session(), params: [:])
        let col = { (name: String) in table.columns.firstIndex(of: name)! }
        let client = fixture.lines.filter { $0.outbound && $0.directionKnown && $0.subset != nil }
        var bySubset: [[String]: [Fixture.Line]] = [:]
        for l in client { bySubset[[l.service!, l.subset!], default: []].append(l) }
        let services = Set(bySubset.keys.map { $0[0] }).filter { s in bySubset.keys.filter { $0[0] == s }.count > 1 }
        #expect(table.rows.count == bySubset.keys.filter { services.contains($0[0]) }.count)
        #expect(services.contains("course"))
        for row in table.rows {
            let lines = try #require(bySubset[[row[col("service")].string!, row[col("subset")].string!]])
            let durations = lines.map { Double($0.durationMs) }
            #expect(row[col("requests")].int64 == Int64(lines.count))
            #expect(close(row[col("error_pct")].double, AnswerFormat.round(100 * Double(lines.filter(\.isError).count) / Double(lines.count))))
            #expect(close(row[col("p50_ms")].double, Fixture.percentile(durations, 0.5)))
            #expect(close(row[col("p99_ms")].double, Fixture.percentile(durations, 0.99)))
        }
    }

    @Test("error_edges and hop_overhead agree with status and hops")
    func agreeWithCommands() throws {
        let catalog = try NamedQueryCatalog.load(directory: nil)
        let session = try fixture.session()
        let errors = try NamedQueryCatalog.run(catalog["error_edges"]!, session: session, params: ["min_errors": "1"])
        let hops = try HopsReport(session: session)
        let clientEdges = hops.edges.filter { $0.source != AnswerQueries.outsideMesh && $0.errors > 0 }
        #expect(errors.rows.count == clientEdges.count)
        for edge in clientEdges {
            let row = errors.rows.first { $0[0] == .text(edge.source) && $0[1] == SQLValue(edge.service) && $0[2] == SQLValue(edge.subset) }
            #expect(row?[4].int64 == Int64(edge.errors), "\(HopsReport.label(edge))")
        }
        // hop_overhead pairs each caller line with the callee's final attempt: per-request overhead,
        // checked against the generator's own pairing.
        let overhead = try NamedQueryCatalog.run(catalog["hop_overhead"]!, session: session, params: [:])
        var pairs: [[String?]: [Double]] = [:]
        for h in fixture.hops {
            if let c = h.client, let s = h.server { pairs[[h.source, h.service, h.subset], default: []].append(Double(c.durationMs - s.durationMs)) }
        }
        for edge in hops.edges where edge.source != AnswerQueries.outsideMesh && edge.matched > 0 {
            let row = try #require(overhead.rows.first {
                $0[0] == .text(edge.source) && $0[1] == SQLValue(edge.service) && $0[2] == SQLValue(edge.subset)
            })
            let want = pairs[[edge.source, edge.service, edge.subset]] ?? []
            #expect(row[3].int64 == Int64(want.count), "\(HopsReport.label(edge)) pairs")
            #expect(row[3].int64 ?? 0 <= Int64(edge.matched), "a pair's server line is one of the edge's server lines")
            #expect(close(row[6].double, Fixture.percentile(want, 0.99)), "\(HopsReport.label(edge)) overhead p99")
        }
    }

    @Test("parameters: defaults, --param, the shared options, and mistakes")
    func parameters() throws {
        let catalog = try NamedQueryCatalog.load(directory: nil)
        let routes = catalog["slowest_routes"]!
        #expect(routes.parameters.first { $0.name == "min_requests" }?.defaultValue == .integer(20))
        let many = try NamedQueryCatalog.run(routes, session: fixture.session(), params: ["min_requests": "1"])
        let few = try NamedQueryCatalog.run(routes, session: fixture.session(), params: [:])
        #expect(many.rows.count > few.rows.count)
        let payment = try NamedQueryCatalog.run(routes, session: fixture.session(services: ["payment"]), params: ["min_requests": "1"])
        #expect(!payment.rows.isEmpty && payment.rows.allSatisfy { $0[0] == .text("payment") })
        #expect(throws: NamedQueryError.self) {
            try NamedQueryCatalog.run(routes, session: fixture.session(), params: ["min_requets": "5"])
        }
        #expect(try NamedQueryCatalog.parseParams(["a=1", ":b=x=y"]) == ["a": "1", "b": "x=y"])
        #expect(throws: NamedQueryError.self) { try NamedQueryCatalog.parseParams(["novalue"]) }
        #expect(NamedQuery.value("12") == .integer(12))
        #expect(NamedQuery.value("0.5") == .real(0.5))
        #expect(NamedQuery.value("'007'") == .text("007"))
        #expect(NamedQuery.value("null") == .null)
    }

    @Test("--queries DIR adds a user's own queries, replacing a built-in of the same name")
    func userQueries() throws {
        let temporary = try TemporaryDirectory(prefix: "meshlog-queries")
        let dir = temporary.url
        try """
            -- Lines per reporter with at least :min lines.
            -- :min = 1  the least number of lines
            SELECT reporter, count(*) AS n FROM access_log GROUP BY reporter HAVING n >= :min ORDER BY n DESC
            """.write(to: dir.appendingPathComponent("per_reporter.sql"), atomically: true, encoding: .utf8)
        try "-- Mine.\nSELECT 42 AS answer\n".write(to: dir.appendingPathComponent("canary_compare.sql"), atomically: true, encoding: .utf8)
        let catalog = try NamedQueryCatalog.load(directory: dir.path)
        let mine = try #require(catalog["per_reporter"])
        #expect(mine.description == "Lines per reporter with at least :min lines.")
        let table = try NamedQueryCatalog.run(mine, session: fixture.session(), params: ["min": "100"])
        #expect(!table.rows.isEmpty && table.rows.allSatisfy { ($0[1].int64 ?? 0) >= 100 })
        #expect(catalog["canary_compare"]?.origin.hasSuffix("canary_compare.sql") == true)
        #expect(try NamedQueryCatalog.run(catalog["canary_compare"]!, session: fixture.session(), params: [:]).rows == [[.integer(42)]])
        #expect(throws: NamedQueryError.self) { try NamedQueryCatalog.load(directory: dir.appendingPathComponent("missing").path) }
    }

    @Test("a query that writes is refused")
    func readOnly() throws {
        let query = NamedQuery(name: "bad", sql: "-- Bad.\nDELETE FROM dict", origin: "test")
        #expect(throws: (any Error).self) { try NamedQueryCatalog.run(query, session: fixture.session(), params: [:]) }
    }
}

@Suite("--explain and time expressions")
struct ExplainTests {
    let fixture = Fixture.shared

    @Test("every answer records its SQL, and the recorded SQL runs as `meshlog sql` runs it")
    func explainedSQLRuns() throws {
        let session = try fixture.session(since: "45m", services: ["course"])
        let status = try StatusReport(session: session, by: [.edge, .code, .flag], side: .hop)
        _ = try HopsReport(session: session)
        _ = try TimelineReport(session: session, bucketMicros: nil, side: .both)
        _ = try SlowReport(session: session, limit: 2)
        _ = try ServiceGraph(session: session)
        let sql = session.reader.executedSQL
        #expect(sql.contains { $0.contains("percentile(") })
        #expect(session.explanation.contains(";\n"))
        let db = try SQLiteStore.openForReading(path: fixture.dbPath)
        for statement in sql {
            let text = statement.hasPrefix("-- run") ? String(statement.drop { $0 != "\n" }.dropFirst()) : statement
            _ = try SQLQuery.run(db, sql: text)
        }
        // The status statement gives the same numbers when run by hand.
        let first = try #require(sql.first { $0.contains("AS requests") && $0.contains("flag_set") })
        let rows = try SQLQuery.run(db, sql: first).rows
        #expect(rows.reduce(0) { $0 + Int($1[$1.count - 10].int64 ?? 0) } == status.result.groups.reduce(0) { $0 + $1.requests })
    }

    @Test("--since and --until: RFC 3339 or spans before the newest line")
    func timeExpressions() {
        #expect(TimeExpression.parse("2h") == .relative(7_200_000_000))
        #expect(TimeExpression.parse("1h30m") == .relative(5_400_000_000))
        #expect(TimeExpression.parse("90s") == .relative(90_000_000))
        #expect(TimeExpression.parse("1d") == .relative(86_400_000_000))
        #expect(TimeExpression.parse("250ms") == .relative(250_000))
        #expect(TimeExpression.parse("2026-11-25T00:00:00Z") == .absolute(1_795_564_800_000_000))
        #expect(TimeExpression.parse("2026-11-25T01:00:00.5+01:00") == .absolute(1_795_564_800_500_000))
        #expect(TimeExpression.parse("2026-11-25") == .absolute(1_795_564_800_000_000))
        #expect(TimeExpression.parse("2026-11-25 00:10") == .absolute(1_795_565_400_000_000))
        #expect(TimeExpression.parse("yesterday") == nil)
        #expect(TimeExpression.parse("2h5") == nil)
        #expect(TimeExpression.parse("2026-13-01T00:00:00Z") == nil)
        #expect(TimeExpression.relative(60_000_000).resolve(newest: 1_000_000_000) == 940_000_000)
        #expect(AnswerFormat.timestamp(1_795_564_800_123_456) == "2026-11-25T00:00:00.123Z")
        #expect(AnswerFormat.span(300_000_000) == "5m")
        #expect(throws: AnswerOptionError.self) { try fixture.session(since: "soon") }
        #expect(throws: AnswerOptionError.self) { try fixture.session(since: "10m", until: "20m") }
    }
}
