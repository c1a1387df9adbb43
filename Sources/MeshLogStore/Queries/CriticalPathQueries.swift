/// The SQL behind `meshlog critical-path`: one scan of `log_row` in start order over a window, plus the small
/// dimension tables read once into memory, so that a hundred thousand requests are read without a query each.
///
/// Rows come out as ``CriticalPathRow``s: integers only (dictionary ids and packed addresses); names are looked
/// up through ``CriticalPathDimensions`` for the few distinct ids a report shows.
public enum CriticalPathQueries {
    /// The window scan: every line with a request id whose start lies in `[?1, ?2)`, in start order (the
    /// `log_row_start` index, no sort).
    public static let scan = """
        SELECT id, req, start_us, duration_ms, reporter, dest, variant, route, path, status, upstream_local,
               downstream_remote
        FROM log_row
        WHERE start_us >= ?1 AND start_us < ?2 AND req IS NOT NULL
        ORDER BY start_us
        """

    /// `destination`: direction (1 inbound, 2 outbound) and service of each destination id.
    public static let destinations = "SELECT id, direction, service FROM destination"
    /// `variant`: the method of each variant id.
    public static let variants = "SELECT id, method FROM variant"
    /// `pod`: the workload of each reporter, as ingest recorded it.
    public static let workloads = "SELECT reporter, workload FROM pod"
    /// One dictionary value.
    public static let dictValue = "SELECT value FROM dict WHERE id = ?"
    /// The dictionary ids of a text value (routes or paths to filter on).
    public static let dictIDs = "SELECT id FROM dict WHERE value = ?"
    /// The earliest and the newest start in the store.
    public static let bounds = "SELECT (SELECT min(start_us) FROM log_row), (SELECT max(start_us) FROM log_row)"
}

/// One access-log line as `meshlog critical-path` reads it: ids and numbers only.
public struct CriticalPathRow: Sendable, Equatable {
    public var id: Int64
    /// `request.id` (the x-request-id, interned).
    public var req: Int64
    public var startUs: Int64
    public var durationMs: Int64
    /// Dictionary id of the pod that logged the line.
    public var reporter: Int64
    /// `destination.id`: direction and service.
    public var dest: Int64
    /// `variant.id`: the method among others.
    public var variant: Int64
    /// Dictionary id of the route template (0 when none).
    public var route: Int64
    /// Dictionary id of the path (0 when none).
    public var path: Int64
    public var status: Int64
    /// The caller sidecar's connection address (packed `ip << 16 | port`; text addresses get negative ids), or nil.
    public var upstreamLocal: Int64?
    /// The peer address of the line, same encoding as ``upstreamLocal``.
    public var downstreamRemote: Int64?
    /// The host part of ``upstreamLocal`` (packed IP, or a negative id for text).
    public var upstreamLocalHost: Int64?
    /// The host part of ``downstreamRemote``.
    public var downstreamRemoteHost: Int64?

    public init(id: Int64, req: Int64, startUs: Int64, durationMs: Int64, reporter: Int64, dest: Int64, variant: Int64,
                route: Int64, path: Int64, status: Int64, upstreamLocal: Int64?, downstreamRemote: Int64?,
                upstreamLocalHost: Int64?, downstreamRemoteHost: Int64?) {
        self.id = id
        self.req = req
        self.startUs = startUs
        self.durationMs = durationMs
        self.reporter = reporter
        self.dest = dest
        self.variant = variant
        self.route = route
        self.path = path
        self.status = status
        self.upstreamLocal = upstreamLocal
        self.downstreamRemote = downstreamRemote
        self.upstreamLocalHost = upstreamLocalHost
        self.downstreamRemoteHost = downstreamRemoteHost
    }
}

/// The small tables `meshlog critical-path` needs, read once, and dictionary values looked up on demand.
public final class CriticalPathDimensions {
    /// Destination id → (direction: 1 inbound, 2 outbound, 0 unknown; service dictionary id or nil).
    public private(set) var destinations: [Int64: (direction: Int64, service: Int64?)] = [:]
    /// Variant id → method dictionary id (0 when none).
    public private(set) var methods: [Int64: Int64] = [:]
    /// Reporter dictionary id → workload.
    public private(set) var workloads: [Int64: String] = [:]
    private var values: [Int64: String] = [:]
    private let lookup: Statement
    private let db: Database

    public init(db: Database) throws {
        self.db = db
        lookup = try db.prepare(CriticalPathQueries.dictValue)
        for r in try db.rows(CriticalPathQueries.destinations) {
            destinations[r[0].int64 ?? 0] = (r[1].int64 ?? 0, r[2].int64)
        }
        for r in try db.rows(CriticalPathQueries.variants) { methods[r[0].int64 ?? 0] = r[1].int64 ?? 0 }
        for r in try db.rows(CriticalPathQueries.workloads) {
            if let w = r[1].string { workloads[r[0].int64 ?? 0] = w }
        }
    }

    /// The text of a dictionary id (nil for 0 or an unknown id).
    public func value(_ id: Int64) throws -> String? {
        guard id != 0 else { return nil }
        if let v = values[id] { return v }
        lookup.reset()
        lookup.bind(id, at: 1)
        let v = try lookup.step() ? lookup.text(0) : nil
        lookup.reset()
        if let v { values[id] = v }
        return v
    }

    /// The dictionary ids whose text is `value`.
    public func ids(of value: String) throws -> Set<Int64> {
        Set(try db.rows(CriticalPathQueries.dictIDs, [.text(value)]).compactMap { $0[0].int64 })
    }

    /// The earliest and newest line start in the store (nil when empty).
    public func bounds() throws -> (Int64, Int64)? {
        let r = try db.rows(CriticalPathQueries.bounds)
        guard let first = r.first, let a = first[0].int64, let b = first[1].int64 else { return nil }
        return (a, b)
    }
}

/// Steps ``CriticalPathQueries/scan`` and hands each row to a closure; the closure returns false to stop early.
public enum CriticalPathReader {
    /// Reads the lines starting in `[fromUs, toUs)` in start order.
    public static func scan(_ db: Database, fromUs: Int64, toUs: Int64, _ body: (CriticalPathRow) throws -> Bool) throws {
        // Memory-mapped reads: the scan visits rows all over the file, and pread copies every page.
        try db.execute("PRAGMA mmap_size=1073741824")
        let stmt = try db.prepare(CriticalPathQueries.scan)
        stmt.bind(fromUs, at: 1)
        stmt.bind(toUs, at: 2)
        var textIDs: [String: Int64] = [:]
        func address(_ i: Int32) -> (Int64?, Int64?) {
            if stmt.isNull(i) { return (nil, nil) }
            if stmt.columnType(i) == 1 {  // SQLITE_INTEGER: packed ip << 16 | port
                let v = stmt.int64(i)
                return (v, v >> 16)
            }
            let text = stmt.text(i) ?? ""
            func intern(_ s: String) -> Int64 {
                if let k = textIDs[s] { return k }
                let k = -Int64(textIDs.count + 1)
                textIDs[s] = k
                return k
            }
            var host = Substring(text)
            while let last = host.last, last.isNumber { host.removeLast() }
            if host.last == ":" { host.removeLast() }
            return (intern(text), intern("host " + host))
        }
        while try stmt.step() {
            let (ul, ulHost) = address(10)
            let (dr, drHost) = address(11)
            let row = CriticalPathRow(
                id: stmt.int64(0), req: stmt.int64(1), startUs: stmt.int64(2), durationMs: stmt.int64(3),
                reporter: stmt.int64(4), dest: stmt.int64(5), variant: stmt.int64(6), route: stmt.int64(7),
                path: stmt.int64(8), status: stmt.int64(9), upstreamLocal: ul, downstreamRemote: dr,
                upstreamLocalHost: ulHost, downstreamRemoteHost: drHost)
            if try !body(row) { break }
        }
        stmt.reset()
    }
}
