/// The SQL behind `meshlog critical-path`: one scan of `log_row` in start order over a window, plus the small
/// dimension tables read once into memory, so that a hundred thousand requests are read without a query each.
///
/// Rows come out as ``CriticalPathRow``s: integers only (dictionary ids and packed addresses); names are looked
/// up through ``CriticalPathDimensions`` for the few distinct ids a report shows.
public enum CriticalPathQueries {
    /// The window scan of one destination `?3`: its lines with a request id whose start lies in `[?1, ?2)`,
    /// in start order (`log_row_dest_start`, no sort). ``CriticalPathReader`` merges the destinations.
    public static let scan = """
        SELECT id, req, start_us, duration_ms, reporter, dest, variant, route, path, status, upstream_local,
               downstream_remote
        FROM log_row
        WHERE dest = ?3 AND start_us >= ?1 AND start_us < ?2 AND req IS NOT NULL
        ORDER BY start_us
        """
    /// Every destination id (the scans to merge).
    public static let destinationIDs = "SELECT id FROM destination ORDER BY id"

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
    public static let bounds = StoreSchema.startBounds
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
    /// Dictionary id of the path (0 when none, or when the row keeps the path inline as text: then it
    /// has ids in it and its route is set).
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
    /// Reads the lines starting in `[fromUs, toUs)` in start order (ties in row order): one ordered
    /// scan per destination, merged.
    public static func scan(_ db: Database, fromUs: Int64, toUs: Int64, _ body: (CriticalPathRow) throws -> Bool) throws {
        // Memory-mapped reads: the scan visits rows all over the file, and pread copies every page.
        try db.execute("PRAGMA mmap_size=1073741824")
        var textIDs: [String: Int64] = [:]
        var cursors: [Statement] = []
        for destination in try db.rows(CriticalPathQueries.destinationIDs).compactMap({ $0[0].int64 }) {
            let stmt = try db.prepare(CriticalPathQueries.scan)
            stmt.bind(fromUs, at: 1)
            stmt.bind(toUs, at: 2)
            stmt.bind(destination, at: 3)
            if try stmt.step() { cursors.append(stmt) }
        }
        defer { for stmt in cursors { stmt.reset() } }
        var merge = CursorMerge(cursors.map { ($0.int64(2), $0.int64(0)) })
        while let k = merge.first {
            let stmt = cursors[k]
            if try !body(row(stmt)) { break }
            merge.advance(to: try stmt.step() ? (stmt.int64(2), stmt.int64(0)) : nil)
        }

        func row(_ stmt: Statement) -> CriticalPathRow {
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
            let (ul, ulHost) = address(10)
            let (dr, drHost) = address(11)
            return CriticalPathRow(
                id: stmt.int64(0), req: stmt.int64(1), startUs: stmt.int64(2), durationMs: stmt.int64(3),
                reporter: stmt.int64(4), dest: stmt.int64(5), variant: stmt.int64(6), route: stmt.int64(7),
                path: stmt.columnType(8) == 1 ? stmt.int64(8) : 0, status: stmt.int64(9), upstreamLocal: ul, downstreamRemote: dr,
                upstreamLocalHost: ulHost, downstreamRemoteHost: drHost)
        }
    }
}

/// A k-way merge of sorted cursors: a binary min-heap of each cursor's current key, (start, row id).
struct CursorMerge {
    private var heap: [(key: (Int64, Int64), cursor: Int)]

    /// Starts from each cursor's first key.
    init(_ firstKeys: [(Int64, Int64)]) {
        heap = []
        heap.reserveCapacity(firstKeys.count)
        for (i, key) in firstKeys.enumerated() { push((key, i)) }
    }

    /// The cursor holding the smallest key, or nil when all are done.
    var first: Int? { heap.first?.cursor }

    /// Moves the first cursor on: its next key, or nil when it has no more rows.
    mutating func advance(to key: (Int64, Int64)?) {
        guard !heap.isEmpty else { return }
        if let key {
            heap[0].key = key
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        siftDown(0)
    }

    private mutating func push(_ entry: (key: (Int64, Int64), cursor: Int)) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].key < heap[parent].key else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, heap[l].key < heap[m].key { m = l }
            if r < n, heap[r].key < heap[m].key { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
