import MeshLogCore
import MeshLogStore

/// Tells apart the pods of an input that names none (a log store's export of bare lines,
/// `kubectl logs -l app=…` without `--prefix`, sidecar logs concatenated) by each line's own
/// address, and names their workloads after the services they serve.
///
/// A line's own address is a sidecar's inbound line's `downstream_local` (the pod address the call
/// came in on; a waypoint's `inbound-vip|…` lines arrive on a service's address, so they say
/// nothing) or an Istio outbound line's `upstream_local` (the connection it opened). An outbound line that
/// opened no connection (UH, NR) belongs to the pod whose address is its `downstream_remote` (a
/// sidecar: the app calling out) or, failing that, its `downstream_local` (a gateway listening on
/// its own address), once that address is known to be a pod's; else it stays the input's.
///
/// While one address is seen, the input is one pod's and its lines stay under the input's name,
/// as before. From the second address on, every address is a pod named by its IP; the first keeps
/// the input's name, since its earlier lines were stored under it. Only IPv4 addresses tell pods
/// apart, so a dual-stack pod's IPv6 address is never taken for a second pod.
struct AddressReporters {
    /// Whether the input has shown one pod's address so far, or several.
    enum State: Equatable {
        /// One pod (its address, once a line showed it): every line is the input's.
        case onePod(UInt32?)
        /// Several: each line is its address's pod.
        case mixed
    }

    /// What a line says about its own pod.
    private enum OwnAddress {
        /// The address it was received on or sent from.
        case certain(UInt32)
        /// Addresses that are the pod's if they are known to be a pod's (remote first, then local).
        case ifKnown(UInt32?, UInt32?)
        case none
    }

    /// The service a pod serves, as a cluster name or an SNI names it.
    struct Service: Hashable {
        var name: String
        var namespace: String?
        var subset: String?

        /// The workload it stands for: `course-v1` (service and subset), else `course`.
        var workload: String { subset.map { "\(name)-\($0)" } ?? name }
    }

    /// What is known of one address: its pod (nil while it was only seen called), its lines, and
    /// the destination tuples that name the service it serves, with how often.
    private struct Slot {
        var address: UInt32
        var reporter: Int64?
        var lines = 0
        /// Its outbound lines arrive on its own address: a gateway, not a sidecar.
        var listener = false
        var evidence: [(destination: Int64, count: Int)] = []
    }

    private(set) var state: State = .onePod(nil)
    private let inputReporter: Int64
    private let inputName: String
    /// Registers the pod of an address (its dotted form) and returns its reporter id.
    private let register: (String) -> Int64
    private var slots: [Slot] = []
    /// Slot indexes by address: open addressing, so a line costs no `Hasher`.
    private var index = IntTable()
    /// The IPv4 address (+1; 0: none) of each interned address string seen, by dictionary id.
    private var addressOf = IntTable()
    /// Whether each destination tuple seen is a sidecar's inbound cluster (1) or not (0).
    private var sidecarInbound = IntTable()
    /// Lines of a mixed input whose own address was unknown: they stay the input's.
    private var untold = 0
    /// Lines of the first pod before a second one showed up.
    private var firstLines = 0
    /// The dictionary id of the first pod's inbound address (`downstream_local`), the common case's one compare.
    private var firstLocal: Int64 = -1
    /// The service each destination tuple that served as evidence names (nil: none).
    private var services: [Int64: Service?] = [:]

    init(inputReporter: Int64, inputName: String, register: @escaping (String) -> Int64) {
        self.inputReporter = inputReporter
        self.inputName = inputName
        self.register = register
    }

    /// The reporter of the row just encoded into `batch` (`direction` 1 inbound, 2 outbound),
    /// parsed from `record`.
    @inline(__always)
    mutating func reporter(row: Int, in batch: AccessLogBatch, direction: Int64?, downstreamLocal: Int64?,
                           record: AccessLogRecord) -> Int64 {
        if case .onePod(let first) = state {
            // The common case, one pod's file: a compare or two a line.
            firstLines += 1
            let address: UInt32
            if direction == 1 {
                guard let local = downstreamLocal, local != firstLocal,
                      isSidecarInbound(batch.cell(row: row, .destination).value, record),
                      let a = memoized((.integer, local), .downstreamLocal, record) else { return inputReporter }
                if first == nil || a == first { firstLocal = local }
                address = a
            } else if direction == 2 {
                guard let a = Self.address(row: row, batch, .upstreamLocal) else { return inputReporter }
                address = a
            } else {
                return inputReporter
            }
            guard let first else {
                state = .onePod(address)
                return inputReporter
            }
            if address == first { return inputReporter }
            state = .mixed
            let slot = self.slot(first)
            slots[slot].reporter = inputReporter
            slots[slot].lines = firstLines - 1
        }
        return mixedReporter(ownAddress(row: row, batch, direction: direction, record: record), row: row, batch,
                             direction: direction, record: record)
    }

    /// The reporter of a line of a mixed input, noting what it says about the services of pods.
    @inline(never)
    private mutating func mixedReporter(_ own: OwnAddress, row: Int, _ batch: AccessLogBatch, direction: Int64?,
                               record: AccessLogRecord) -> Int64 {
        var found: Int?
        switch own {
        case .certain(let address): found = slot(address)
        case .ifKnown(let remote, let local):
            if let remote, let i = index.find(UInt64(remote)), slots[i].reporter != nil { found = i }
            else if let local, let i = index.find(UInt64(local)), slots[i].reporter != nil { found = i }
        case .none: break
        }
        let destination = batch.cell(row: row, .destination).value
        if direction == 2, let host = memoized(batch.cell(row: row, .upstreamHost), .upstreamHost, record) {
            // The callee's address, and the cluster that names its service.
            note(destination, of: slot(host), record: record, direction: direction)
        }
        guard let i = found else {
            untold += 1
            return inputReporter
        }
        slots[i].lines += 1
        if direction == 1 { note(destination, of: i, record: record, direction: direction) }
        if direction != 1, !slots[i].listener, let local = memoized(batch.cell(row: row, .downstreamLocal), .downstreamLocal, record),
           local == slots[i].address {
            slots[i].listener = true
        }
        if let reporter = slots[i].reporter { return reporter }
        let reporter = register(Self.dotted(slots[i].address))
        slots[i].reporter = reporter
        return reporter
    }

    /// The slot of `address`, made on first sight.
    @inline(__always)
    private mutating func slot(_ address: UInt32) -> Int {
        if let i = index.find(UInt64(address)) { return i }
        slots.append(Slot(address: address))
        index.insert(UInt64(address), slots.count - 1)
        return slots.count - 1
    }

    /// Counts `destination` as naming the service of slot `i`'s pod.
    @inline(__always)
    private mutating func note(_ destination: Int64, of i: Int, record: AccessLogRecord, direction: Int64?) {
        for j in slots[i].evidence.indices where slots[i].evidence[j].destination == destination {
            slots[i].evidence[j].count += 1
            return
        }
        slots[i].evidence.append((destination, 1))
        if services[destination] == nil { services[destination] = service(record: record, direction: direction) }
    }

    /// The service the line's cluster names (an outbound one: the callee's), or for an inbound
    /// line its cluster's or SNI's (the pod's own).
    private func service(record: AccessLogRecord, direction: Int64?) -> Service? {
        var parts: ClusterName.Parts?
        if let cluster = record.value(.upstreamCluster) { parts = ClusterName.destination(cluster: String(decoding: cluster, as: UTF8.self)) }
        if parts?.service == nil, direction == 1, let sni = record.value(.serverName) {
            parts = ClusterName.destination(serverName: String(decoding: sni, as: UTF8.self))
        }
        return parts?.service.map { Service(name: $0, namespace: parts?.namespace, subset: parts?.subset) }
    }

    /// What the row says about its own pod's address.
    @inline(__always)
    private mutating func ownAddress(row: Int, _ batch: AccessLogBatch, direction: Int64?, record: AccessLogRecord) -> OwnAddress {
        switch direction {
        case 1:
            guard isSidecarInbound(batch.cell(row: row, .destination).value, record) else { return .none }
            return memoized(batch.cell(row: row, .downstreamLocal), .downstreamLocal, record).map { .certain($0) } ?? .none
        default:
            // Outbound, or a line with no cluster (NR: no route, so no upstream either).
            if direction == 2, let local = Self.address(row: row, batch, .upstreamLocal) { return .certain(local) }
            return .ifKnown(Self.address(row: row, batch, .downstreamRemote),
                            memoized(batch.cell(row: row, .downstreamLocal), .downstreamLocal, record))
        }
    }

    /// Whether the line's cluster is a sidecar's inbound one (`inbound|8080||`), whose local
    /// address is the pod's own: not a waypoint's `inbound-vip|…` (a service's address) or
    /// `inbound-pod|…` (another pod's). Once per destination tuple.
    @inline(__always)
    private mutating func isSidecarInbound(_ destination: Int64, _ record: AccessLogRecord) -> Bool {
        let key = UInt64(bitPattern: destination)
        if let known = sidecarInbound.find(key) { return known == 1 }
        let prefix: [UInt8] = Array("inbound|".utf8)
        let yes = record.value(.upstreamCluster).map { $0.starts(with: prefix) } ?? false
        sidecarInbound.insert(key, yes ? 1 : 0)
        return yes
    }

    /// The IPv4 address of an interned address cell (`downstream_local`, `upstream_host`: a
    /// dictionary id), read from `record` once per id.
    @inline(__always)
    private mutating func memoized(_ cell: (kind: AccessLogBatch.Kind, value: Int64), _ field: AccessLogField, _ record: AccessLogRecord) -> UInt32? {
        guard cell.kind == .integer else { return nil }
        let key = UInt64(bitPattern: cell.value)
        if let known = addressOf.find(key) { return known == 0 ? nil : UInt32(truncatingIfNeeded: known - 1) }
        let ip = record.value(field).flatMap(Self.ipv4)
        if addressOf.count >= 1 << 16 { addressOf = IntTable() }
        addressOf.insert(key, ip.map { Int($0) + 1 } ?? 0)
        return ip
    }

    /// The IPv4 address of a packed address cell (`ip << 16 | port`), or nil (IPv6, names, none).
    @inline(__always)
    private static func address(row: Int, _ batch: AccessLogBatch, _ column: AccessLogBatch.Column) -> UInt32? {
        let cell = batch.cell(row: row, column)
        guard cell.kind == .integer else { return nil }
        let ip = UInt32(truncatingIfNeeded: cell.value >> 16)
        // Loopback (127.0.0.6, Istio's inbound passthrough source) is nobody's own address.
        return ip >> 24 == 127 || ip == 0 ? nil : ip
    }

    /// The IPv4 address of `a.b.c.d:port` (or `a.b.c.d`), or nil (IPv6, names, loopback, `-`).
    @inline(__always)
    static func ipv4(_ text: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var ip: UInt32 = 0, part: UInt32 = 0, digits = 0, dots = 0
        for byte in text {
            if byte >= 48 && byte <= 57 {
                part = part * 10 + UInt32(byte - 48)
                digits += 1
                guard digits <= 3, part <= 255 else { return nil }
            } else if byte == 46 {
                guard digits > 0, dots < 3 else { return nil }
                ip = ip << 8 | part
                part = 0
                digits = 0
                dots += 1
            } else if byte == 58 {
                break
            } else {
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        ip = ip << 8 | part
        return ip >> 24 == 127 || ip == 0 ? nil : ip
    }

    /// The workload of pods that serve no service but receive their outbound calls on their own
    /// address (ingress and egress gateways).
    static let gatewayWorkload = "gateway"

    /// `10.244.3.13`.
    static func dotted(_ ip: UInt32) -> String {
        "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)"
    }

    /// The pods of a mixed input with the workloads they serve (nil while the input is one pod's),
    /// and what to report.
    func finish() -> (pods: [(reporter: Int64, name: String, workload: String, namespace: String?)], report: AddressPods)? {
        guard state == .mixed else { return nil }
        var pods: [(reporter: Int64, name: String, workload: String, namespace: String?)] = []
        var found: [AddressPods.Pod] = []
        for slot in slots.sorted(by: { $0.address < $1.address }) {
            guard let reporter = slot.reporter else { continue }
            var votes: [Service: Int] = [:]
            for (destination, count) in slot.evidence {
                if let service = services[destination] ?? nil { votes[service, default: 0] += count }
            }
            let service = votes.max { a, b in a.value != b.value ? a.value < b.value : a.key.workload > b.key.workload }?.key
            let ip = Self.dotted(slot.address)
            let name = reporter == inputReporter ? inputName : ip
            let gateway = service == nil && slot.listener
            let workload = service?.workload ?? (gateway ? Self.gatewayWorkload : nil)
            pods.append((reporter, name, workload ?? ip, service?.namespace))
            found.append(AddressPods.Pod(ip: ip, pod: name, workload: workload, lines: slot.lines, gateway: gateway))
        }
        return (pods, AddressPods(pods: found, untold: untold))
    }
}

/// Integers by integer key, open addressing with a multiplicative hash (no `Hasher` per lookup).
private struct IntTable {
    private var keys = [UInt64](repeating: 0, count: 64)
    /// Value + 1 (0: empty).
    private var values = [Int](repeating: 0, count: 64)
    private(set) var count = 0

    @inline(__always)
    private func bucket(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask }

    @inline(__always)
    func find(_ key: UInt64) -> Int? {
        let mask = keys.count - 1
        var i = bucket(key, mask)
        while values[i] != 0 {
            if keys[i] == key { return values[i] - 1 }
            i = (i + 1) & mask
        }
        return nil
    }

    mutating func insert(_ key: UInt64, _ value: Int) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = bucket(key, mask)
        while values[i] != 0 { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value + 1
        count += 1
    }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.1 != 0 }
        keys = [UInt64](repeating: 0, count: keys.count * 2)
        values = [Int](repeating: 0, count: keys.count)
        count = 0
        for (key, value) in old { insert(key, value - 1) }
    }
}
