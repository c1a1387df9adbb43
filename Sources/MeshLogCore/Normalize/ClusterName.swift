import Foundation

/// The parts of an Istio cluster name such as `outbound|8080|v2|course.lms.svc.cluster.local`.
public struct ClusterName: Equatable, Sendable {
    /// Which way traffic flows through the sidecar that logged the line.
    public enum Direction: Int, Sendable, CustomStringConvertible {
        case unknown = 0, inbound = 1, outbound = 2

        public var description: String {
            switch self {
            case .unknown: "unknown"
            case .inbound: "inbound"
            case .outbound: "outbound"
            }
        }
    }

    public var direction: Direction
    public var port: Int?
    public var subset: String?
    /// The short service name (`course`).
    public var service: String?
    public var namespace: String?

    /// Parses a cluster name; names that are not Istio's (`PassthroughCluster`, `-`) give unknown parts.
    public init(_ name: String) {
        direction = .unknown
        port = nil
        subset = nil
        service = nil
        namespace = nil
        let parts = name.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            if name.hasPrefix("InboundPassthrough") { direction = .inbound }
            if name == "PassthroughCluster" || name == "BlackHoleCluster" { direction = .outbound }
            return
        }
        switch parts[0] {
        case "inbound", "inbound-vip": direction = .inbound
        case "outbound": direction = .outbound
        default: break
        }
        port = Int(parts[1])
        if parts.count > 2, !parts[2].isEmpty {
            // Older inbound names carry the port name (`http`) where outbound carries the subset.
            if direction == .outbound { subset = String(parts[2]) }
        }
        if parts.count > 3, !parts[3].isEmpty {
            let host = ClusterName.serviceHost(String(parts[3]))
            service = host.service
            namespace = host.namespace
        }
    }

    /// Splits `course.lms.svc.cluster.local` (or `course.lms`, `course:8080`) into service and namespace.
    public static func serviceHost(_ host: String) -> (service: String?, namespace: String?) {
        var h = Substring(host)
        if h.hasPrefix("[") { return (nil, nil) }
        if let colon = h.lastIndex(of: ":") { h = h[..<colon] }
        if h.isEmpty || h == "-" { return (nil, nil) }
        if h.first?.isNumber == true, h.allSatisfy({ $0.isNumber || $0 == "." }) { return (nil, nil) }
        let labels = h.split(separator: ".")
        guard let first = labels.first else { return (nil, nil) }
        let ns = labels.count > 1 && labels[1] != "svc" ? String(labels[1]) : nil
        return (String(first), ns)
    }

    /// Reads the destination from an inbound SNI in Istio's DNS-SRV form
    /// `outbound_.8080_.v2_.course.lms.svc.cluster.local` (`_._` when there is no subset).
    public static func fromServerName(_ sni: String) -> (service: String?, namespace: String?, subset: String?, port: Int?)? {
        guard sni.hasPrefix("outbound_.") || sni.hasPrefix("inbound_.") else { return nil }
        let parts = sni.components(separatedBy: "_.")
        // ["outbound", "8080", "v2" or "", "course.lms.svc.cluster.local"]
        guard parts.count == 4 else { return nil }
        let port = Int(parts[1])
        let subset = parts[2].isEmpty ? nil : parts[2]
        let host = serviceHost(parts[3])
        return (host.service, host.namespace, subset, port)
    }
}

extension ClusterName {
    /// What a cluster name, SNI or authority says about a request's destination.
    public struct Parts: Sendable, Equatable {
        public var direction: Direction
        public var service: String?
        public var namespace: String?
        public var subset: String?
    }

    /// Destination from a cluster name (direction, service, namespace, subset).
    public static func destination(cluster: String) -> Parts? {
        let c = ClusterName(cluster)
        return Parts(direction: c.direction, service: c.service, namespace: c.namespace, subset: c.subset)
    }

    /// Destination from an inbound SNI, or nil when it is not Istio's DNS-SRV form.
    public static func destination(serverName: String) -> Parts? {
        guard let s = fromServerName(serverName) else { return nil }
        return Parts(direction: .unknown, service: s.service, namespace: s.namespace, subset: s.subset)
    }

    /// Destination from an authority (`course.lms.svc.cluster.local:8080`, `course:8080`), or nil for IPs.
    public static func destination(host: String) -> Parts? {
        // Only in-mesh names: `course`, `course.lms`, `course.lms.svc…`; not `learn.example.com`.
        let name = host.split(separator: ":").first.map(String.init) ?? host
        let labels = name.split(separator: ".")
        guard labels.count <= 2 || labels.dropFirst().contains("svc") else { return nil }
        let h = serviceHost(host)
        guard let service = h.service else { return nil }
        return Parts(direction: .unknown, service: service, namespace: h.namespace, subset: nil)
    }
}
