#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MeshLogStore

extension TraceLogLine {
    public var endUs: Int64 { startUs + durationMs * 1000 }
    /// `GET /users/{id}` (the route template when known).
    public var operation: String { "\(method) \(route ?? path)" }
    /// The IP part of an `ip:port` address.
    static func ip(_ address: String?) -> String? {
        guard let address, let colon = address.lastIndex(of: ":") else { return address }
        return String(address[..<colon])
    }
    /// Identifies the pod whose sidecar wrote the line: the reporter plus the pod IP (inbound: the local address;
    /// outbound: the sidecar's upstream connection address, else the app's address).
    var podKey: String {
        let ip = inbound ? Self.ip(downstreamLocal) : (Self.ip(upstreamLocal) ?? Self.ip(downstreamRemote))
        return reporter + "|" + (ip ?? "")
    }
    var isError: Bool { status >= 500 || status == 0 }
}

extension TraceSpan {
    /// A JSON string attribute (tags are flattened to strings at ingest).
    func attribute(_ key: String) -> String? {
        // Byte search (no Foundation, no copy): rendering looks this up on every span of large traces.
        guard var attributes else { return nil }
        let needle = Array("\"\(key)\":\"".utf8)
        return attributes.withUTF8 { hay -> String? in
            guard hay.count >= needle.count, let first = needle.first else { return nil }
            var i = 0
            while i + needle.count <= hay.count {
                if hay[i] == first, needle.withUnsafeBufferPointer({ n in memcmp(hay.baseAddress! + i, n.baseAddress!, n.count) == 0 }) {
                    var out: [UInt8] = []
                    var j = i + needle.count
                    var escaped = false
                    while j < hay.count {
                        let c = hay[j]
                        if escaped { out.append(c); escaped = false } else if c == 92 { escaped = true } else if c == 34 { break } else { out.append(c) }
                        j += 1
                    }
                    return String(decoding: out, as: UTF8.self)
                }
                i += 1
            }
            return nil
        }
    }
}

/// One row of a reconstructed request: a hop, an attempt, a span, or a merged span and access-log line.
public struct TraceNode: Sendable {
    /// What the row stands for.
    public enum Kind: String, Sendable {
        /// A call rebuilt from access logs: the caller's outbound line with the callee's inbound line(s).
        case hop
        /// One upstream attempt of a retried hop (one inbound line).
        case attempt
        /// An inbound line whose caller did not log (the edge, or a caller outside the store).
        case inbound
        /// A span (possibly merged with its access-log line).
        case span
    }

    public var kind: Kind
    public var service: String
    /// The caller (for hops) or the span kind (for spans).
    public var caller: String?
    public var operation: String
    public var startUs: Int64
    public var durationUs: Int64
    /// `200`, `503`, `ok`, `error`, `unset`.
    public var status: String
    public var isError: Bool
    /// Envoy response flags, comma-separated; empty for none.
    public var flags: String
    /// Client-side (outbound line / CLIENT span) duration.
    public var clientUs: Int64?
    /// Server-side (inbound line / SERVER span) duration.
    public var serverUs: Int64?
    /// `x-envoy-upstream-service-time`.
    public var upstreamUs: Int64?
    /// Inbound lines seen for this hop (attempts that reached the application).
    public var inboundLines: Int = 0
    /// 1-based attempt number for attempt rows.
    public var attempt: Int?
    public var spanID: String?
    public var parentSpanID: String?
    public var spanKind: String?
    public var shared = false
    public var requestID: String?
    /// Access-log rows merged into this row (`access_log.id`).
    public var logLines: [Int64] = []
    /// How far the clock-skew adjuster moved this row (and its subtree); 0 when untouched.
    public var skewUs: Int64 = 0
    public var critical = false
    /// Other remarks: `orphan: parent … not found`, `duplicate span removed`.
    public var notes: [String] = []
    public var parent: Int?
    public var children: [Int] = []

    public init(kind: Kind, service: String, caller: String? = nil, operation: String, startUs: Int64,
                durationUs: Int64, status: String, isError: Bool, flags: String = "") {
        self.kind = kind
        self.service = service
        self.caller = caller
        self.operation = operation
        self.startUs = startUs
        self.durationUs = durationUs
        self.status = status
        self.isError = isError
        self.flags = flags
    }

    public var endUs: Int64 { startUs + durationUs }
    /// Client minus server duration: network, mTLS and both sidecars.
    public var overheadUs: Int64? {
        guard let c = clientUs, let s = serverUs else { return nil }
        return c - s
    }
}

/// A request or trace as a tree of ``TraceNode``s (flat storage: `nodes[i].children` hold indexes).
public struct TraceTree: Sendable {
    /// The tree with each node's access-log line ids replaced through `map` (ids missing from it kept):
    /// a ClickHouse store's copy numbers lines its own way, and shows the ids of the store's view.
    public func mappingLineIDs(_ map: [Int64: Int64]) -> TraceTree {
        guard !map.isEmpty else { return self }
        var tree = self
        for i in tree.nodes.indices { tree.nodes[i].logLines = tree.nodes[i].logLines.map { map[$0] ?? $0 } }
        return tree
    }

    public var nodes: [TraceNode] = []
    public var roots: [Int] = []
    public var traceIDs: [String] = []
    public var requestIDs: [String] = []
    /// Where the tree came from: `spans`, `access logs`, or `spans + access logs`.
    public var basis = ""
    /// Adjusters that changed something, with what they did.
    public var adjustments: [String] = []

    public init() {}

    @discardableResult
    public mutating func add(_ node: TraceNode, parent: Int?) -> Int {
        var node = node
        node.parent = parent
        let index = nodes.count
        nodes.append(node)
        if let parent { nodes[parent].children.append(index) } else { roots.append(index) }
        return index
    }

    /// Earliest start of all rows.
    public var startUs: Int64 { nodes.map(\.startUs).min() ?? 0 }
    /// Latest end of all rows.
    public var endUs: Int64 { nodes.map(\.endUs).max() ?? 0 }

    /// Visits rows in pre-order with their depth.
    public func forEachPreOrder(_ body: (Int, Int) throws -> Void) rethrows {
        var stack: [(Int, Int)] = roots.reversed().map { ($0, 0) }
        while let (i, d) = stack.popLast() {
            try body(i, d)
            for c in nodes[i].children.reversed() { stack.append((c, d + 1)) }
        }
    }
}
