import MeshLogCore
import MeshLogStore

/// Tells apart the pods of an input that names none (a log store's export of bare lines,
/// `kubectl logs -l app=…` without `--prefix`, sidecar logs concatenated) by each line's own
/// address, and names their workloads after the services they serve.
///
/// A line's own address is an inbound line's `downstream_local` (the pod address the call came in
/// on) or an outbound line's `upstream_local` (the connection it opened). An outbound line that
/// opened no connection (UH, NR) belongs to the pod whose address is its `downstream_remote` (a
/// sidecar: the app calling out) or, failing that, its `downstream_local` (a gateway listening on
/// its own address), once that address is known to be a pod's; else it stays the input's.
///
/// While one address is seen, the input is one pod's and its lines stay under the input's name,
/// as before. From the second address on, every address is a pod named by its IP; the first keeps
/// the input's name, since its earlier lines were stored under it. Only IPv4 addresses tell pods
/// apart, so a dual-stack pod's IPv6 address is never taken for a second pod.
final class AddressReporters {
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

    private(set) var state: State = .onePod(nil)
    private let inputReporter: Int64
    private let inputName: String
    /// Registers the pod of an address (its dotted form) and returns its reporter id.
    private let register: (String) -> Int64
    /// Each pod's reporter, by address (mixed inputs).
    private var reporters: [UInt32: Int64] = [:]
    private var lines: [UInt32: Int] = [:]
    /// Lines of a mixed input whose own address was unknown: they stay the input's.
    private var untold = 0
    /// Lines of the first pod before a second one showed up.
    private var firstLines = 0
    /// Which services each address was seen serving, and how often.
    private var evidence: [UInt32: [Service: Int]] = [:]
    /// What each destination tuple says about the service of the pod it names (memo).
    private var services: [Int64: Service?] = [:]
    /// Pods whose outbound lines arrive on their own address: gateways, not sidecars.
    private var listeners: Set<UInt32> = []

    init(inputReporter: Int64, inputName: String, register: @escaping (String) -> Int64) {
        self.inputReporter = inputReporter
        self.inputName = inputName
        self.register = register
    }

    /// The reporter of the row just encoded into `batch` (`direction` 1 inbound, 2 outbound),
    /// parsed from `record`.
    @inline(__always)
    func reporter(row: Int, in batch: AccessLogBatch, direction: Int64?, record: AccessLogRecord) -> Int64 {
        let own = Self.ownAddress(row: row, batch, direction: direction, record: record)
        if case .onePod(let first) = state {
            firstLines += 1
            guard case .certain(let address) = own else { return inputReporter }
            guard let first else {
                state = .onePod(address)
                return inputReporter
            }
            if address == first { return inputReporter }
            state = .mixed
            reporters[first] = inputReporter
            lines[first] = firstLines - 1
        }
        return mixedReporter(own, row: row, batch, direction: direction, record: record)
    }

    /// The reporter of a line of a mixed input, noting what it says about the services of pods.
    private func mixedReporter(_ own: OwnAddress, row: Int, _ batch: AccessLogBatch, direction: Int64?,
                               record: AccessLogRecord) -> Int64 {
        var address: UInt32?
        switch own {
        case .certain(let a): address = a
        case .ifKnown(let remote, let local):
            if let remote, reporters[remote] != nil { address = remote } else if let local, reporters[local] != nil { address = local }
        case .none: break
        }
        let service = self.service(of: batch.cell(row: row, .destination).value, record: record, direction: direction)
        if direction == 2 {
            // The callee's address and the service the cluster names.
            if let service, let host = record.value(.upstreamHost).flatMap(Self.ipv4) { evidence[host, default: [:]][service, default: 0] += 1 }
        }
        guard let address else {
            untold += 1
            return inputReporter
        }
        lines[address, default: 0] += 1
        if direction == 1, let service { evidence[address, default: [:]][service, default: 0] += 1 }
        if direction != 1, let local = record.value(.downstreamLocal).flatMap(Self.ipv4), local == address { listeners.insert(address) }
        if let reporter = reporters[address] { return reporter }
        let reporter = register(Self.dotted(address))
        reporters[address] = reporter
        return reporter
    }

    /// The service a destination tuple names: an outbound cluster's (the callee's), an inbound
    /// cluster's or SNI's (the pod's own).
    private func service(of destination: Int64, record: AccessLogRecord, direction: Int64?) -> Service? {
        if let known = services[destination] { return known }
        var parts: ClusterName.Parts?
        if let cluster = record.value(.upstreamCluster) { parts = ClusterName.destination(cluster: String(decoding: cluster, as: UTF8.self)) }
        if parts?.service == nil, direction == 1, let sni = record.value(.serverName) {
            parts = ClusterName.destination(serverName: String(decoding: sni, as: UTF8.self))
        }
        let service = parts?.service.map { Service(name: $0, namespace: parts?.namespace, subset: parts?.subset) }
        services[destination] = service
        return service
    }

    /// What the row says about its own pod's address.
    @inline(__always)
    private static func ownAddress(row: Int, _ batch: AccessLogBatch, direction: Int64?, record: AccessLogRecord) -> OwnAddress {
        switch direction {
        case 1:
            return record.value(.downstreamLocal).flatMap(ipv4).map { .certain($0) } ?? .none
        default:
            // Outbound, or a line with no cluster (NR: no route, so no upstream either).
            if direction == 2, let local = address(row: row, batch, .upstreamLocal) { return .certain(local) }
            return .ifKnown(address(row: row, batch, .downstreamRemote), record.value(.downstreamLocal).flatMap(ipv4))
        }
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
        for (address, reporter) in reporters.sorted(by: { $0.key < $1.key }) {
            let ip = Self.dotted(address)
            let service = evidence[address]?.max { a, b in a.value != b.value ? a.value < b.value : a.key.workload > b.key.workload }?.key
            let name = reporter == inputReporter ? inputName : ip
            let gateway = service == nil && listeners.contains(address)
            pods.append((reporter, name, service?.workload ?? (gateway ? Self.gatewayWorkload : ip), service?.namespace))
            found.append(AddressPods.Pod(ip: ip, pod: name, workload: service?.workload ?? (gateway ? Self.gatewayWorkload : nil),
                                         lines: lines[address] ?? 0,
                                         gateway: gateway))
        }
        return (pods, AddressPods(pods: found, untold: untold))
    }
}
