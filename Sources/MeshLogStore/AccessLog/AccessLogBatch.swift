import MeshLogCore
/// A batch of access-log rows ready to insert, in columnar form with no per-value allocation.
///
/// The ingest side fills it on one thread; a writer stores it on another, in one transaction
/// together with the file's progress.
public final class AccessLogBatch: @unchecked Sendable {
    /// The columns of `log_row`, in insert order.
    public enum Column: Int, CaseIterable {
        case sourceID, line, startMicros, reporter, destination, variant, path, route
        case status, flags, details, bytesReceived, bytesSent, duration, upstreamTime
        case requestID, traceID, upstreamHost, upstreamLocal, downstreamLocal
        case downstreamRemote, extra, loggedAt

        /// The SQL column name in `log_row`.
        public var sqlName: String {
            switch self {
            case .sourceID: "source_id"
            case .line: "line"
            case .startMicros: "start_us"
            case .reporter: "reporter"
            case .destination: "dest"
            case .variant: "variant"
            case .path: "path"
            case .route: "route"
            case .status: "status"
            case .flags: "flags"
            case .details: "details"
            case .bytesReceived: "bytes_received"
            case .bytesSent: "bytes_sent"
            case .duration: "duration_ms"
            case .upstreamTime: "upstream_ms"
            case .requestID: "req"
            case .traceID: "tid"
            case .upstreamHost: "upstream_host"
            case .upstreamLocal: "upstream_local"
            case .downstreamLocal: "downstream_local"
            case .downstreamRemote: "downstream_remote"
            case .extra: "extra"
            case .loggedAt: "logged_us"
            }
        }
    }

    /// The fields of a `destination` row, in tuple order (all dictionary ids but `direction`).
    public static let destinationColumns = ["cluster", "direction", "service", "namespace", "subset"]
    /// The fields of a `variant` row, in tuple order (all dictionary ids).
    public static let variantColumns = ["method", "protocol", "authority", "termination", "transport_failure",
                                        "sni", "route_name", "user_agent", "xff"]

    /// How a cell is stored.
    public enum Kind: UInt8 { case null = 0, integer = 1, text = 2, blob = 3 }

    public static let columnCount = Column.allCases.count

    /// Rows in the batch.
    @exclusivity(unchecked) public private(set) var rowCount = 0
    /// Cell values: the integer, or `offset << 24 | length` into `arena` for text and blobs.
    @exclusivity(unchecked) public private(set) var values: UnsafeMutablePointer<Int64>
    /// Cell kinds (`Kind` raw values).
    @exclusivity(unchecked) public private(set) var kinds: UnsafeMutablePointer<UInt8>
    /// Bytes of text and blob cells.
    @exclusivity(unchecked) public private(set) var arena: UnsafeMutablePointer<UInt8>
    /// Bytes in use in `arena`.
    @exclusivity(unchecked) public private(set) var arenaCount = 0
    @exclusivity(unchecked) private var rowCapacity: Int
    @exclusivity(unchecked) private var arenaCapacity: Int
    /// Strings new to the dictionary, to insert before the rows.
    @exclusivity(unchecked) public var newStrings: [(id: Int64, value: [UInt8])] = []
    /// Requests new to the `request` table: (id, request id as a 16-byte UUID blob or text).
    @exclusivity(unchecked) public var newRequests: [(id: Int64, value: [UInt8], isBlob: Bool)] = []
    /// Pods first seen in this batch: (reporter id, pod name, workload, namespace).
    @exclusivity(unchecked) public var newPods: [(reporter: Int64, name: String, workload: String, namespace: String?)] = []
    /// Pod addresses learned in this batch: (IP, reporter id).
    @exclusivity(unchecked) public var newPodAddresses: [(ip: String, reporter: Int64)] = []
    /// Destinations new to the `destination` table, flat: id, then the `destinationColumns`.
    @exclusivity(unchecked) public var newDestinations: [Int64] = []
    /// Variants new to the `variant` table, flat: id, then the `variantColumns`.
    @exclusivity(unchecked) public var newVariants: [Int64] = []
    /// Summary deltas to add to `summary_minute`, in its column order (histograms encoded).
    @exclusivity(unchecked) public var summaryMinutes: [SummaryMinuteDelta] = []
    /// The same per hour, for `summary_hour_latency` (`minute` is the hour's first minute).
    @exclusivity(unchecked) public var summaryHourLatencies: [SummaryMinuteDelta] = []
    /// Error signature counts for `summary_error`: minute, reporter, dest, caller, status, flags, details, route, requests.
    @exclusivity(unchecked) public var summaryErrors: [[Int64]] = []
    /// Inbound lines by how they arrived, for `summary_tls`: minute, reporter, dest, caller, class (``TLSClass/code``), requests.
    @exclusivity(unchecked) public var summaryTLS: [[Int64]] = []
    /// Summary deltas to add to `summary_hour`: (hour, reporter, dest, caller, status, flags, requests).
    @exclusivity(unchecked) public var summaryHours: [(hour: Int64, reporter: Int64, dest: Int64, caller: Int64, status: Int64, flags: Int64, requests: Int64)] = []
    /// Pod IPv4 addresses (integers) learned in this batch: (ip, reporter id).
    @exclusivity(unchecked) public var newPodIPs: [(ip: Int64, reporter: Int64)] = []
    /// What a cluster dump says about pods (`pod_fact`): (reporter id of the pod's name, fact).
    @exclusivity(unchecked) public var newPodFacts: [(reporter: Int64, fact: PodFact)] = []
    /// Flag sets new to the `flag_set` table: (flags id, single flag).
    @exclusivity(unchecked) public var newFlagSets: [(flags: Int64, flag: String)] = []
    /// Lines that did not parse: (line, reason, first KiB).
    @exclusivity(unchecked) public var rejected: [(line: Int, reason: String, text: [UInt8])] = []
    /// The file the rows come from.
    @exclusivity(unchecked) public var sourceID: Int64 = 0
    /// Lines of the file consumed once this batch is stored (the resume point).
    @exclusivity(unchecked) public var linesRead = 0
    /// Lines in this batch that were not access logs.
    @exclusivity(unchecked) public var skipped = 0

    @exclusivity(unchecked) private var base = 0

    /// Creates an empty batch with room for `capacity` rows (it grows when needed).
    public init(capacity: Int = 8192) {
        rowCapacity = max(16, capacity)
        arenaCapacity = rowCapacity * 64
        values = .allocate(capacity: rowCapacity * Self.columnCount)
        kinds = .allocate(capacity: rowCapacity * Self.columnCount)
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        values.deallocate()
        kinds.deallocate()
        arena.deallocate()
    }

    /// Empties the batch, keeping its memory.
    public func reset() {
        rowCount = 0
        arenaCount = 0
        newStrings.removeAll(keepingCapacity: true)
        newFlagSets.removeAll(keepingCapacity: true)
        summaryMinutes.removeAll(keepingCapacity: true)
        summaryHourLatencies.removeAll(keepingCapacity: true)
        summaryErrors.removeAll(keepingCapacity: true)
        summaryTLS.removeAll(keepingCapacity: true)
        summaryHours.removeAll(keepingCapacity: true)
        newPodIPs.removeAll(keepingCapacity: true)
        newDestinations.removeAll(keepingCapacity: true)
        newVariants.removeAll(keepingCapacity: true)
        newRequests.removeAll(keepingCapacity: true)
        newPods.removeAll(keepingCapacity: true)
        newPodAddresses.removeAll(keepingCapacity: true)
        newPodFacts.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        skipped = 0
    }

    /// Starts a new row with every cell NULL.
    @inline(__always)
    public func beginRow() {
        if rowCount == rowCapacity {
            let newCapacity = rowCapacity * 2
            let v = UnsafeMutablePointer<Int64>.allocate(capacity: newCapacity * Self.columnCount)
            v.update(from: values, count: rowCount * Self.columnCount)
            values.deallocate()
            values = v
            let k = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity * Self.columnCount)
            k.update(from: kinds, count: rowCount * Self.columnCount)
            kinds.deallocate()
            kinds = k
            rowCapacity = newCapacity
        }
        base = rowCount * Self.columnCount
        (kinds + base).update(repeating: 0, count: Self.columnCount)
        rowCount += 1
    }

    /// Sets an integer cell of the current row.
    @inline(__always)
    public func set(_ column: Column, _ value: Int64) {
        values[base + column.rawValue] = value
        kinds[base + column.rawValue] = Kind.integer.rawValue
    }

    /// Sets an optional integer cell of the current row.
    @inline(__always)
    public func set(_ column: Column, _ value: Int64?) {
        if let value { set(column, value) }
    }

    @inline(__always)
    private func appendArena(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        if arenaCount + bytes.count > arenaCapacity {
            var newCapacity = arenaCapacity * 2
            while newCapacity < arenaCount + bytes.count { newCapacity *= 2 }
            let a = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            a.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = a
            arenaCapacity = newCapacity
        }
        if let src = bytes.baseAddress, bytes.count > 0 {
            UnsafeMutableRawPointer(arena + arenaCount).copyMemory(from: src, byteCount: bytes.count)
        }
        let cell = Int64(arenaCount) << 24 | Int64(bytes.count)
        arenaCount += bytes.count
        return cell
    }

    /// Sets a text cell of the current row.
    @inline(__always)
    public func setText(_ column: Column, _ bytes: UnsafeBufferPointer<UInt8>) {
        values[base + column.rawValue] = appendArena(UnsafeRawBufferPointer(bytes))
        kinds[base + column.rawValue] = Kind.text.rawValue
    }

    /// Sets a blob cell of the current row.
    @inline(__always)
    public func setBlob(_ column: Column, _ bytes: UnsafeRawBufferPointer) {
        values[base + column.rawValue] = appendArena(bytes)
        kinds[base + column.rawValue] = Kind.blob.rawValue
    }

    /// A cell of a stored row, for tests and diagnostics.
    public func cell(row: Int, _ column: Column) -> (kind: Kind, value: Int64) {
        let i = row * Self.columnCount + column.rawValue
        return (Kind(rawValue: kinds[i]) ?? .null, values[i])
    }
}

/// What one batch adds to one `summary_minute` row.
public struct SummaryMinuteDelta: Sendable {
    public var minute: Int64, reporter: Int64, dest: Int64, caller: Int64
    /// requests, errors, no_response, c1xx, c2xx, c3xx, c4xx, c5xx, unflagged
    public var counts: [Int64]
    public var duration: [UInt8]?
    public var upstream: [UInt8]?
    /// The longest line's duration and `request` id.
    public var slowestMs: Int64?
    public var slowestReq: Int64?

    public init(minute: Int64, reporter: Int64, dest: Int64, caller: Int64, counts: [Int64], duration: [UInt8]?, upstream: [UInt8]?,
                slowestMs: Int64? = nil, slowestReq: Int64? = nil) {
        self.slowestMs = slowestMs
        self.slowestReq = slowestReq
        self.minute = minute
        self.reporter = reporter
        self.dest = dest
        self.caller = caller
        self.counts = counts
        self.duration = duration
        self.upstream = upstream
    }
}
