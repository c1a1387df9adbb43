import CSQLite
import Testing
@testable import MeshLogStore

private func makeDatabase() throws -> Database {
    let db = try Database(path: ":memory:")
    db.registerMeshLogFunctions()
    return db
}

/// Inserts `values` into a fresh table `v(g INTEGER, x)`.
private func insert(_ values: [SQLValue], group: Int64 = 0, into db: Database) throws {
    try db.execute("CREATE TABLE IF NOT EXISTS v (g INTEGER, x)")
    let statement = try db.prepare("INSERT INTO v (g, x) VALUES (?, ?)")
    try db.inTransaction {
        for value in values {
            statement.bind(group, at: 1)
            statement.bind(value, at: 2)
            _ = try statement.step()
            statement.reset()
        }
    }
}

@Suite("percentile and median")
struct PercentileTests {
    @Test func oneValue() throws {
        let db = try makeDatabase()
        try insert([7], into: db)
        for p in [0.0, 0.3, 0.5, 1.0] {
            #expect(try db.scalar("SELECT percentile(x, ?) FROM v", [.real(p)]) == .real(7))
        }
        #expect(try db.scalar("SELECT median(x) FROM v") == .real(7))
    }

    @Test func twoValues() throws {
        let db = try makeDatabase()
        try insert([10, 20], into: db)
        #expect(try db.scalar("SELECT percentile(x, 0) FROM v") == .real(10))
        #expect(try db.scalar("SELECT percentile(x, 1) FROM v") == .real(20))
        #expect(try db.scalar("SELECT percentile(x, 0.25) FROM v") == .real(12.5))
        #expect(try db.scalar("SELECT median(x) FROM v") == .real(15))
    }

    @Test func zeroAndOneAreMinAndMax() throws {
        let db = try makeDatabase()
        try insert([5, -3, 9.5, 2, 2], into: db)
        #expect(try db.scalar("SELECT percentile(x, 0.0) FROM v") == .real(-3))
        #expect(try db.scalar("SELECT percentile(x, 1.0) FROM v") == .real(9.5))
    }

    @Test func nullsAreIgnored() throws {
        let db = try makeDatabase()
        try insert([nil, 1, nil, 3, nil], into: db)
        #expect(try db.scalar("SELECT percentile(x, 0.5) FROM v") == .real(2))
        #expect(try db.scalar("SELECT median(x) FROM v") == .real(2))
    }

    @Test func emptyOrAllNullIsNull() throws {
        let db = try makeDatabase()
        try db.execute("CREATE TABLE v (g INTEGER, x)")
        #expect(try db.scalar("SELECT percentile(x, 0.5) FROM v") == .null)
        #expect(try db.scalar("SELECT median(x) FROM v") == .null)
        try insert([nil, nil], into: db)
        #expect(try db.scalar("SELECT percentile(x, 0.5) FROM v") == .null)
        #expect(try db.scalar("SELECT median(x) FROM v") == .null)
    }

    @Test func p90OfOneToTen() throws {
        let db = try makeDatabase()
        try insert((1...10).map { SQLValue.integer($0) }, into: db)
        let result = try #require(try db.scalar("SELECT percentile(x, 0.9) FROM v").double)
        #expect(abs(result - 9.1) < 1e-12)
        #expect(try db.scalar("SELECT median(x) FROM v") == .real(5.5))
        // Also from numeric text values and a text fraction.
        #expect(try db.scalar("SELECT percentile(CAST(x AS TEXT), '0.5') FROM v") == .real(5.5))
    }

    @Test(arguments: [1.5, -0.01, 99.0])
    func fractionOutOfRangeIsAnError(p: Double) throws {
        let db = try makeDatabase()
        try insert([1, 2, 3], into: db)
        let error = #expect(throws: SQLiteError.self) {
            _ = try db.scalar("SELECT percentile(x, ?) FROM v", [.real(p)])
        }
        #expect(error?.message.contains("percentile: fraction must be between 0 and 1") == true)
        #expect(error?.sql == "SELECT percentile(x, ?) FROM v")
    }

    @Test func nullOrNonNumericFractionIsAnError() throws {
        let db = try makeDatabase()
        try insert([1, 2, 3], into: db)
        let error = #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT percentile(x, NULL) FROM v") }
        #expect(error?.message == "percentile: fraction must not be NULL")
        #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT percentile(x, 'high') FROM v") }
        #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT percentile(x, x / 10.0) FROM v") }
        let nonNumeric = #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT median('abc')") }
        #expect(nonNumeric?.message == "median: non-numeric value 'abc'")
    }

    @Test(arguments: [0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0])
    func matchesDefinitionOnRandomData(p: Double) throws {
        var rng = SplitMix64(seed: 0x5EED + UInt64(p * 1000))
        let db = try makeDatabase()
        // Mix of latencies with heavy duplicates and a long tail, plus integers and NULLs.
        var values: [SQLValue] = []
        var reference: [Double] = []
        for _ in 0..<5003 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                values.append(.null)
            case 1...3:
                let v = Int64.random(in: 0...20, using: &rng)
                values.append(.integer(v))
                reference.append(Double(v))
            default:
                let v = Double.random(in: 0..<1, using: &rng) * Double.random(in: 1...5000, using: &rng)
                values.append(.real(v))
                reference.append(v)
            }
        }
        try insert(values, into: db)
        let expected = try #require(referencePercentile(reference, p))
        #expect(try db.scalar("SELECT percentile(x, ?) FROM v", [.real(p)]) == .real(expected))
    }

    @Test func selectionMatchesSortOnManyShapes() throws {
        var rng = SplitMix64(seed: 42)
        for n in [1, 2, 3, 5, 31, 32, 33, 100, 1000, 4097] {
            for shape in 0..<5 {
                let base: [Double] = (0..<n).map { i in
                    switch shape {
                    case 0: return Double.random(in: -1e6...1e6, using: &rng)
                    case 1: return Double(i) // sorted
                    case 2: return Double(n - i) // reversed
                    case 3: return 1 // all equal
                    default: return Double(Int.random(in: 0..<4, using: &rng)) // few distinct
                    }
                }
                for p in [0, 0.01, 0.33, 0.5, 0.77, 0.99, 1] {
                    var work = base
                    #expect(Percentile.linear(&work, fraction: p) == referencePercentile(base, p), "n=\(n) shape=\(shape) p=\(p)")
                }
            }
        }
        var empty: [Double] = []
        #expect(Percentile.linear(&empty, fraction: 0.5) == nil)
    }

    @Test func millionsOfValues() throws {
        let db = try makeDatabase()
        let n = 2_000_000
        let result = try db.scalar("""
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < \(n))
            SELECT percentile((i * 7919) % \(n), 0.99) FROM s
            """)
        // (i * 7919) mod n for i in 1...n is a permutation of 0..<n (7919 is prime and coprime to n),
        // so the sorted values are v[i] = i and the definition reduces to this:
        let h = Double(n - 1) * 0.99
        let k = h.rounded(.down)
        let expected = k + (h - k) * ((k + 1) - k)
        #expect(result == .real(expected))
    }

    @Test func groupByWithSeveralGroups() throws {
        let db = try makeDatabase()
        try insert((1...10).map { SQLValue.integer($0) }, group: 1, into: db)
        try insert([100, 200], group: 2, into: db)
        try insert([nil], group: 3, into: db)
        try insert([42], group: 4, into: db)
        let rows = try db.rows("""
            SELECT g, percentile(x, 0.5), median(x), percentile(x, 1) FROM v GROUP BY g ORDER BY g
            """)
        #expect(rows == [
            [1, 5.5, 5.5, 10.0],
            [2, 150.0, 150.0, 200.0],
            [3, nil, nil, nil],
            [4, 42.0, 42.0, 42.0],
        ])
    }

    @Test func groupByManyGroups() throws {
        let db = try makeDatabase()
        let rows = try db.rows("""
            WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 99999)
            SELECT i % 1000 AS g, median(i), percentile(i, 0.9) FROM s GROUP BY g ORDER BY g
            """)
        #expect(rows.count == 1000)
        for row in rows {
            let g = try #require(row[0].int64)
            let values = (0..<100).map { Double(g + 1000 * Int64($0)) }
            #expect(row[1] == .real(referencePercentile(values, 0.5)!))
            #expect(row[2] == .real(referencePercentile(values, 0.9)!))
        }
    }

    @Test func publicAggregateTypesMatchRegisteredFunctions() throws {
        let db = try makeDatabase()
        db.registerAggregate("percentile_generic", argumentCount: 2, PercentileAggregate.self)
        db.registerAggregate("median_generic", argumentCount: 1, MedianAggregate.self)
        var rng = SplitMix64(seed: 7)
        try insert((0..<999).map { _ in SQLValue.real(Double.random(in: 0..<100, using: &rng)) } + [nil, 5], into: db)
        for p in [0.0, 0.5, 0.9, 0.99, 1.0] {
            let fast = try db.scalar("SELECT percentile(x, ?) FROM v", [.real(p)])
            #expect(try db.scalar("SELECT percentile_generic(x, ?) FROM v", [.real(p)]) == fast)
        }
        #expect(try db.scalar("SELECT median_generic(x) FROM v") == db.scalar("SELECT median(x) FROM v"))
        #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT percentile_generic(x, 2) FROM v") }
        #expect(try db.scalar("SELECT median_generic(x) FROM v WHERE 0") == .null)
    }

    @Test func usableInSubqueries() throws {
        let db = try makeDatabase()
        try insert([1, 2, 3, 4], into: db)
        #expect(try db.scalar("SELECT (SELECT median(x) FROM v) * 2") == .real(5))
    }
}

@Suite("status_class and regexp")
struct ScalarFunctionTests {
    @Test(arguments: [
        (SQLValue.integer(200), SQLValue.text("2xx")),
        (.integer(204), .text("2xx")),
        (.integer(301), .text("3xx")),
        (.integer(404), .text("4xx")),
        (.integer(503), .text("5xx")),
        (.integer(101), .text("1xx")),
        (.integer(0), .text("no response")),
        (.null, .null),
        (.text("502"), .text("5xx")),
        (.real(200.0), .text("2xx")),
        (.integer(-1), .null),
        (.text("-"), .null),
    ])
    func statusClass(code: SQLValue, expected: SQLValue) throws {
        let db = try makeDatabase()
        #expect(try db.scalar("SELECT status_class(?)", [code]) == expected)
    }

    @Test func statusClassInGroupBy() throws {
        let db = try makeDatabase()
        try db.execute("CREATE TABLE r (status INTEGER)")
        try db.execute("INSERT INTO r VALUES (200), (201), (404), (0), (NULL), (503), (200)")
        let rows = try db.rows("SELECT status_class(status) AS c, count(*) FROM r GROUP BY c ORDER BY c")
        #expect(rows == [[nil, 1], ["2xx", 3], ["4xx", 1], ["5xx", 1], ["no response", 1]])
    }

    @Test func regexpOperator() throws {
        let db = try makeDatabase()
        try db.execute("CREATE TABLE r (path TEXT)")
        try db.execute("INSERT INTO r VALUES ('/api/v1/users/42'), ('/healthz'), ('/api/v2/orders'), (NULL)")
        #expect(try db.rows("SELECT path FROM r WHERE path REGEXP '^/api/v[0-9]+/' ORDER BY path")
            == [["/api/v1/users/42"], ["/api/v2/orders"]])
        #expect(try db.scalar("SELECT count(*) FROM r WHERE path REGEXP '[0-9]+$'") == 1)
        #expect(try db.scalar("SELECT regexp('h.*z', '/healthz')") == 1)
        #expect(try db.scalar("SELECT regexp('^x', 'abc')") == 0)
        #expect(try db.scalar("SELECT 'ünï' REGEXP '^ü.ï$'") == 1)
        #expect(try db.scalar("SELECT NULL REGEXP 'a'") == .null)
        #expect(try db.scalar("SELECT 'a' REGEXP NULL") == .null)
        // Per-row patterns work too.
        #expect(try db.scalar("SELECT count(*) FROM r WHERE path REGEXP substr(path, 1, 4)") == 3)
    }

    @Test func invalidRegexpIsAnError() throws {
        let db = try makeDatabase()
        let error = #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT 'abc' REGEXP '(unclosed'") }
        #expect(error?.message.contains("invalid regular expression") == true)
    }
}

// MARK: - Custom functions and aggregates

/// Live instance counter for the leak test; used only by `TrackedSum`.
private let liveTracked = LockedCounter()

private final class Tracker {
    init() { liveTracked.add(1) }
    deinit { liveTracked.add(-1) }
}

/// Sums integers; throws on the value 13 (to test cleanup after a failing step).
private struct TrackedSum: DatabaseAggregate {
    let tracker = Tracker()
    var sum: Int64 = 0

    mutating func step(_ arguments: [SQLValue]) throws {
        let v = arguments[0].int64 ?? 0
        if v == 13 { throw SQLiteError(code: SQLITE_ERROR, message: "unlucky") }
        sum += v
    }

    func finalize() throws -> SQLValue { .integer(sum) }
}

private struct StringAgg: DatabaseAggregate {
    var parts: [String] = []
    mutating func step(_ arguments: [SQLValue]) throws {
        parts.append(arguments.map(\.description).joined(separator: "/"))
    }
    func finalize() throws -> SQLValue { parts.isEmpty ? .null : .text(parts.joined(separator: ",")) }
}

@Suite("Custom functions", .serialized)
struct CustomFunctionTests {
    @Test func scalarFunction() throws {
        let db = try Database(path: ":memory:")
        db.registerFunction("add_all", argumentCount: -1) { args in
            .integer(args.compactMap(\.int64).reduce(0, +))
        }
        db.registerFunction("echo", argumentCount: 1) { $0[0] }
        #expect(try db.scalar("SELECT add_all(1, 2, 3, NULL)") == 6)
        #expect(try db.scalar("SELECT add_all()") == 0)
        for value: SQLValue in [nil, 1, 2.5, "x", .blob([1, 2]), .text(""), .blob([])] {
            #expect(try db.scalar("SELECT echo(?)", [value]) == value)
        }
        // Nested (re-entrant) calls of the same function.
        #expect(try db.scalar("SELECT add_all(1, add_all(2, add_all(3, 4)))") == 10)
    }

    @Test func functionErrorsFailTheQuery() throws {
        let db = try Database(path: ":memory:")
        struct Nope: Error, CustomStringConvertible { var description: String { "nope!" } }
        db.registerFunction("fail", argumentCount: 0) { _ in throw Nope() }
        db.registerFunction("fail_constraint", argumentCount: 0) { _ in
            throw SQLiteError(code: SQLITE_CONSTRAINT, message: "custom constraint")
        }
        let error = #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT fail()") }
        #expect(error?.message == "nope!")
        #expect(error?.sql == "SELECT fail()")
        let constraint = #expect(throws: SQLiteError.self) { _ = try db.scalar("SELECT fail_constraint()") }
        #expect(constraint?.code == SQLITE_CONSTRAINT)
        #expect(constraint?.message == "custom constraint")
    }

    @Test func replacingAFunction() throws {
        let db = try Database(path: ":memory:")
        db.registerFunction("f", argumentCount: 0) { _ in 1 }
        db.registerFunction("f", argumentCount: 0) { _ in 2 }
        #expect(try db.scalar("SELECT f()") == 2)
    }

    @Test func customAggregate() throws {
        let db = try Database(path: ":memory:")
        db.registerAggregate("string_agg2", argumentCount: 2, StringAgg.self)
        try db.execute("CREATE TABLE t (g, a, b)")
        try db.execute("INSERT INTO t VALUES (1, 'x', 1), (1, 'y', 2), (2, 'z', NULL)")
        #expect(try db.rows("SELECT g, string_agg2(a, b) FROM t GROUP BY g ORDER BY g")
            == [[1, "'x'/1,'y'/2"], [2, "'z'/NULL"]])
        #expect(try db.scalar("SELECT string_agg2(a, b) FROM t WHERE 0") == .null)
    }

    @Test func aggregateStateIsFreed() throws {
        let db = try Database(path: ":memory:")
        db.registerAggregate("tracked_sum", argumentCount: 1, TrackedSum.self)
        let groups = """
            WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 19999)
            SELECT i % 500 AS g, tracked_sum(i % 7) FROM s GROUP BY g
            """
        #expect(try db.rows(groups).count == 500)
        #expect(liveTracked.current == 0)

        // A failing step aborts the query; every group's state is still released.
        let failing = """
            WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 19999)
            SELECT i % 500 AS g, tracked_sum(i % 17) FROM s GROUP BY g
            """
        let error = #expect(throws: SQLiteError.self) { _ = try db.rows(failing) }
        #expect(error?.message == "unlucky")
        #expect(liveTracked.current == 0)

        // A statement abandoned midway (some groups finalized, others not) also frees everything.
        do {
            let statement = try db.prepare("""
                WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 999)
                SELECT i % 10 AS g, tracked_sum(i % 7) FROM s GROUP BY g
                """)
            #expect(try statement.step())
            #expect(try statement.step())
        }
        #expect(liveTracked.current == 0)

        // No rows at all: a fresh instance is finalized and released.
        #expect(try db.scalar("SELECT tracked_sum(1) WHERE 0") == 0)
        #expect(liveTracked.current == 0)
    }
}
