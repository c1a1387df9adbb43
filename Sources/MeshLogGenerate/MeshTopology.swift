import MeshLogCore
/// A description of a service mesh for traffic generation: gateway, services, versions, pods and call graph.
///
/// A topology is plain data. `TrafficGenerator` compiles it once and then walks the call graph of
/// `entryOperations` for every edge request. `MeshTopology.learningPlatform` is the mesh used by
/// `meshlog generate`; tests and benchmarks can build their own.
///
/// Names follow Kubernetes and Istio conventions: a service `course` in namespace `lms` has the FQDN
/// `course.lms.svc.cluster.local`, versions `v1`/`v2` are Deployments `course-v1`/`course-v2` whose pods are
/// named `course-v1-7c9d8f6b5-x2kqp`, pods have IPs in `10.244.0.0/16` and services have VIPs in `10.96.0.0/12`.
public struct MeshTopology: Sendable {
    /// The Kubernetes cluster domain (`cluster.local`).
    public var clusterDomain: String
    /// The ingress gateway that receives all edge traffic.
    public var gateway: Gateway
    /// The services behind the gateway, each with its versions, pods and operations.
    public var services: [Service]
    /// The operations the gateway routes edge requests to, with their share of traffic.
    public var entryOperations: [WeightedOperation]
    /// Paths requested by scanners and bots that match no gateway route (logged as `404 NR`).
    public var unroutablePaths: [String]
    /// The share of edge requests that go to `unroutablePaths` (scaled by `GeneratorOptions.errorRateScale`).
    public var unroutableRate: Double
    /// User agents of external clients, with weights.
    public var clientUserAgents: [WeightedValue]
    /// User agents of the scanners that request `unroutablePaths`.
    public var scannerUserAgents: [String]
    /// External client addresses (the X-Forwarded-For value the gateway trusts).
    public var clientAddresses: [String]
    /// Sizes of the bounded identifier sets that request paths draw from.
    public var identifiers: IdentifierSpace
    /// Search terms substituted for `{term}` in query strings.
    public var searchTerms: [String]

    /// Creates a topology from its parts.
    public init(
        clusterDomain: String = "cluster.local",
        gateway: Gateway,
        services: [Service],
        entryOperations: [WeightedOperation],
        unroutablePaths: [String],
        unroutableRate: Double,
        clientUserAgents: [WeightedValue],
        scannerUserAgents: [String],
        clientAddresses: [String],
        identifiers: IdentifierSpace,
        searchTerms: [String]
    ) {
        self.clusterDomain = clusterDomain
        self.gateway = gateway
        self.services = services
        self.entryOperations = entryOperations
        self.unroutablePaths = unroutablePaths
        self.unroutableRate = unroutableRate
        self.clientUserAgents = clientUserAgents
        self.scannerUserAgents = scannerUserAgents
        self.clientAddresses = clientAddresses
        self.identifiers = identifiers
        self.searchTerms = searchTerms
    }

    /// This mesh with its gateway workload renamed to `name` and its pods after it (`NAME-<hash>-<suffix>`),
    /// as gateways of other installs are named (`gateway`, Gateway API's `<name>-istio`).
    public func renamingGateway(to name: String) -> MeshTopology {
        var copy = self
        let old = gateway.workload
        copy.gateway.workload = name
        copy.gateway.pods = gateway.pods.map { pod in
            var pod = pod
            pod.workload = name
            if pod.name.hasPrefix(old) { pod.name = name + pod.name.dropFirst(old.count) }
            return pod
        }
        return copy
    }

    /// Every pod in the mesh, gateway pods first, in a stable order.
    public var allPods: [Pod] {
        gateway.pods + services.flatMap { $0.versions.flatMap(\.pods) }
    }

    /// The service named `name`, if any.
    public func service(named name: String) -> Service? {
        services.first { $0.name == name }
    }

    // MARK: - Parts

    /// A pod: one replica of a workload, with its own sidecar and therefore its own access log stream.
    public struct Pod: Sendable, Hashable {
        /// The pod name, e.g. `course-v1-7c9d8f6b5-x2kqp`.
        public var name: String
        /// The pod's namespace.
        public var namespace: String
        /// The Deployment the pod belongs to, e.g. `course-v1`.
        public var workload: String
        /// The pod IP, e.g. `10.244.2.17`.
        public var ip: String

        /// Creates a pod.
        public init(name: String, namespace: String, workload: String, ip: String) {
            self.name = name
            self.namespace = namespace
            self.workload = workload
            self.ip = ip
        }
    }

    /// The ingress gateway: an Envoy without an application, terminating TLS for the public host.
    public struct Gateway: Sendable {
        /// The gateway workload name (`istio-ingressgateway`).
        public var workload: String
        /// The gateway namespace (`istio-system`).
        public var namespace: String
        /// The gateway pods.
        public var pods: [Pod]
        /// The public host name clients send as `:authority` and SNI.
        public var host: String
        /// The container port the gateway listens on (`8443` behind service port 443).
        public var listenPort: Int
        /// The route name logged on the gateway's lines.
        public var routeName: String
        /// The service the gateway routes to.
        public var upstreamService: String

        /// Creates a gateway description.
        public init(workload: String, namespace: String, pods: [Pod], host: String, listenPort: Int, routeName: String, upstreamService: String) {
            self.workload = workload
            self.namespace = namespace
            self.pods = pods
            self.host = host
            self.listenPort = listenPort
            self.routeName = routeName
            self.upstreamService = upstreamService
        }
    }

    /// A Kubernetes Service with its Istio traffic policy (subsets, retries, timeout, faults).
    public struct Service: Sendable {
        /// The short service name, e.g. `course`.
        public var name: String
        /// The namespace, e.g. `lms`.
        public var namespace: String
        /// The ClusterIP (VIP) the caller's app connects to, e.g. `10.96.41.7`.
        public var clusterIP: String
        /// The service port (appears in the outbound cluster name, the SNI and the outbound downstream-local address).
        public var port: Int
        /// The container port (appears in the inbound cluster name and the upstream host).
        public var targetPort: Int
        /// The `:authority` the apps use when calling this service, e.g. `course:8080`.
        public var authority: String
        /// Whether a DestinationRule defines subsets, so outbound clusters read `outbound|8080|v2|…`.
        public var usesSubsets: Bool
        /// The deployed versions with their traffic weights.
        public var versions: [Version]
        /// Retries of the VirtualService route (Istio's default is 2: three attempts in total).
        public var retryAttempts: Int
        /// The route timeout in microseconds.
        public var timeoutMicros: Int64
        /// Connection and routing failure rates seen by callers of this service.
        public var failures: FailureRates
        /// Fault injection configured on the route (abort and delay).
        public var faults: FaultInjection
        /// The operations this service serves.
        public var operations: [Operation]
        /// The User-Agent this service's application sends on its outbound calls.
        public var clientUserAgent: String

        /// Creates a service.
        public init(
            name: String, namespace: String, clusterIP: String, port: Int, targetPort: Int, authority: String,
            usesSubsets: Bool, versions: [Version], retryAttempts: Int, timeoutMicros: Int64,
            failures: FailureRates, faults: FaultInjection, operations: [Operation], clientUserAgent: String
        ) {
            self.name = name
            self.namespace = namespace
            self.clusterIP = clusterIP
            self.port = port
            self.targetPort = targetPort
            self.authority = authority
            self.usesSubsets = usesSubsets
            self.versions = versions
            self.retryAttempts = retryAttempts
            self.timeoutMicros = timeoutMicros
            self.failures = failures
            self.faults = faults
            self.operations = operations
            self.clientUserAgent = clientUserAgent
        }

        /// The fully qualified name, e.g. `course.lms.svc.cluster.local`.
        public func fqdn(clusterDomain: String) -> String {
            "\(name).\(namespace).svc.\(clusterDomain)"
        }
    }

    /// One version (Deployment) of a service: its pods, its latency and its application error rates.
    public struct Version: Sendable {
        /// The subset / version label, e.g. `v2`.
        public var subset: String
        /// The Deployment name, e.g. `course-v2`.
        public var workload: String
        /// The share of the service's traffic this version receives.
        public var weight: Double
        /// The pods of this version.
        public var pods: [Pod]
        /// How long the application takes for its own work, excluding calls to other services.
        public var latency: LatencyProfile
        /// The chance that a request fails with an application 500 (before `errorRateScale`).
        public var serverErrorRate: Double
        /// The chance that a call finds this version browned out (before `errorRateScale`): each attempt of such a call
        /// is answered with an application 503 with probability 0.65, which Istio retries.
        public var unavailableRate: Double

        /// Creates a version.
        public init(subset: String, workload: String, weight: Double, pods: [Pod], latency: LatencyProfile, serverErrorRate: Double, unavailableRate: Double) {
            self.subset = subset
            self.workload = workload
            self.weight = weight
            self.pods = pods
            self.latency = latency
            self.serverErrorRate = serverErrorRate
            self.unavailableRate = unavailableRate
        }
    }

    /// A log-normal application latency with an occasional long tail.
    public struct LatencyProfile: Sendable {
        /// The median self time in microseconds.
        public var medianMicros: Double
        /// The standard deviation of the logarithm.
        public var sigma: Double
        /// The chance that a request hits the tail (GC pause, cold cache, lock wait).
        public var tailProbability: Double
        /// The tail multiplies the self time by a factor drawn uniformly from this range.
        public var tailFactor: ClosedRange<Double>

        /// Creates a latency profile.
        public init(medianMicros: Double, sigma: Double, tailProbability: Double, tailFactor: ClosedRange<Double>) {
            self.medianMicros = medianMicros
            self.sigma = sigma
            self.tailProbability = tailProbability
            self.tailFactor = tailFactor
        }
    }

    /// Per-call probabilities of the Envoy-level failures a caller's sidecar can log for a service.
    public struct FailureRates: Sendable {
        /// `503 UF`: the chance a call's first connection is refused (a dead pod). Istio retries `connect-failure` on
        /// other pods; each retry is refused with probability 0.5 (the service may be unreachable), so some calls end
        /// `UF,URX`.
        public var connectionFailure: Double
        /// `503 UH`: no healthy endpoint.
        public var noHealthyUpstream: Double
        /// `503 UO`: the circuit breaker's pending-request limit overflows.
        public var overflow: Double
        /// `504 UT`: the application hangs past the route timeout.
        public var timeout: Double

        /// Creates failure rates.
        public init(connectionFailure: Double, noHealthyUpstream: Double, overflow: Double, timeout: Double) {
            self.connectionFailure = connectionFailure
            self.noHealthyUpstream = noHealthyUpstream
            self.overflow = overflow
            self.timeout = timeout
        }
    }

    /// Istio fault injection on a service's route.
    public struct FaultInjection: Sendable {
        /// The share of requests aborted with `503 FI fault_filter_abort`.
        public var abortRate: Double
        /// The share of requests delayed (`DI`).
        public var delayRate: Double
        /// The injected delay in microseconds.
        public var delayMicros: Int64

        /// Creates a fault-injection policy.
        public init(abortRate: Double = 0, delayRate: Double = 0, delayMicros: Int64 = 0) {
            self.abortRate = abortRate
            self.delayRate = delayRate
            self.delayMicros = delayMicros
        }

        /// No fault injection.
        public static let none = FaultInjection()

        /// Parses `abort:RATE` (503 `FI`) or `delay:RATE:DURATION` (`DI`, e.g. `delay:0.1:5s`); nil when malformed.
        public init?(parsing text: String) {
            let parts = text.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, let rate = Double(parts[1]), rate >= 0, rate <= 1 else { return nil }
            switch parts[0].lowercased() {
            case "abort" where parts.count == 2:
                self.init(abortRate: rate)
            case "delay" where parts.count == 3:
                guard let seconds = GeneratorOptions.parseDuration(parts[2]), seconds > 0 else { return nil }
                self.init(delayRate: rate, delayMicros: Int64(seconds * 1_000_000))
            default:
                return nil
            }
        }

        /// This policy with `other`'s non-zero parts laid over it.
        public func merging(_ other: FaultInjection) -> FaultInjection {
            var out = self
            if other.abortRate > 0 { out.abortRate = other.abortRate }
            if other.delayRate > 0 { out.delayRate = other.delayRate; out.delayMicros = other.delayMicros }
            return out
        }
    }

    /// How an operation issues its downstream calls.
    public enum FanOut: String, Sendable {
        /// One after another; a failed critical call stops the rest.
        case sequential
        /// All at once (each starts within a few hundred microseconds).
        case parallel
    }

    /// A call an operation makes to another service's operation.
    public struct Call: Sendable {
        /// The target, as `service.operation`, e.g. `user.get`.
        public var target: String
        /// The chance the call is made at all.
        public var probability: Double
        /// Whether a failure of this call fails the caller's request.
        public var critical: Bool

        /// Creates a call.
        public init(_ target: String, probability: Double = 1, critical: Bool = true) {
            self.target = target
            self.probability = probability
            self.critical = critical
        }
    }

    /// An HTTP endpoint of a service.
    ///
    /// `path` and `queries` are templates: `{course}`, `{lesson}`, `{user}`, `{payment}`, `{certificate}`,
    /// `{enrollment}`, `{page}` and `{term}` are replaced by the request's identifiers. The ground-truth route
    /// template replaces every identifier placeholder in `path` with `{id}`.
    public struct Operation: Sendable {
        /// A name unique within the service, e.g. `get`.
        public var name: String
        /// The HTTP method.
        public var method: String
        /// The path template, e.g. `/courses/{course}/lessons/{lesson}`.
        public var path: String
        /// Query string templates, one picked at random when a query is added.
        public var queries: [String]
        /// The chance the request carries a query string.
        public var queryProbability: Double
        /// Request body size range in bytes (`0...0` for no body).
        public var requestBytes: ClosedRange<Int>
        /// Median response body size in bytes.
        public var responseBytesMedian: Int
        /// Multiplies the version's median self time.
        public var selfTimeScale: Double
        /// The status code of a successful response.
        public var successStatus: Int
        /// The chance of a client error (not scaled by `errorRateScale`).
        public var clientErrorRate: Double
        /// The client error status, e.g. 404, 409, 402.
        public var clientErrorStatus: Int
        /// How the downstream calls are issued.
        public var fanOut: FanOut
        /// The downstream calls.
        public var calls: [Call]

        /// Creates an operation.
        public init(
            _ name: String, _ method: String, _ path: String, queries: [String] = [], queryProbability: Double = 0,
            requestBytes: ClosedRange<Int> = 0...0, responseBytesMedian: Int, selfTimeScale: Double = 1,
            successStatus: Int = 200, clientErrorRate: Double = 0, clientErrorStatus: Int = 404,
            fanOut: FanOut = .sequential, calls: [Call] = []
        ) {
            self.name = name
            self.method = method
            self.path = path
            self.queries = queries
            self.queryProbability = queryProbability
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

    /// An operation (`service.operation`) with its share of edge traffic; the path is prefixed at the gateway.
    public struct WeightedOperation: Sendable {
        /// The target, as `service.operation`.
        public var target: String
        /// The relative weight.
        public var weight: Double

        /// Creates a weighted operation.
        public init(_ target: String, weight: Double) {
            self.target = target
            self.weight = weight
        }
    }

    /// A string with a relative weight.
    public struct WeightedValue: Sendable {
        /// The value.
        public var value: String
        /// The relative weight.
        public var weight: Double

        /// Creates a weighted value.
        public init(_ value: String, weight: Double) {
            self.value = value
            self.weight = weight
        }
    }

    /// The sizes of the bounded identifier sets (so that routes repeat, as real traffic does).
    public struct IdentifierSpace: Sendable {
        /// Number of courses (numeric ids).
        public var courses: Int
        /// Lessons per course (numeric ids `1...lessonsPerCourse`).
        public var lessonsPerCourse: Int
        /// Number of users (UUIDs).
        public var users: Int
        /// Number of payments (24-character hex ids).
        public var payments: Int
        /// Number of certificates (40-character hex ids).
        public var certificates: Int
        /// Number of enrollments (7-digit numeric ids).
        public var enrollments: Int

        /// Creates an identifier space.
        public init(courses: Int, lessonsPerCourse: Int, users: Int, payments: Int, certificates: Int, enrollments: Int) {
            self.courses = courses
            self.lessonsPerCourse = lessonsPerCourse
            self.users = users
            self.payments = payments
            self.certificates = certificates
            self.enrollments = enrollments
        }
    }
}
