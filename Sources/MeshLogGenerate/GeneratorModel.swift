import MeshLogCore
/// A `MeshTopology` compiled into index-based tables for fast simulation (internal to `TrafficGenerator`).
///
/// Pods, versions, services and operations are classes so that the hot path copies one reference, not a dozen strings.
struct GeneratorModel {
    /// A path or query template piece.
    enum TemplatePart {
        case literal(String)
        case course, lesson, user, payment, certificate, enrollment, page, term
    }

    final class Pod {
        let name: String
        let namespace: String
        let workload: String
        let ip: String

        init(name: String, namespace: String, workload: String, ip: String) {
            self.name = name
            self.namespace = namespace
            self.workload = workload
            self.ip = ip
        }
    }

    final class Version {
        let subset: String
        let workload: String
        let pods: [Int]
        let latency: MeshTopology.LatencyProfile
        let serverErrorRate: Double
        let unavailableRate: Double
        /// `outbound|<port>|<subset or empty>|<fqdn>`.
        let outboundCluster: String
        /// `outbound_.<port>_.<subset>_.<fqdn>` (Istio's DNS-SRV subset key), the SNI on inbound lines.
        let serverName: String

        init(
            subset: String, workload: String, pods: [Int], latency: MeshTopology.LatencyProfile,
            serverErrorRate: Double, unavailableRate: Double, outboundCluster: String, serverName: String
        ) {
            self.subset = subset
            self.workload = workload
            self.pods = pods
            self.latency = latency
            self.serverErrorRate = serverErrorRate
            self.unavailableRate = unavailableRate
            self.outboundCluster = outboundCluster
            self.serverName = serverName
        }
    }

    final class Service {
        let name: String
        let namespace: String
        let fqdn: String
        let serviceAddress: GeneratedAddress
        let port: Int
        let targetPort: Int
        let authority: String
        let versions: [Version]
        let versionWeights: [Double]
        let retryAttempts: Int
        let timeoutMicros: Int64
        let failures: MeshTopology.FailureRates
        let faults: MeshTopology.FaultInjection
        let clientUserAgent: String
        /// `inbound|<targetPort>||` (Istio ≥ 1.10).
        let inboundCluster: String
        /// `inbound|<port>|http|<fqdn>` (Istio ≤ 1.9).
        let legacyInboundCluster: String
        /// Whether this is the service the gateway routes to (its errors become 502 for the browser).
        let isEdgeService: Bool

        init(
            name: String, namespace: String, fqdn: String, serviceAddress: GeneratedAddress, port: Int,
            targetPort: Int, authority: String, versions: [Version], versionWeights: [Double], retryAttempts: Int,
            timeoutMicros: Int64, failures: MeshTopology.FailureRates, faults: MeshTopology.FaultInjection,
            clientUserAgent: String, inboundCluster: String, legacyInboundCluster: String, isEdgeService: Bool
        ) {
            self.name = name
            self.namespace = namespace
            self.fqdn = fqdn
            self.serviceAddress = serviceAddress
            self.port = port
            self.targetPort = targetPort
            self.authority = authority
            self.versions = versions
            self.versionWeights = versionWeights
            self.retryAttempts = retryAttempts
            self.timeoutMicros = timeoutMicros
            self.failures = failures
            self.faults = faults
            self.clientUserAgent = clientUserAgent
            self.inboundCluster = inboundCluster
            self.legacyInboundCluster = legacyInboundCluster
            self.isEdgeService = isEdgeService
        }
    }

    struct Call {
        let operation: Int
        let probability: Double
        let critical: Bool
    }

    final class Operation {
        let service: Int
        let method: String
        let path: [TemplatePart]
        let queries: [[TemplatePart]]
        let queryProbability: Double
        let routeTemplate: String
        let requestBytes: ClosedRange<Int>
        let responseBytesMedian: Int
        let selfTimeScale: Double
        let successStatus: Int
        let clientErrorRate: Double
        let clientErrorStatus: Int
        let fanOut: MeshTopology.FanOut
        let calls: [Call]

        init(
            service: Int, method: String, path: [TemplatePart], queries: [[TemplatePart]], queryProbability: Double,
            routeTemplate: String, requestBytes: ClosedRange<Int>, responseBytesMedian: Int, selfTimeScale: Double,
            successStatus: Int, clientErrorRate: Double, clientErrorStatus: Int, fanOut: MeshTopology.FanOut,
            calls: [Call]
        ) {
            self.service = service
            self.method = method
            self.path = path
            self.queries = queries
            self.queryProbability = queryProbability
            self.routeTemplate = routeTemplate
            self.requestBytes = requestBytes
            self.responseBytesMedian = responseBytesMedian
            self.selfTimeScale = selfTimeScale
            self.successStatus = successStatus
            self.clientErrorRate = clientErrorRate
            self.clientErrorStatus = clientErrorStatus
            self.fanOut = fanOut
            self.calls = calls
        }
    }

    let pods: [Pod]
    let gatewayPods: [Int]
    let services: [Service]
    let operations: [Operation]
    let entryOperations: [Int]
    let entryWeights: [Double]
    let edgeService: Int
    let expectedLinesPerRequest: Double

    let clientAddresses: [String]
    let clientUserAgents: [String]
    let clientUserAgentIndex: [Int]
    let scannerUserAgents: [String]

    let courseIDs: [String]
    let lessonIDs: [String]
    let userIDs: [String]
    let paymentIDs: [String]
    let certificateIDs: [String]
    let enrollmentIDs: [String]
    let pageNumbers: [String]
    let searchTerms: [String]

    init(_ topology: MeshTopology) {
        var pods: [Pod] = []
        var podIndex: [String: Int] = [:]
        func addPod(_ pod: MeshTopology.Pod) -> Int {
            if let existing = podIndex[pod.name] { return existing }
            pods.append(Pod(name: pod.name, namespace: pod.namespace, workload: pod.workload, ip: pod.ip))
            podIndex[pod.name] = pods.count - 1
            return pods.count - 1
        }
        gatewayPods = topology.gateway.pods.map(addPod)

        var services: [Service] = []
        var operationKeys: [String: Int] = [:]
        var pendingOperations: [(service: Int, op: MeshTopology.Operation)] = []
        for (serviceIndex, service) in topology.services.enumerated() {
            let fqdn = service.fqdn(clusterDomain: topology.clusterDomain)
            let versions = service.versions.map { version -> Version in
                let subset = service.usesSubsets ? version.subset : ""
                return Version(
                    subset: version.subset, workload: version.workload, pods: version.pods.map(addPod),
                    latency: version.latency, serverErrorRate: version.serverErrorRate, unavailableRate: version.unavailableRate,
                    outboundCluster: "outbound|\(service.port)|\(subset)|\(fqdn)",
                    serverName: "outbound_.\(service.port)_.\(subset)_.\(fqdn)"
                )
            }
            var cumulative: [Double] = []
            var total = 0.0
            for version in service.versions {
                total += max(0, version.weight)
                cumulative.append(total)
            }
            services.append(Service(
                name: service.name, namespace: service.namespace, fqdn: fqdn,
                serviceAddress: GeneratedAddress(ip: service.clusterIP, port: service.port),
                port: service.port, targetPort: service.targetPort, authority: service.authority,
                versions: versions, versionWeights: cumulative, retryAttempts: max(0, service.retryAttempts),
                timeoutMicros: service.timeoutMicros, failures: service.failures, faults: service.faults,
                clientUserAgent: service.clientUserAgent,
                inboundCluster: "inbound|\(service.targetPort)||",
                legacyInboundCluster: "inbound|\(service.port)|http|\(fqdn)",
                isEdgeService: service.name == topology.gateway.upstreamService
            ))
            for op in service.operations {
                operationKeys["\(service.name).\(op.name)"] = pendingOperations.count
                pendingOperations.append((serviceIndex, op))
            }
        }
        self.pods = pods
        self.services = services
        edgeService = services.firstIndex { $0.isEdgeService } ?? 0

        let compiledOperations = pendingOperations.map { entry in
            let op = entry.op
            let path = GeneratorModel.parseTemplate(op.path)
            return Operation(
                service: entry.service, method: op.method, path: path,
                queries: op.queries.map(GeneratorModel.parseTemplate), queryProbability: op.queryProbability,
                routeTemplate: GeneratorModel.routeTemplate(path), requestBytes: op.requestBytes,
                responseBytesMedian: op.responseBytesMedian, selfTimeScale: op.selfTimeScale, successStatus: op.successStatus,
                clientErrorRate: op.clientErrorRate, clientErrorStatus: op.clientErrorStatus, fanOut: op.fanOut,
                calls: op.calls.compactMap { call in
                    operationKeys[call.target].map { Call(operation: $0, probability: call.probability, critical: call.critical) }
                }
            )
        }
        operations = compiledOperations

        var entries: [Int] = []
        var weights: [Double] = []
        var total = 0.0
        for entry in topology.entryOperations {
            guard let op = operationKeys[entry.target] else { continue }
            entries.append(op)
            total += max(0, entry.weight)
            weights.append(total)
        }
        entryOperations = entries
        entryWeights = weights

        // Expected lines per routed request: two per hop (outbound + inbound), children weighted by probability.
        var memo: [Int: Double] = [:]
        func expected(_ op: Int, depth: Int) -> Double {
            if let known = memo[op] { return known }
            guard depth < 16 else { return 2 }
            let value = 2 + compiledOperations[op].calls.reduce(0.0) { $0 + $1.probability * expected($1.operation, depth: depth + 1) }
            memo[op] = value
            return value
        }
        var routed = 0.0
        for (i, op) in entries.enumerated() {
            let weight = weights[i] - (i > 0 ? weights[i - 1] : 0)
            routed += weight * expected(op, depth: 0)
        }
        routed = total > 0 ? routed / total : 2
        let unroutable = min(1, max(0, topology.unroutableRate))
        expectedLinesPerRequest = max(1, routed * (1 - unroutable) + unroutable)

        clientAddresses = topology.clientAddresses.isEmpty ? ["203.0.113.10"] : topology.clientAddresses
        clientUserAgents = topology.clientUserAgents.isEmpty ? ["curl/8.5.0"] : topology.clientUserAgents.map(\.value)
        var uaWeights: [Double] = []
        var uaTotal = 0.0
        for ua in topology.clientUserAgents {
            uaTotal += max(0, ua.weight)
            uaWeights.append(uaTotal)
        }
        var fixed = SeededRandom(label: "client-user-agents")
        clientUserAgentIndex = clientAddresses.map { _ in uaWeights.isEmpty ? 0 : fixed.pick(cumulativeWeights: uaWeights) }
        scannerUserAgents = topology.scannerUserAgents.isEmpty ? ["-"] : topology.scannerUserAgents

        // Bounded identifier sets, fixed for the topology (independent of the traffic seed).
        let ids = topology.identifiers
        var idRandom = SeededRandom(label: "identifier-space")
        courseIDs = (0..<max(1, ids.courses)).map { String(1000 + $0 * 3 + ($0 * 7) % 3) }
        lessonIDs = (1...max(1, ids.lessonsPerCourse)).map(String.init)
        userIDs = (0..<max(1, ids.users)).map { _ in idRandom.uuidString() }
        paymentIDs = (0..<max(1, ids.payments)).map { _ in idRandom.hexString(length: 24) }
        certificateIDs = (0..<max(1, ids.certificates)).map { _ in idRandom.hexString(length: 40) }
        enrollmentIDs = (0..<max(1, ids.enrollments)).map { String(3_100_000 + $0 * 17) }
        pageNumbers = (1...20).map(String.init)
        searchTerms = topology.searchTerms.isEmpty ? ["course"] : topology.searchTerms
    }

    /// Splits `/courses/{course}/lessons/{lesson}` into literal and placeholder parts.
    static func parseTemplate(_ text: String) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = rest[rest.index(after: open)..<close]
            let part: TemplatePart?
            switch name {
            case "course": part = .course
            case "lesson": part = .lesson
            case "user": part = .user
            case "payment": part = .payment
            case "certificate": part = .certificate
            case "enrollment": part = .enrollment
            case "page": part = .page
            case "term": part = .term
            default: part = nil
            }
            if let part {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(part)
            } else {
                literal += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    /// The ground-truth route template: every placeholder becomes `{id}`.
    static func routeTemplate(_ parts: [TemplatePart]) -> String {
        var out = ""
        for part in parts {
            if case .literal(let text) = part { out += text } else { out += "{id}" }
        }
        return out.isEmpty ? "/" : out
    }
}
