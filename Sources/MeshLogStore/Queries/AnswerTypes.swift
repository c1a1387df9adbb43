/// Which lines of a hop a breakdown counts.
///
/// Istio logs every hop twice: the caller's sidecar writes an outbound line and the callee's
/// sidecar an inbound line, with the same request id. ``hop`` counts each hop once.
public enum TrafficSide: String, CaseIterable, Sendable {
    /// Each hop once: every outbound line (and every line whose direction is unknown), plus the
    /// inbound lines that no outbound line of the same request came from (requests from outside
    /// the mesh, or from a caller without a sidecar).
    case hop
    /// Only lines written by the callee's sidecar.
    case inbound
    /// Only lines written by the caller's sidecar (or a gateway).
    case outbound
    /// Every line: a hop logged by both sides counts twice.
    case both
}

/// What an answer looks at: a window of start times and optionally some destination services.
public struct AnswerFilter: Sendable, Equatable {
    /// Lines that started at or after this time (µs since the epoch); nil: no lower bound.
    public var sinceMicros: Int64?
    /// Lines that started before this time (µs since the epoch); nil: no upper bound.
    public var untilMicros: Int64?
    /// Only lines whose destination service is one of these names; nil: every service.
    public var services: [String]?
    /// Read every line instead of the summary tables, even where the summaries could answer.
    public var exact: Bool
    /// Count failures Envoy injected on purpose (`FI` aborts, `DI` delays) as errors; by default they
    /// are counted apart (``AnswerQueries/isInjected(_:)``).
    public var includeInjected: Bool

    public init(sinceMicros: Int64? = nil, untilMicros: Int64? = nil, services: [String]? = nil, exact: Bool = false,
                includeInjected: Bool = false) {
        self.sinceMicros = sinceMicros
        self.untilMicros = untilMicros
        self.services = services
        self.exact = exact
        self.includeInjected = includeInjected
    }
}

/// A column a status breakdown can group by.
public enum GroupKey: String, CaseIterable, Sendable {
    /// The caller's workload (its pod name less the ReplicaSet hash and pod suffix); `(outside mesh)`
    /// for inbound lines whose caller logged nothing.
    case source
    /// The destination service (from the cluster name, SNI or authority).
    case service
    /// The destination subset (DestinationRule subset, e.g. `v2`).
    case subset
    /// The route template (`/courses/{id}`).
    case route
    /// The pod (file) that wrote the line.
    case reporter
    /// One Envoy response flag (a line with `UF,URX` counts under both); `-` for none.
    case flag
    /// The HTTP status code (0: no response was sent).
    case code
    /// The start of the minute the request started in (µs since the epoch).
    case minute
    /// The start of the hour the request started in (µs since the epoch).
    case hour
    /// How the call arrived: on inbound lines `mTLS` (the SNI is Istio's `outbound_.PORT_.SUBSET_.HOST`,
    /// or the caller presented a verified `spiffe://` certificate, ``PeerIdentity``), `plaintext` (no
    /// SNI, no peer identity) or `TLS, other SNI`; on outbound lines `TLS failure: REASON` when the
    /// upstream connection's TLS failed, else `outbound`. Read from the lines (the summaries keep no SNI).
    case tls
    /// The caller's SPIFFE identity on inbound lines (`%DOWNSTREAM_PEER_URI_SAN%`, ``PeerIdentity``),
    /// ``CallerIdentity/none`` when the line has none; ``CallerIdentity/outbound`` on outbound lines.
    /// Read from the lines.
    case identity

    /// Whether the key is stored as a `dict` id in `log_entry`.
    var isDictionaryID: Bool {
        switch self {
        case .service, .subset, .route, .reporter: true
        default: false
        }
    }
}

/// One group of a status breakdown, with its key values resolved to names.
public struct StatusGroup: Sendable, Equatable {
    /// The group's key values, by key: text for names and flags, integers for codes and time
    /// buckets (µs), NULL when the line does not say (e.g. no subset).
    public var keys: [GroupKey: SQLValue]
    /// Lines (hops) in the group.
    public var requests: Int
    /// Lines with status 5xx or 0 (no response), less those Envoy injected unless the filter includes them.
    public var errors: Int
    /// Lines per status class: index 1 is 1xx … index 5 is 5xx; index 0 counts status 0.
    public var classes: [Int]
    /// Lines that carry no response flag.
    public var unflagged: Int
    /// Lines with a fault Envoy injected on purpose (`FI` abort or `DI` delay), whatever their status.
    public var injected: Int

    public init(keys: [GroupKey: SQLValue], requests: Int, errors: Int, classes: [Int], unflagged: Int, injected: Int = 0) {
        self.keys = keys
        self.requests = requests
        self.errors = errors
        self.classes = classes
        self.unflagged = unflagged
        self.injected = injected
    }
}

/// The groups of a status breakdown and the number of requests they are shares of.
public struct StatusResult: Sendable {
    public var groups: [StatusGroup]
    /// Requests matching the filter (with `flag` grouping, a line can be in several groups).
    public var total: Int

    public init(groups: [StatusGroup], total: Int) {
        self.groups = groups
        self.total = total
    }
}

/// Exact percentiles of one measure over a group of hops, in milliseconds; nil when no hop had a value.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var max: Double?

    public init(p50: Double?, p90: Double?, p99: Double?, max: Double?) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }
}

/// One caller→callee edge with its latency split (see `AnswerReader.hopStats`).
public struct HopStats: Sendable {
    /// The caller's workload, or `(outside mesh)`.
    public var source: String
    /// The destination service, if known.
    public var service: String?
    /// The destination subset, if any.
    public var subset: String?
    public var requests: Int
    /// Hops with status 5xx or 0, less those Envoy injected unless the filter includes them.
    public var errors: Int
    /// Hops with a fault Envoy injected on purpose (`FI` abort or `DI` delay), whatever their status.
    public var injected: Int = 0
    /// Hops whose callee's inbound line was found.
    public var matched: Int
    /// The caller sidecar's duration (outbound line).
    public var client: LatencySummary
    /// The callee sidecar's duration (its inbound line for the same hop).
    public var server: LatencySummary
    /// Client minus server duration, per hop: both sidecars, mTLS and the network.
    public var overhead: LatencySummary
    /// The upstream service time the callee's sidecar reported: the application's own time.
    public var upstream: LatencySummary
    /// The response flag combinations on the edge with their counts, most frequent first.
    public var flags: [(flags: String, count: Int)]

    public init(source: String, service: String?, subset: String?, requests: Int, errors: Int, matched: Int,
                client: LatencySummary, server: LatencySummary, overhead: LatencySummary, upstream: LatencySummary,
                flags: [(flags: String, count: Int)]) {
        self.source = source
        self.service = service
        self.subset = subset
        self.requests = requests
        self.errors = errors
        self.matched = matched
        self.client = client
        self.server = server
        self.overhead = overhead
        self.upstream = upstream
        self.flags = flags
    }
}

/// One time bucket of a timeline.
public struct TimelineBucket: Sendable, Equatable {
    /// Start of the bucket, µs since the epoch.
    public var startMicros: Int64
    public var requests: Int
    public var errors: Int
    /// Exact 99th percentile of the lines' durations (ms); nil for an empty bucket.
    public var p99: Double?

    public init(startMicros: Int64, requests: Int, errors: Int, p99: Double?) {
        self.startMicros = startMicros
        self.requests = requests
        self.errors = errors
        self.p99 = p99
    }
}

/// One stored access-log line with its names resolved.
public struct StoredLine: Sendable, Equatable {
    public var id: Int64
    /// The pod (file) that wrote the line, and its workload.
    public var reporter: String?
    public var workload: String?
    /// 1 inbound, 2 outbound, nil unknown.
    public var direction: Int?
    public var method: String?
    public var path: String?
    public var route: String?
    public var status: Int?
    /// `UF,URX`; nil when there are none.
    public var flags: String?
    public var service: String?
    public var subset: String?
    public var startMicros: Int64?
    public var durationMs: Int64?
    public var upstreamMs: Int64?
    /// `ip:port` as stored (integer-packed or text); compare them with `==`.
    public var upstreamLocal: SQLValue
    public var downstreamRemote: SQLValue

    public init(id: Int64, reporter: String?, workload: String?, direction: Int?, method: String?, path: String?,
                route: String?, status: Int?, flags: String?, service: String?, subset: String?, startMicros: Int64?,
                durationMs: Int64?, upstreamMs: Int64?, upstreamLocal: SQLValue, downstreamRemote: SQLValue) {
        self.id = id
        self.reporter = reporter
        self.workload = workload
        self.direction = direction
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.flags = flags
        self.service = service
        self.subset = subset
        self.startMicros = startMicros
        self.durationMs = durationMs
        self.upstreamMs = upstreamMs
        self.upstreamLocal = upstreamLocal
        self.downstreamRemote = downstreamRemote
    }

    /// When the line was written (start plus duration), µs.
    public var endMicros: Int64? {
        guard let startMicros else { return nil }
        return startMicros + (durationMs ?? 0) * 1000
    }
}

/// One slow request: its request id, the edge-most line that timed it, and every line it caused.
public struct SlowRequest: Sendable {
    /// The request id as text (a UUID, or whatever the log carried).
    public var requestID: String
    /// The line closest to the edge (earliest start, then longest).
    public var edge: StoredLine
    /// Every line with this request id, by start time.
    public var lines: [StoredLine]

    public init(requestID: String, edge: StoredLine, lines: [StoredLine]) {
        self.requestID = requestID
        self.edge = edge
        self.lines = lines
    }
}

/// One edge of the service graph, as seen by the caller.
public struct GraphEdgeRow: Sendable, Equatable {
    public var source: String
    public var service: String?
    public var subset: String?
    public var requests: Int
    public var errors: Int
    /// Exact p99 of the caller-side duration (the callee's, for requests from outside the mesh).
    public var p99: Double?

    public init(source: String, service: String?, subset: String?, requests: Int, errors: Int, p99: Double?) {
        self.source = source
        self.service = service
        self.subset = subset
        self.requests = requests
        self.errors = errors
        self.p99 = p99
    }
}

/// The result of a statement run by name (`meshlog query`).
public struct StatementResult: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}
