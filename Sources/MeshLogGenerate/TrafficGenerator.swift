import MeshLogCore
import Foundation

/// Generates deterministic synthetic mesh traffic: one edge request at a time, with ground truth and log lines.
///
/// Each request enters at the ingress gateway, walks the topology's call graph and is logged by both sidecars of
/// every hop as Envoy/Istio would log it: the caller's outbound line and the callee's inbound line (one per attempt
/// that reached the application), joined by `x-request-id` and by the caller's `%UPSTREAM_LOCAL_ADDRESS%` equal to
/// the callee's `%DOWNSTREAM_REMOTE_ADDRESS%`. Failures (`UF`, `UH`, `UO`, `NR`, `FI`, `DI`, `URX`, `UT`/`DC`,
/// application 5xx) are logged the way Envoy logs them. Connections are pooled, so join addresses repeat across
/// requests as they do in real meshes.
///
/// Requests come out in arrival order; their lines overlap in time. Use `forEachLineInCompletionOrder(_:)` (or
/// `CompletionOrderMerger`) to get one stream in the order sidecars would have written it.
///
/// For example:
/// ```swift
/// let generator = TrafficGenerator(topology: .learningPlatform, options: GeneratorOptions(lines: 1_000, seed: 42))
/// while let request = generator.nextRequest() {
///     for line in request.lines { print(line.text) }
/// }
/// ```
public final class TrafficGenerator {
    /// The mesh being simulated.
    public let topology: MeshTopology
    /// The run's settings.
    public let options: GeneratorOptions
    /// Lines produced so far.
    public private(set) var linesGenerated = 0
    /// Requests produced so far.
    public private(set) var requestsGenerated = 0
    /// The average number of lines a request produces in this topology (before failures and retries).
    public let expectedLinesPerRequest: Double

    /// All mutable simulation state lives in one struct, so the hot path pays no per-access exclusivity checks.
    private var simulation: Simulation

    /// Creates a generator; nothing is generated until `nextRequest()` is called.
    public init(topology: MeshTopology = .learningPlatform, options: GeneratorOptions) {
        self.topology = topology
        self.options = options
        simulation = Simulation(topology: topology, options: options)
        expectedLinesPerRequest = simulation.model.expectedLinesPerRequest
    }

    /// The next edge request with its call tree and lines, or nil once `options.lines` lines have been produced.
    public func nextRequest() -> GeneratedRequest? {
        guard linesGenerated < options.lines else { return nil }
        let request = simulation.nextRequest(sequenceNumber: requestsGenerated)
        linesGenerated += request.lines.count
        requestsGenerated += 1
        return request
    }

    /// Calls `body` with every line of the run in completion order (end time across all pods), then returns.
    ///
    /// Lines that end at the same microsecond keep the order in which they were generated.
    public func forEachLineInCompletionOrder(_ body: (GeneratedLine) throws -> Void) rethrows {
        var merger = CompletionOrderMerger()
        while let request = nextRequest() {
            try merger.add(request, emit: body)
        }
        try merger.finish(emit: body)
    }
}

extension TrafficGenerator {
    /// The simulation proper: the compiled topology, the random stream, connection pools and per-request scratch.
    struct Simulation {
        let topology: MeshTopology
        let options: GeneratorOptions
        let model: GeneratorModel
        private var rng: SeededRandom
        private var pools: ConnectionPools
        private var virtualProgress = 0.0
        private let meanGap: Double
        private let windowMicros: Double
        private let timeWarp: [Double]?
        private let incidentService: Int?
        private let incidentStart: Int64
        private let incidentEnd: Int64
        /// The changes of `options.slowEdges`, `droppedEdges` and `injectedErrors`, by `callerPod * services + service`.
        private let edgeChanges: [Int: EdgeChange]

        // Per-request scratch state.
        private var lines: [GeneratedLine] = []
        private var callCounter = 0
        private var requestID = ""
        private var ids = RequestIdentifiers()

        init(topology: MeshTopology, options: GeneratorOptions) {
            self.topology = topology
            self.options = options
            model = GeneratorModel(topology)
            rng = SeededRandom(seed: options.seed)
            pools = ConnectionPools(podCount: model.pods.count, serviceCount: model.services.count)
            let expectedRequests = max(1, Double(max(1, options.lines)) / model.expectedLinesPerRequest)
            meanGap = 1 / expectedRequests
            windowMicros = max(1, options.durationSeconds) * 1_000_000
            timeWarp = options.diurnal ? Simulation.diurnalWarp(startMicros: options.startMicros, windowMicros: windowMicros) : nil
            if let incident = options.incident, let index = model.services.firstIndex(where: { $0.name == incident.service }) {
                incidentService = index
                incidentStart = options.startMicros + Int64(incident.startOffsetSeconds * 1_000_000)
                incidentEnd = incidentStart + Int64(incident.durationSeconds * 1_000_000)
            } else {
                incidentService = nil
                incidentStart = 0
                incidentEnd = 0
            }
            var changes: [Int: EdgeChange] = [:]
            if !options.slowEdges.isEmpty || !options.droppedEdges.isEmpty || !options.injectedErrors.isEmpty {
                for (p, pod) in model.pods.enumerated() {
                    for (s, service) in model.services.enumerated() {
                        var change = EdgeChange()
                        for (edge, factor) in options.slowEdges where edge.matches(callerWorkload: pod.workload, service: service.name) {
                            change.latencyFactor *= factor
                        }
                        change.dropped = options.droppedEdges.contains { $0.matches(callerWorkload: pod.workload, service: service.name) }
                        change.error = options.injectedErrors.first { $0.key.matches(callerWorkload: pod.workload, service: service.name) }?.value
                        if change.latencyFactor != 1 || change.dropped || change.error != nil {
                            changes[p * model.services.count + s] = change
                        }
                    }
                }
            }
            edgeChanges = changes
        }

        /// What the options change on one caller pod → service edge.
        struct EdgeChange {
            var latencyFactor = 1.0
            var dropped = false
            var error: GeneratorOptions.InjectedError?
        }

        /// The change on calls from `callerPod` to `service`, or nil (the default, always when no change is set).
        @inline(__always)
        func edgeChange(callerPod: Int, service: Int) -> EdgeChange? {
            edgeChanges.isEmpty ? nil : edgeChanges[callerPod * model.services.count + service]
        }

        /// Simulates the next edge request.
        mutating func nextRequest(sequenceNumber: Int) -> GeneratedRequest {
            let start = nextArrival()
            lines.removeAll(keepingCapacity: true)
            lines.reserveCapacity(32)
            callCounter = 0
            requestID = rng.uuidString()
            ids = RequestIdentifiers(
                course: rng.popularIndex(count: model.courseIDs.count, skew: 2.2),
                lesson: rng.popularIndex(count: model.lessonIDs.count, skew: 1.6),
                user: rng.popularIndex(count: model.userIDs.count, skew: 1.4),
                payment: rng.nextInt(below: model.paymentIDs.count),
                certificate: rng.nextInt(below: model.certificateIDs.count),
                enrollment: rng.nextInt(below: model.enrollmentIDs.count),
                page: rng.popularIndex(count: model.pageNumbers.count, skew: 2.5),
                term: rng.nextInt(below: model.searchTerms.count)
            )
            let clientIndex = rng.popularIndex(count: model.clientAddresses.count, skew: 1.5)
            let clientAddress = model.clientAddresses[clientIndex]
            let gatewayPod = model.gatewayPods.isEmpty ? 0 : model.gatewayPods[rng.nextInt(below: model.gatewayPods.count)]

            let root: GeneratedCall
            if rng.chance(topology.unroutableRate * options.errorRateScale) || model.entryOperations.isEmpty {
                root = unroutableRequest(gatewayPod: gatewayPod, client: clientAddress, start: start)
            } else {
                let userAgent = model.clientUserAgents[model.clientUserAgentIndex[clientIndex]]
                let http2 = !userAgent.hasPrefix("curl/") && !rng.chance(0.1)
                let caller = Caller(
                    pod: gatewayPod, isGateway: true, userAgent: userAgent, forwardedFor: clientAddress,
                    protocolName: http2 ? "HTTP/2" : "HTTP/1.1", clientAddress: clientAddress
                )
                let op = model.entryOperations[rng.pick(cumulativeWeights: model.entryWeights)]
                root = hop(caller: caller, operation: op, clientStart: start)
            }
            return GeneratedRequest(
                requestID: requestID, sequenceNumber: sequenceNumber, clientAddress: clientAddress,
                startMicros: start, root: root, lines: completionOrderedLines()
            )
        }

        /// This request's lines sorted by end time, ties in logging order (insertion sort of indices: nearly sorted).
        ///
        /// Hands the scratch array over without copying the lines when it is already in order (the common case).
        private mutating func completionOrderedLines() -> [GeneratedLine] {
            var sorted = true
            var i = 1
            while sorted, i < lines.count {
                sorted = lines[i - 1].endTimeMicros <= lines[i].endTimeMicros
                i += 1
            }
            if sorted {
                defer { lines = [] }
                return lines
            }
            var order = Array(lines.indices)
            for i in 1..<max(1, order.count) {
                let current = order[i]
                let end = lines[current].endTimeMicros
                var j = i - 1
                while j >= 0, lines[order[j]].endTimeMicros > end {
                    order[j + 1] = order[j]
                    j -= 1
                }
                order[j + 1] = current
            }
            return order.map { lines[$0] }
        }

        // MARK: - Arrivals

        /// The next request's arrival: Poisson arrivals in progress units (mean gap from the line target), mapped
        /// onto the window linearly or through the diurnal warp.
        mutating func nextArrival() -> Int64 {
            virtualProgress += rng.exponential(mean: meanGap)
            let fraction: Double
            if let warp = timeWarp, virtualProgress < 1 {
                let position = virtualProgress * Double(warp.count - 1)
                let low = Int(position)
                let high = min(warp.count - 1, low + 1)
                fraction = warp[low] + (warp[high] - warp[low]) * (position - Double(low))
            } else {
                fraction = virtualProgress
            }
            return options.startMicros + Int64(fraction * windowMicros)
        }

        /// A table mapping arrival progress (0…1) to the fraction of the window, for a day/night rate curve.
        static func diurnalWarp(startMicros: Int64, windowMicros: Double) -> [Double] {
            let steps = 1024
            var cumulative = [0.0]
            var total = 0.0
            for i in 0..<steps {
                let t = Double(startMicros) + (Double(i) + 0.5) / Double(steps) * windowMicros
                let hour = (t / 3_600_000_000).truncatingRemainder(dividingBy: 24)
                total += 1 + 0.6 * Foundation.sin(2 * Double.pi * (hour - 9) / 24)
                cumulative.append(total)
            }
            // Invert: for progress p, find the window fraction where cumulative/total == p.
            var warp: [Double] = []
            var j = 0
            for k in 0...steps {
                let target = Double(k) / Double(steps) * total
                while j < steps, cumulative[j + 1] < target { j += 1 }
                let span = cumulative[min(steps, j + 1)] - cumulative[j]
                let within = span > 0 ? (target - cumulative[j]) / span : 0
                warp.append((Double(j) + min(1, max(0, within))) / Double(steps))
            }
            return warp
        }

        // MARK: - Hops

        /// Who is calling: a sidecar-injected pod's application, or the gateway on behalf of an external client.
        struct Caller {
            let pod: Int
            let isGateway: Bool
            let userAgent: String?
            let forwardedFor: String?
            let protocolName: String
            let clientAddress: String
        }

        /// A scanner request for a path no gateway route matches: one `404 NR` line at the gateway.
        mutating func unroutableRequest(gatewayPod: Int, client: String, start: Int64) -> GeneratedCall {
            let index = callCounter
            callCounter += 1
            let pod = model.pods[gatewayPod]
            let path = topology.unroutablePaths.isEmpty ? "/" : topology.unroutablePaths[rng.nextInt(below: topology.unroutablePaths.count)]
            let method = path.hasSuffix(".php") && rng.chance(0.3) ? "POST" : "GET"
            let duration = rng.nextInt64(in: 40...400)
            let record = GeneratedLogRecord(
                startMicros: start, method: method, path: path, protocolName: "HTTP/1.1", responseCode: 404,
                responseFlags: ["NR"], responseCodeDetails: "route_not_found", bytesReceived: 0, bytesSent: 0,
                durationMicros: duration, upstreamServiceTimeMillis: nil, forwardedFor: client,
                userAgent: model.scannerUserAgents[rng.nextInt(below: model.scannerUserAgents.count)],
                requestID: requestID, authority: topology.gateway.host, upstreamHost: nil, upstreamCluster: nil,
                upstreamLocalAddress: nil, downstreamLocalAddress: GeneratedAddress(ip: pod.ip, port: topology.gateway.listenPort),
                downstreamRemoteAddress: GeneratedAddress(ip: client, port: 0), requestedServerName: topology.gateway.host, routeName: nil
            )
            emit(record, pod: gatewayPod, direction: .outbound, callIndex: index, attempt: nil)
            let template = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
            return GeneratedCall(
                index: index, callerWorkload: pod.workload, callerPod: pod.name, callerNamespace: pod.namespace,
                calleeService: nil, calleeNamespace: pod.namespace, calleeSubset: nil, calleeWorkload: nil, calleePod: nil,
                method: method, path: path, routeTemplate: template, statusCode: 404, responseFlags: ["NR"],
                responseCodeDetails: "route_not_found", attempts: [], clientStartMicros: start, clientDurationMicros: duration,
                serverStartMicros: nil, serverDurationMicros: nil, injectedDelayMicros: 0, children: []
            )
        }

        /// The outcome of a hop as the caller's sidecar logs it.
        struct Outcome {
            var code = 200
            var flags: [String] = []
            var details = "via_upstream"
            var transportFailure: String?
            var bytesSent = 0
            var upstreamServiceTime: Int?
            var upstreamHost: GeneratedAddress?
            var upstreamLocal: GeneratedAddress?
            var endMicros: Int64 = 0
            var calleePod: Int?
        }

        /// The application side of one attempt.
        struct ServerResult {
            var status: Int
            var bytesSent: Int
            var appStart: Int64
            var appEnd: Int64
            var serverEnd: Int64
            var children: [GeneratedCall]
        }

        /// One hop, caller to service: routing, local replies, attempts and retries, the callee's work (recursively),
        /// and the lines both sidecars write. Returns the hop's ground truth.
        mutating func hop(caller: Caller, operation opIndex: Int, clientStart: Int64) -> GeneratedCall {
            let op = model.operations[opIndex]
            let service = model.services[op.service]
            let index = callCounter
            callCounter += 1
            let callerPod = model.pods[caller.pod]
            let version = service.versions.count == 1 ? service.versions[0] : service.versions[rng.pick(cumulativeWeights: service.versionWeights)]
            let path = renderPath(op)
            let requestBytes = op.requestBytes.upperBound > 0 ? rng.nextInt(in: op.requestBytes) : 0
            let authority = caller.isGateway ? topology.gateway.host : service.authority
            let scale = options.errorRateScale
            let incident = isIncident(op.service, at: clientStart)

            // The caller's own connection: the client's XFF-derived address at the gateway, the app's pooled
            // connection to the service VIP in a sidecar.
            let downstreamLocal: GeneratedAddress
            let downstreamRemote: GeneratedAddress
            let appPoolKey = pools.appKey(pod: caller.pod, service: op.service)
            if caller.isGateway {
                downstreamLocal = GeneratedAddress(ip: callerPod.ip, port: topology.gateway.listenPort)
                downstreamRemote = GeneratedAddress(ip: caller.clientAddress, port: 0)
            } else {
                downstreamLocal = service.serviceAddress
                let port = pools.acquire(key: appPoolKey, owner: caller.pod, at: clientStart, rng: &rng)
                downstreamRemote = GeneratedAddress(ip: callerPod.ip, port: port)
            }

            var outcome = Outcome()
            var attempts: [GeneratedAttempt] = []
            var children: [GeneratedCall] = []
            var serverStart: Int64?
            var serverDuration: Int64?
            var delay: Int64 = 0

            let roll = rng.nextDouble()
            let abort = service.faults.abortRate * scale
            let noHealthy = service.failures.noHealthyUpstream * scale
            let overflow = service.failures.overflow * scale
            if roll < abort {
                outcome = localReply(code: 503, flag: "FI", details: "fault_filter_abort", body: 18, start: clientStart)
            } else if roll < abort + noHealthy {
                outcome = localReply(code: 503, flag: "UH", details: "no_healthy_upstream", body: 19, start: clientStart)
            } else if roll < abort + noHealthy + overflow {
                let podIndex = version.pods[rng.nextInt(below: version.pods.count)]
                outcome = localReply(code: 503, flag: "UO", details: "upstream_reset_before_response_started{overflow}",
                                     body: TrafficGenerator.overflowBody, start: clientStart)
                outcome.upstreamHost = GeneratedAddress(ip: model.pods[podIndex].ip, port: service.targetPort)
                outcome.calleePod = podIndex
                attempts.append(GeneratedAttempt(
                    pod: model.pods[podIndex].name, upstreamHost: outcome.upstreamHost, startMicros: clientStart, upstreamLocal: nil,
                    reachedServer: false, serverStartMicros: nil, serverDurationMicros: nil, serverStatusCode: nil, serverFlags: []
                ))
            } else {
                if rng.chance(service.faults.delayRate * scale) { delay = service.faults.delayMicros }
                let routerStart = clientStart + delay
                var t = routerStart
                var usedPods: [Int] = []
                let maxAttempts = service.retryAttempts + 1
                // Connection failures are correlated too: a refused first connection (dead pod) makes later ones likelier.
                let refusedFirst = rng.chance(service.failures.connectionFailure * scale + (incident ? options.incident?.connectionFailureRate ?? 0 : 0))
                // Application 503s are correlated: a browned-out service fails most attempts of a call, so Istio's
                // retries often fail too (URX) and sometimes rescue the call.
                let brownout = rng.chance(version.unavailableRate * scale + (incident ? options.incident?.unavailableRate ?? 0 : 0))
                let unavailableRate = brownout ? TrafficGenerator.brownoutFailureRate : 0
                for attempt in 0..<maxAttempts {
                    let last = attempt == maxAttempts - 1
                    let podIndex = pickPod(version.pods, avoiding: usedPods)
                    usedPods.append(podIndex)
                    let pod = model.pods[podIndex]
                    let upstreamHost = GeneratedAddress(ip: pod.ip, port: service.targetPort)
                    outcome.upstreamHost = upstreamHost
                    outcome.calleePod = podIndex

                    if refusedFirst && (attempt == 0 || rng.chance(TrafficGenerator.unreachableRetryFailureRate)) {
                        // The connection is refused: Envoy never sends the request, the callee never logs it.
                        attempts.append(GeneratedAttempt(
                            pod: pod.name, upstreamHost: upstreamHost, startMicros: t, upstreamLocal: nil, reachedServer: false,
                            serverStartMicros: nil, serverDurationMicros: nil, serverStatusCode: nil, serverFlags: []
                        ))
                        t += rng.nextInt64(in: 150...1_800)
                        if !last {
                            t += backoff(attempt)
                            continue
                        }
                        let refused = rng.chance(0.4)
                        outcome.code = 503
                        outcome.flags = maxAttempts > 1 ? ["UF", "URX"] : ["UF"]
                        outcome.details = refused
                            ? "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}"
                            : "upstream_reset_before_response_started{connection_failure}"
                        outcome.transportFailure = refused ? "delayed_connect_error:_111" : nil
                        outcome.bytesSent = refused ? TrafficGenerator.refusedBody : TrafficGenerator.connectFailureBody
                        outcome.upstreamServiceTime = nil
                        outcome.upstreamLocal = nil
                        outcome.endMicros = t + rng.nextInt64(in: 20...120)
                        break
                    }

                    let upstreamKey = pools.upstreamKey(caller: caller.pod, callee: podIndex)
                    let localPort = pools.acquire(key: upstreamKey, owner: caller.pod, at: t, rng: &rng)
                    let upstreamLocal = GeneratedAddress(ip: callerPod.ip, port: localPort)
                    let overhead = min(2_000, max(300, rng.logNormal(median: 650, sigma: 0.45)))
                    let before = Int64(overhead * rng.uniform(0.4, 0.6))
                    let after = Int64(overhead) - before
                    let attemptServerStart = t + before

                    if rng.chance(unavailableRate) {
                        // The application answers 503 quickly; Istio retries it (retriable status 503).
                        let server = quickServerError(pod: podIndex, service: service, serverStart: attemptServerStart)
                        emitInbound(caller: caller, op: op, service: service, version: version, pod: podIndex, path: path,
                                    authority: authority, requestBytes: requestBytes, upstreamLocal: upstreamLocal,
                                    serverStart: attemptServerStart, server: server, callIndex: index, attempt: attempt)
                        let attemptEnd = server.serverEnd + after
                        pools.release(key: upstreamKey, port: localPort, at: attemptEnd)
                        attempts.append(GeneratedAttempt(
                            pod: pod.name, upstreamHost: upstreamHost, startMicros: t, upstreamLocal: upstreamLocal, reachedServer: true,
                            serverStartMicros: attemptServerStart, serverDurationMicros: server.serverEnd - attemptServerStart,
                            serverStatusCode: 503, serverFlags: []
                        ))
                        serverStart = attemptServerStart
                        serverDuration = server.serverEnd - attemptServerStart
                        if !last {
                            t = attemptEnd + backoff(attempt)
                            continue
                        }
                        outcome.code = 503
                        outcome.flags = maxAttempts > 1 ? ["URX"] : []
                        outcome.details = "via_upstream"
                        outcome.bytesSent = server.bytesSent
                        outcome.upstreamServiceTime = upstreamServiceTime(serverStart: attemptServerStart, serverEnd: server.serverEnd)
                        outcome.upstreamLocal = upstreamLocal
                        outcome.endMicros = attemptEnd
                        break
                    }

                    if attempt == 0, rng.chance(service.failures.timeout * scale) {
                        // The application hangs; the caller's route timeout fires and Envoy resets the upstream stream.
                        let giveUp = routerStart + service.timeoutMicros
                        let inboundEnd = giveUp + rng.nextInt64(in: 80...450)
                        let record = inboundRecord(
                            caller: caller, op: op, service: service, version: version, pod: podIndex, path: path, authority: authority,
                            requestBytes: requestBytes, upstreamLocal: upstreamLocal, serverStart: attemptServerStart,
                            duration: inboundEnd - attemptServerStart, code: 0, flags: ["DC"], details: "downstream_remote_disconnect",
                            bytesSent: 0, upstreamServiceTime: nil
                        )
                        let inboundPort = pools.acquire(key: pools.inboundKey(pod: podIndex), owner: pools.loopbackOwner(podIndex),
                                                        at: attemptServerStart, rng: &rng)
                        pools.release(key: pools.inboundKey(pod: podIndex), port: inboundPort, at: inboundEnd)
                        var withPort = record
                        withPort.upstreamLocalAddress = inboundLocalAddress(port: inboundPort)
                        emit(withPort, pod: podIndex, direction: .inbound, callIndex: index, attempt: attempt)
                        pools.release(key: upstreamKey, port: localPort, at: inboundEnd)
                        attempts.append(GeneratedAttempt(
                            pod: pod.name, upstreamHost: upstreamHost, startMicros: t, upstreamLocal: upstreamLocal, reachedServer: true,
                            serverStartMicros: attemptServerStart, serverDurationMicros: inboundEnd - attemptServerStart,
                            serverStatusCode: 0, serverFlags: ["DC"]
                        ))
                        serverStart = attemptServerStart
                        serverDuration = inboundEnd - attemptServerStart
                        outcome.code = 504
                        outcome.flags = ["UT"]
                        outcome.details = "response_timeout"
                        outcome.bytesSent = 24
                        outcome.upstreamServiceTime = nil
                        outcome.upstreamLocal = upstreamLocal
                        outcome.endMicros = giveUp + rng.nextInt64(in: 30...250)
                        break
                    }

                    // A normal attempt: the application does its work, calling other services on the way.
                    let server = serve(op: op, service: service, version: version, pod: podIndex,
                                       serverStart: attemptServerStart, incident: incident,
                                       change: edgeChange(callerPod: caller.pod, service: op.service))
                    emitInbound(caller: caller, op: op, service: service, version: version, pod: podIndex, path: path,
                                authority: authority, requestBytes: requestBytes, upstreamLocal: upstreamLocal,
                                serverStart: attemptServerStart, server: server, callIndex: index, attempt: attempt)
                    let attemptEnd = server.serverEnd + after
                    pools.release(key: upstreamKey, port: localPort, at: attemptEnd)
                    attempts.append(GeneratedAttempt(
                        pod: pod.name, upstreamHost: upstreamHost, startMicros: t, upstreamLocal: upstreamLocal, reachedServer: true,
                        serverStartMicros: attemptServerStart, serverDurationMicros: server.serverEnd - attemptServerStart,
                        serverStatusCode: server.status, serverFlags: []
                    ))
                    serverStart = attemptServerStart
                    serverDuration = server.serverEnd - attemptServerStart
                    children = server.children
                    outcome.code = server.status
                    outcome.flags = []
                    outcome.details = "via_upstream"
                    outcome.bytesSent = server.bytesSent
                    outcome.upstreamServiceTime = upstreamServiceTime(serverStart: attemptServerStart, serverEnd: server.serverEnd)
                    outcome.upstreamLocal = upstreamLocal
                    outcome.endMicros = attemptEnd
                    break
                }
                if delay > 0 { outcome.flags = TrafficGenerator.orderedFlags(outcome.flags + ["DI"]) }
            }

            if !caller.isGateway { pools.release(key: appPoolKey, port: downstreamRemote.port, at: outcome.endMicros) }

            let record = GeneratedLogRecord(
                startMicros: clientStart, method: op.method, path: path, protocolName: caller.protocolName, responseCode: outcome.code,
                responseFlags: outcome.flags, responseCodeDetails: outcome.details, upstreamTransportFailureReason: outcome.transportFailure,
                bytesReceived: requestBytes, bytesSent: outcome.bytesSent, durationMicros: outcome.endMicros - clientStart,
                upstreamServiceTimeMillis: outcome.upstreamServiceTime, forwardedFor: caller.forwardedFor, userAgent: caller.userAgent,
                requestID: requestID, authority: authority, upstreamHost: outcome.upstreamHost, upstreamCluster: version.outboundCluster,
                upstreamLocalAddress: outcome.upstreamLocal, downstreamLocalAddress: downstreamLocal, downstreamRemoteAddress: downstreamRemote,
                requestedServerName: caller.isGateway ? topology.gateway.host : nil,
                routeName: caller.isGateway ? topology.gateway.routeName : "default"
            )
            emit(record, pod: caller.pod, direction: .outbound, callIndex: index, attempt: nil)

            return GeneratedCall(
                index: index, callerWorkload: callerPod.workload, callerPod: callerPod.name, callerNamespace: callerPod.namespace,
                calleeService: service.name, calleeNamespace: service.namespace, calleeSubset: version.subset,
                calleeWorkload: version.workload, calleePod: outcome.calleePod.map { model.pods[$0].name },
                method: op.method, path: path, routeTemplate: op.routeTemplate, statusCode: outcome.code, responseFlags: outcome.flags,
                responseCodeDetails: outcome.details, attempts: attempts, clientStartMicros: clientStart,
                clientDurationMicros: outcome.endMicros - clientStart, serverStartMicros: serverStart, serverDurationMicros: serverDuration,
                injectedDelayMicros: delay, children: children
            )
        }

        /// A reply generated by the caller's sidecar itself (fault abort, no healthy host, overflow).
        mutating func localReply(code: Int, flag: String, details: String, body: Int, start: Int64) -> Outcome {
            var outcome = Outcome()
            outcome.code = code
            outcome.flags = [flag]
            outcome.details = details
            outcome.bytesSent = body
            outcome.endMicros = start + rng.nextInt64(in: 60...900)
            return outcome
        }

        /// The application's work for one normal attempt, including its calls to other services.
        mutating func serve(op: GeneratorModel.Operation, service: GeneratorModel.Service, version: GeneratorModel.Version,
                           pod: Int, serverStart: Int64, incident: Bool, change: EdgeChange? = nil) -> ServerResult {
            let appStart = serverStart + rng.nextInt64(in: 40...250)
            let latency = version.latency
            let median = latency.medianMicros * op.selfTimeScale
            var selfTime = rng.logNormal(median: median, sigma: latency.sigma)
            if rng.chance(latency.tailProbability) {
                selfTime *= rng.uniform(latency.tailFactor.lowerBound, latency.tailFactor.upperBound)
            }
            selfTime = min(selfTime, median * 25)
            if incident { selfTime *= options.incident?.latencyFactor ?? 1 }
            if let change { selfTime *= change.latencyFactor }
            selfTime = max(100, selfTime)

            var status = op.successStatus
            var bytes = op.responseBytesMedian > 0 ? Int(rng.logNormal(median: Double(op.responseBytesMedian), sigma: 0.35)) : 0
            var children: [GeneratedCall] = []
            var appEnd: Int64

            if let injected = change?.error, rng.chance(injected.rate) {
                // An injected failure (a new error signature): answered early, no downstream calls.
                appEnd = appStart + Int64(selfTime * 0.4)
                status = injected.status
                bytes = rng.nextInt(in: 30...160)
            } else if rng.chance(op.clientErrorRate) {
                // Validation or lookup failure: answered early, no downstream calls.
                appEnd = appStart + Int64(selfTime * 0.4)
                status = op.clientErrorStatus
                bytes = rng.nextInt(in: 30...160)
            } else {
                let appError = rng.chance(version.serverErrorRate * options.errorRateScale)
                let pre = Int64(selfTime * rng.uniform(0.15, 0.6))
                let childStart = appStart + pre
                var childEnd = childStart
                var failedCritical = false
                var propagatedClientError: Int?
                let caller = Caller(pod: pod, isGateway: false, userAgent: service.clientUserAgent, forwardedFor: nil,
                                    protocolName: "HTTP/1.1", clientAddress: "")
                switch op.fanOut {
                case .sequential:
                    var t = childStart
                    for call in op.calls where rng.chance(call.probability) {
                        if edgeChange(callerPod: pod, service: model.operations[call.operation].service)?.dropped == true { continue }
                        let child = hop(caller: caller, operation: call.operation, clientStart: t)
                        children.append(child)
                        childEnd = child.clientEndMicros
                        t = childEnd + rng.nextInt64(in: 20...400)
                        if call.critical, child.statusCode >= 500 {
                            failedCritical = true
                            break
                        }
                        if call.critical, child.statusCode >= 400 {
                            propagatedClientError = child.statusCode
                            break
                        }
                    }
                case .parallel:
                    for call in op.calls where rng.chance(call.probability) {
                        if edgeChange(callerPod: pod, service: model.operations[call.operation].service)?.dropped == true { continue }
                        let start = childStart + rng.nextInt64(in: 5...300)
                        let child = hop(caller: caller, operation: call.operation, clientStart: start)
                        children.append(child)
                        childEnd = max(childEnd, child.clientEndMicros)
                        if call.critical, child.statusCode >= 500 { failedCritical = true }
                        if call.critical, child.statusCode >= 400, child.statusCode < 500, propagatedClientError == nil {
                            propagatedClientError = child.statusCode
                        }
                    }
                }
                appEnd = childEnd + max(50, Int64(selfTime) - pre)
                if failedCritical {
                    status = service.isEdgeService ? 502 : 500
                    bytes = rng.nextInt(in: 60...220)
                } else if let code = propagatedClientError {
                    status = code
                    bytes = rng.nextInt(in: 30...160)
                } else if appError {
                    status = 500
                    bytes = rng.nextInt(in: 40...220)
                }
            }
            if status == 204 { bytes = 0 }
            let serverEnd = appEnd + rng.nextInt64(in: 30...200)
            return ServerResult(status: status, bytesSent: bytes, appStart: appStart, appEnd: appEnd, serverEnd: serverEnd, children: children)
        }

        /// An application 503 answered within a few milliseconds (overloaded or shutting down).
        mutating func quickServerError(pod: Int, service: GeneratorModel.Service, serverStart: Int64) -> ServerResult {
            let appStart = serverStart + rng.nextInt64(in: 40...250)
            let appEnd = appStart + Int64(min(20_000, max(200, rng.logNormal(median: 1_500, sigma: 0.6))))
            let serverEnd = appEnd + rng.nextInt64(in: 30...200)
            return ServerResult(status: 503, bytesSent: rng.nextInt(in: 19...95), appStart: appStart, appEnd: appEnd, serverEnd: serverEnd, children: [])
        }

        // MARK: - Lines

        /// Writes the callee sidecar's inbound line for one attempt that the application answered.
        mutating func emitInbound(caller: Caller, op: GeneratorModel.Operation, service: GeneratorModel.Service, version: GeneratorModel.Version,
                                 pod: Int, path: String, authority: String, requestBytes: Int, upstreamLocal: GeneratedAddress,
                                 serverStart: Int64, server: ServerResult, callIndex: Int, attempt: Int) {
            let key = pools.inboundKey(pod: pod)
            let port = pools.acquire(key: key, owner: pools.loopbackOwner(pod), at: server.appStart, rng: &rng)
            pools.release(key: key, port: port, at: server.appEnd)
            var record = inboundRecord(
                caller: caller, op: op, service: service, version: version, pod: pod, path: path, authority: authority,
                requestBytes: requestBytes, upstreamLocal: upstreamLocal, serverStart: serverStart,
                duration: server.serverEnd - serverStart, code: server.status, flags: [], details: "via_upstream",
                bytesSent: server.bytesSent, upstreamServiceTime: Int((server.appEnd - server.appStart) / 1000)
            )
            record.upstreamLocalAddress = inboundLocalAddress(port: port)
            emit(record, pod: pod, direction: .inbound, callIndex: callIndex, attempt: attempt)
        }

        /// The inbound record for one attempt (`inbound|<targetPort>||`, `127.0.0.6`, SNI, join address).
        func inboundRecord(caller: Caller, op: GeneratorModel.Operation, service: GeneratorModel.Service, version: GeneratorModel.Version,
                                   pod: Int, path: String, authority: String, requestBytes: Int, upstreamLocal: GeneratedAddress,
                                   serverStart: Int64, duration: Int64, code: Int, flags: [String], details: String,
                                   bytesSent: Int, upstreamServiceTime: Int?) -> GeneratedLogRecord {
            let podIP = model.pods[pod].ip
            let legacy = options.format == .istio13
            return GeneratedLogRecord(
                startMicros: serverStart, method: op.method, path: path, protocolName: "HTTP/1.1", responseCode: code,
                responseFlags: flags, responseCodeDetails: details, bytesReceived: requestBytes, bytesSent: bytesSent,
                durationMicros: duration, upstreamServiceTimeMillis: upstreamServiceTime, forwardedFor: caller.forwardedFor,
                userAgent: caller.userAgent, requestID: requestID, authority: authority,
                upstreamHost: GeneratedAddress(ip: legacy ? "127.0.0.1" : podIP, port: service.targetPort),
                upstreamCluster: legacy ? service.legacyInboundCluster : service.inboundCluster,
                upstreamLocalAddress: nil,
                downstreamLocalAddress: GeneratedAddress(ip: podIP, port: service.targetPort),
                downstreamRemoteAddress: upstreamLocal,
                requestedServerName: isPlaintext(caller: caller, service: service) ? nil : version.serverName, routeName: "default"
            )
        }

        /// Whether calls from `caller` to `service` arrive in plaintext (`options.plaintextEdges`).
        func isPlaintext(caller: Caller, service: GeneratorModel.Service) -> Bool {
            !options.plaintextEdges.isEmpty && !caller.isGateway
                && options.plaintextEdges.contains { $0.matches(callerWorkload: model.pods[caller.pod].workload, service: service.name) }
        }

        func inboundLocalAddress(port: Int) -> GeneratedAddress {
            GeneratedAddress(ip: options.format == .istio13 ? "127.0.0.1" : "127.0.0.6", port: port)
        }

        /// Renders `record` and appends it to this request's lines.
        mutating func emit(_ record: GeneratedLogRecord, pod: Int, direction: GeneratedLine.Direction, callIndex: Int, attempt: Int?) {
            let podInfo = model.pods[pod]
            lines.append(GeneratedLine(
                pod: podInfo.name, namespace: podInfo.namespace, endTimeMicros: record.endMicros,
                text: AccessLogLineWriter.render(record, format: options.format), direction: direction, callIndex: callIndex,
                attempt: attempt, record: record
            ))
        }

        // MARK: - Helpers

        /// The request path (with a query string sometimes) for `op` and this request's identifiers.
        mutating func renderPath(_ op: GeneratorModel.Operation) -> String {
            var path = ""
            path.reserveCapacity(96)
            append(op.path, to: &path)
            if !op.queries.isEmpty, rng.chance(op.queryProbability) {
                path.append("?")
                append(op.queries[rng.nextInt(below: op.queries.count)], to: &path)
            }
            return path
        }

        func append(_ parts: [GeneratorModel.TemplatePart], to out: inout String) {
            for part in parts {
                switch part {
                case .literal(let text): out.append(text)
                case .course: out.append(model.courseIDs[ids.course])
                case .lesson: out.append(model.lessonIDs[ids.lesson])
                case .user: out.append(model.userIDs[ids.user])
                case .payment: out.append(model.paymentIDs[ids.payment])
                case .certificate: out.append(model.certificateIDs[ids.certificate])
                case .enrollment: out.append(model.enrollmentIDs[ids.enrollment])
                case .page: out.append(model.pageNumbers[ids.page])
                case .term: out.append(model.searchTerms[ids.term])
                }
            }
        }

        /// A random pod of a version, avoiding pods already tried by this call when possible.
        mutating func pickPod(_ pods: [Int], avoiding used: [Int]) -> Int {
            let first = pods[rng.nextInt(below: pods.count)]
            guard used.contains(first), pods.count > used.count else { return first }
            // Envoy's previous-hosts retry predicate: prefer a host not tried yet.
            let fresh = pods.filter { !used.contains($0) }
            return fresh[rng.nextInt(below: fresh.count)]
        }

        /// Envoy's jittered exponential retry back-off (25 ms base): uniform in `0 ..< 25ms · 2^attempt`.
        mutating func backoff(_ attempt: Int) -> Int64 {
            rng.nextInt64(in: 0...(25_000 << Int64(min(attempt, 3))) - 1)
        }

        /// `x-envoy-upstream-service-time` on the outbound line: the server's time plus a little network.
        mutating func upstreamServiceTime(serverStart: Int64, serverEnd: Int64) -> Int {
            Int((serverEnd - serverStart + rng.nextInt64(in: 40...250)) / 1000)
        }

        func isIncident(_ service: Int, at time: Int64) -> Bool {
            incidentService == service && time >= incidentStart && time < incidentEnd
        }
    }
}

extension TrafficGenerator {
    /// Sorts flags in Envoy's `%RESPONSE_FLAGS%` order.
    static func orderedFlags(_ flags: [String]) -> [String] {
        let order = ["LH", "UH", "UT", "LR", "UR", "UF", "UC", "UO", "NR", "DI", "FI", "RL", "UAEX", "RLSE", "DC", "URX"]
        return flags.sorted { (order.firstIndex(of: $0) ?? order.count) < (order.firstIndex(of: $1) ?? order.count) }
    }

    /// The chance that one attempt to a browned-out service is answered with a 503.
    static let brownoutFailureRate = 0.65

    /// The chance that a retry is refused too, once a call's first connection was refused.
    static let unreachableRetryFailureRate = 0.5

    static let connectFailureBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure".utf8.count
    static let refusedBody = ("upstream connect error or disconnect/reset before headers. reset reason: connection failure, "
        + "transport failure reason: delayed connect error: 111").utf8.count
    static let overflowBody = "upstream connect error or disconnect/reset before headers. reset reason: overflow".utf8.count
}

extension TrafficGenerator {
    /// The identifiers one request's paths draw from (indices into the model's bounded sets).
    struct RequestIdentifiers {
        var course = 0
        var lesson = 0
        var user = 0
        var payment = 0
        var certificate = 0
        var enrollment = 0
        var page = 0
        var term = 0
    }
}
