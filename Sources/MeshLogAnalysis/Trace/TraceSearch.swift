import MeshLogStore

/// Searches requests (access logs grouped by x-request-id) and span-only traces: `meshlog traces`.
public struct TraceSearch {
    /// The filters; all must hold.
    public struct Filter: Sendable {
        /// Every one of these services takes part in the request.
        public var services: [String] = []
        /// `5xx`, `4xx` or an exact code such as `503`: some line of the request has it.
        public var status: String?
        /// Some line of the request has this response flag.
        public var flag: String?
        /// The whole request (first start to last end) lasts at least this long.
        public var minDurationUs: Int64?
        public var sinceUs: Int64?
        public var untilUs: Int64?
        public var limit = 20
        public init() {}
    }

    /// One request or trace.
    public struct Row: Sendable, Equatable {
        public var id: String
        public var startUs: Int64
        public var rootService: String
        public var rootRoute: String
        public var durationUs: Int64
        public var hops: Int
        public var firstError: String
    }

    public let db: Database
    public init(db: Database) { self.db = db }

    /// The status condition on `column`, or nil for an unreadable filter.
    public static func statusCondition(_ status: String, _ column: String) -> String? {
        let s = status.lowercased()
        if s.count == 3, s.hasSuffix("xx"), let d = Int(s.prefix(1)) {
            return "\(column) BETWEEN \(d * 100) AND \(d * 100 + 99)"
        }
        if let code = Int(s) { return "\(column) = \(code)" }
        return nil
    }

    /// Requests then span-only traces, each ordered by start, at most `limit` in all.
    public func run(_ filter: Filter) throws -> [Row] {
        var rows = try requests(filter)
        if rows.count < filter.limit {
            var f = filter
            f.limit -= rows.count
            rows += try spanTraces(f)
        }
        return rows
    }

    func requests(_ filter: Filter) throws -> [Row] {
        var having: [String] = []
        var args: [SQLValue] = []
        var wheres = ["e.req IS NOT NULL"]
        if let s = filter.sinceUs { wheres.append("e.start_us >= ?"); args.append(.integer(s)) }
        if let u = filter.untilUs { wheres.append("e.start_us < ?"); args.append(.integer(u)) }
        var havingArgs: [SQLValue] = []
        for service in filter.services {
            having.append("max(e.service IN (SELECT id FROM dict WHERE value = ?))")
            havingArgs.append(.text(service))
        }
        if let status = filter.status {
            guard let c = Self.statusCondition(status, "e.status") else { throw TraceSearchError.badStatus(status) }
            having.append("max(\(c))")
        }
        if let flag = filter.flag {
            having.append("max(e.flags IN (SELECT flags FROM flag_set WHERE flag = ?))")
            havingArgs.append(.text(flag.uppercased()))
        }
        if let d = filter.minDurationUs {
            having.append("max(e.start_us + e.duration_ms * 1000) - min(e.start_us) >= ?")
            havingArgs.append(.integer(d))
        }
        let sql = """
            SELECT e.req, min(e.start_us) AS s, max(e.start_us + e.duration_ms * 1000) - min(e.start_us),
                   sum(e.direction = 2)
            FROM log_entry e WHERE \(wheres.joined(separator: " AND "))
            GROUP BY e.req \(having.isEmpty ? "" : "HAVING " + having.joined(separator: " AND "))
            ORDER BY s LIMIT \(filter.limit)
            """
        var out: [Row] = []
        let rootStmt = try db.prepare("""
            SELECT service, coalesce(route, path), method FROM access_log WHERE id =
              (SELECT id FROM log_entry WHERE req = ? ORDER BY start_us, duration_ms DESC, direction DESC LIMIT 1)
            """)
        let errorStmt = try db.prepare("""
            SELECT service, status, flags, reporter, direction FROM access_log WHERE id =
              (SELECT id FROM log_entry WHERE req = ? AND (status >= 500 OR status = 0)
               ORDER BY start_us + duration_ms * 1000, direction LIMIT 1)
            """)
        let ridStmt = try db.prepare("SELECT rid FROM request WHERE id = ?")
        for r in try db.rows(sql, args + havingArgs) {
            let req = r[0]
            ridStmt.reset()
            try ridStmt.bind([req])
            var id = "?"
            if try ridStmt.step() { id = SpanKeys.requestText(ridStmt.value(0)) ?? "?" }
            ridStmt.reset()
            rootStmt.reset()
            try rootStmt.bind([req])
            var service = "", route = ""
            if try rootStmt.step() {
                service = rootStmt.text(0) ?? "?"
                route = (rootStmt.text(2).map { $0 + " " } ?? "") + (rootStmt.text(1) ?? "")
            }
            rootStmt.reset()
            errorStmt.reset()
            try errorStmt.bind([req])
            var firstError = ""
            if try errorStmt.step() {
                let flags = errorStmt.text(2) ?? ""
                firstError = "\(errorStmt.text(0) ?? "?") \(errorStmt.int64(1))" + (flags.isEmpty || flags == "-" ? "" : " \(flags)")
            }
            errorStmt.reset()
            out.append(Row(id: id, startUs: r[1].int64 ?? 0, rootService: service, rootRoute: route,
                           durationUs: r[2].int64 ?? 0, hops: Int(r[3].int64 ?? 0), firstError: firstError))
        }
        return out
    }

    /// Traces known only from spans (no access-log line shares their request ids).
    func spanTraces(_ filter: Filter) throws -> [Row] {
        guard filter.limit > 0, filter.flag == nil else { return [] }
        // Aggregates are named in an inner query and tested outside it: SQLite refuses an
        // aggregate inside a correlated subquery of HAVING ("misuse of aggregate function").
        var columns = ["max(s.req) AS req"]
        var conditions = ["(t.req IS NULL OR NOT EXISTS (SELECT 1 FROM request r WHERE r.rid = t.req))"]
        var args: [SQLValue] = []
        for (i, service) in filter.services.enumerated() {
            columns.append("max(s.service IN (SELECT id FROM span_dict WHERE value = ?)) AS service\(i)")
            conditions.append("t.service\(i)")
            args.append(.text(service))
        }
        if let status = filter.status {
            guard let c = Self.statusCondition(status, "s.http_status") else { throw TraceSearchError.badStatus(status) }
            columns.append("max(\(c)) AS failed")
            conditions.append("t.failed")
        }
        var outerArgs: [SQLValue] = []
        if let d = filter.minDurationUs { conditions.append("t.duration >= ?"); outerArgs.append(.integer(d)) }
        if let v = filter.sinceUs { conditions.append("t.st >= ?"); outerArgs.append(.integer(v)) }
        if let v = filter.untilUs { conditions.append("t.st < ?"); outerArgs.append(.integer(v)) }
        let sql = """
            SELECT t.trace_id, t.st, t.duration, t.servers FROM (
              SELECT s.trace_id, min(s.start_us) AS st, max(s.start_us + s.duration_us) - min(s.start_us) AS duration,
                     sum(s.kind = 3) AS servers, \(columns.joined(separator: ", "))
              FROM span_entry s GROUP BY s.trace_id) t
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY t.st LIMIT \(filter.limit)
            """
        args += outerArgs
        let root = try db.prepare("""
            SELECT (SELECT value FROM span_dict WHERE id = service), (SELECT value FROM span_dict WHERE id = name)
            FROM span_entry WHERE trace_id = ? ORDER BY parent_id IS NOT NULL, start_us, duration_us DESC LIMIT 1
            """)
        let err = try db.prepare("""
            SELECT (SELECT value FROM span_dict WHERE id = service), http_status,
                   (SELECT value FROM span_dict WHERE id = name)
            FROM span_entry WHERE trace_id = ? AND status = 2 ORDER BY start_us + duration_us LIMIT 1
            """)
        var out: [Row] = []
        for r in try db.rows(sql, args) {
            var service = "", name = "", firstError = ""
            root.reset()
            try root.bind([r[0]])
            if try root.step() { service = root.text(0) ?? "?"; name = root.text(1) ?? "" }
            root.reset()
            err.reset()
            try err.bind([r[0]])
            if try err.step() {
                firstError = "\(err.text(0) ?? "?") " + (err.isNull(1) ? "error \(err.text(2) ?? "")" : String(err.int64(1)))
            }
            err.reset()
            out.append(Row(id: SpanKeys.traceText(r[0]) ?? "?", startUs: r[1].int64 ?? 0, rootService: service,
                           rootRoute: name, durationUs: r[2].int64 ?? 0, hops: Int(r[3].int64 ?? 0), firstError: firstError))
        }
        return out
    }

    /// The rows as a table (`id, start, root_service, root_route, duration_ms, hops, first_error`).
    public static func table(_ rows: [Row]) -> ResultTable {
        ResultTable(columns: ["id", "start", "root_service", "root_route", "duration_ms", "hops", "first_error"],
                    rows: rows.map { r in
                        [.text(r.id), .text(AnswerFormat.timestamp(r.startUs)), .text(r.rootService), .text(r.rootRoute),
                         .real(Double(r.durationUs) / 1000), .integer(Int64(r.hops)), .text(r.firstError)]
                    })
    }
}

/// `meshlog traces` option mistakes.
public enum TraceSearchError: Error, CustomStringConvertible {
    case badStatus(String)
    public var description: String {
        switch self {
        case .badStatus(let s): "cannot read --status '\(s)'; use 5xx, 4xx or a code such as 503"
        }
    }
}
