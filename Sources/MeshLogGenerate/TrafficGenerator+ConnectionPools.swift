import MeshLogCore
extension TrafficGenerator {
    /// Keep-alive connection pools, so that ephemeral ports (and therefore hop join addresses) repeat as in a real mesh.
    ///
    /// Three kinds of pool exist: a caller sidecar's connections to one upstream pod (`%UPSTREAM_LOCAL_ADDRESS%` on
    /// the outbound line, `%DOWNSTREAM_REMOTE_ADDRESS%` on the inbound line), an application's connections to a
    /// service VIP (`%DOWNSTREAM_REMOTE_ADDRESS%` on the outbound line) and an inbound sidecar's connections to its
    /// local application (`127.0.0.6:<port>`). A connection serves one request at a time (HTTP/1.1); a busy pool
    /// opens a new connection on a fresh ephemeral port, and connections idle for a minute are closed. Ports are
    /// unique per source IP among open connections. Pools and port sets are flat arrays indexed by pod and service.
    struct ConnectionPools {
        private struct Connection {
            var port: Int
            var busyUntil: Int64
        }

        private static let idleTimeoutMicros: Int64 = 60_000_000
        private static let inUse = Int64.max
        private static let firstPort = 32_768
        private static let lastPort = 60_999
        private static let bitmapWords = (lastPort - firstPort + 1 + 63) / 64

        private let podCount: Int
        private let serviceCount: Int
        private var pools: [[Connection]]
        /// One bitmap of open ephemeral ports per source IP: pod IPs first, then the pods' loopback addresses.
        private var openPorts: [[UInt64]]

        init(podCount: Int, serviceCount: Int) {
            self.podCount = podCount
            self.serviceCount = serviceCount
            pools = Array(repeating: [], count: podCount * podCount + podCount * serviceCount + podCount)
            openPorts = Array(repeating: Array(repeating: 0, count: Self.bitmapWords), count: 2 * podCount)
        }

        /// The pool of a caller pod's sidecar towards one upstream pod.
        func upstreamKey(caller: Int, callee: Int) -> Int { caller * podCount + callee }
        /// The pool of a pod's application towards one service VIP.
        func appKey(pod: Int, service: Int) -> Int { podCount * podCount + pod * serviceCount + service }
        /// The pool of a pod's inbound sidecar towards its application.
        func inboundKey(pod: Int) -> Int { podCount * podCount + podCount * serviceCount + pod }
        /// The port-uniqueness owner for a pod's loopback (`127.0.0.6`) connections; pod IPs use the pod index.
        func loopbackOwner(_ pod: Int) -> Int { podCount + pod }

        /// Takes an idle connection from pool `key` at `time`, or opens one; returns its local port.
        mutating func acquire(key: Int, owner: Int, at time: Int64, rng: inout SeededRandom) -> Int {
            var chosen: Int?
            var i = 0
            while i < pools[key].count {
                let connection = pools[key][i]
                if connection.busyUntil != Self.inUse, time - connection.busyUntil > Self.idleTimeoutMicros {
                    setPort(connection.port, open: false, owner: owner)
                    pools[key].remove(at: i)
                    continue
                }
                if chosen == nil, connection.busyUntil != Self.inUse, connection.busyUntil <= time { chosen = i }
                i += 1
            }
            if let chosen {
                pools[key][chosen].busyUntil = Self.inUse
                return pools[key][chosen].port
            }
            var port = rng.nextInt(in: Self.firstPort...Self.lastPort)
            while isOpen(port, owner: owner) { port = rng.nextInt(in: Self.firstPort...Self.lastPort) }
            setPort(port, open: true, owner: owner)
            pools[key].append(Connection(port: port, busyUntil: Self.inUse))
            return port
        }

        /// Returns the connection on `port` to pool `key`; it is free again from `time`.
        mutating func release(key: Int, port: Int, at time: Int64) {
            for i in pools[key].indices where pools[key][i].port == port {
                pools[key][i].busyUntil = time
                return
            }
        }

        private func isOpen(_ port: Int, owner: Int) -> Bool {
            let bit = port - Self.firstPort
            return openPorts[owner][bit >> 6] & (1 << UInt64(bit & 63)) != 0
        }

        private mutating func setPort(_ port: Int, open: Bool, owner: Int) {
            let bit = port - Self.firstPort
            if open {
                openPorts[owner][bit >> 6] |= 1 << UInt64(bit & 63)
            } else {
                openPorts[owner][bit >> 6] &= ~(1 << UInt64(bit & 63))
            }
        }
    }
}
