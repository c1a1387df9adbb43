import MeshLogCore
extension MeshTopology {
    /// The learning platform's mesh: namespace `lms` behind `istio-ingressgateway` in `istio-system`.
    ///
    /// Call graph: gateway → frontend → {course, enrollment, user}; enrollment → {payment, user};
    /// course → grading; grading → user. `course` runs a canary: subset `v2` gets 10% of the traffic, is slower
    /// at p99 (heavier tail) and fails a little more often. `payment` has retries disabled (non-idempotent),
    /// `user` has a 0.2% fault-injection abort and `payment` a 0.4% injected 1.5 s delay.
    ///
    /// Pod names, IPs and VIPs are fixed (derived from the workload names), so every run sees the same pods.
    public static let learningPlatform: MeshTopology = makeLearningPlatform()

    private static func makeLearningPlatform() -> MeshTopology {
        var ips = PodIPAllocator()
        let ns = "lms"

        func version(
            _ service: String, _ subset: String, weight: Double = 1, pods: Int,
            median: Double, sigma: Double, tail: Double = 0.01, tailFactor: ClosedRange<Double> = 3...10,
            errors: Double, unavailable: Double
        ) -> Version {
            let workload = "\(service)-\(subset)"
            return Version(
                subset: subset, workload: workload, weight: weight,
                pods: makePods(workload: workload, namespace: ns, count: pods, ips: &ips),
                latency: LatencyProfile(medianMicros: median, sigma: sigma, tailProbability: tail, tailFactor: tailFactor),
                serverErrorRate: errors, unavailableRate: unavailable
            )
        }

        let gatewayPods = makePods(workload: "istio-ingressgateway", namespace: "istio-system", count: 2, ips: &ips)

        let frontend = Service(
            name: "frontend", namespace: ns, clusterIP: "10.96.12.34", port: 80, targetPort: 8080,
            authority: "frontend", usesSubsets: false,
            versions: [version("frontend", "v1", pods: 3, median: 2_500, sigma: 0.45, errors: 0.0025, unavailable: 0.0015)],
            retryAttempts: 2, timeoutMicros: 15_000_000,
            failures: FailureRates(connectionFailure: 0.0008, noHealthyUpstream: 0.0001, overflow: 0.0001, timeout: 0.0001),
            faults: .none,
            operations: [
                Operation("listCourses", "GET", "/api/courses", queries: ["page={page}&limit=20", "q={term}&page={page}", "category=programming&page={page}&sort=popular"],
                          queryProbability: 0.8, responseBytesMedian: 21_000, calls: [Call("course.list")]),
                Operation("getCourse", "GET", "/api/courses/{course}", queries: ["include=syllabus", "ref=search"], queryProbability: 0.15,
                          responseBytesMedian: 9_500, fanOut: .parallel,
                          calls: [Call("course.get"), Call("user.get", probability: 0.8, critical: false),
                                  Call("enrollment.status", probability: 0.7, critical: false)]),
                Operation("getLesson", "GET", "/api/courses/{course}/lessons/{lesson}", queries: ["autoplay=1"], queryProbability: 0.05,
                          responseBytesMedian: 14_000, calls: [Call("user.get"), Call("course.lesson")]),
                Operation("enroll", "POST", "/api/courses/{course}/enroll", requestBytes: 120...600, responseBytesMedian: 700,
                          successStatus: 201, calls: [Call("user.get"), Call("enrollment.create")]),
                Operation("dashboard", "GET", "/api/users/{user}/dashboard", responseBytesMedian: 16_000, fanOut: .parallel,
                          calls: [Call("user.get"), Call("enrollment.listForUser"), Call("course.listForUser", probability: 0.9, critical: false)]),
                Operation("submit", "POST", "/api/courses/{course}/lessons/{lesson}/submissions", requestBytes: 800...9_000,
                          responseBytesMedian: 900, successStatus: 201, calls: [Call("user.get"), Call("course.submit")]),
                Operation("certificate", "GET", "/api/certificates/{certificate}", responseBytesMedian: 3_200,
                          calls: [Call("course.certificate")]),
                Operation("updateProfile", "PUT", "/api/users/{user}/profile", requestBytes: 200...2_400, responseBytesMedian: 1_100,
                          calls: [Call("user.update")]),
                Operation("payment", "GET", "/api/payments/{payment}", responseBytesMedian: 850, calls: [Call("enrollment.payment")]),
                Operation("search", "GET", "/api/search", queries: ["q={term}", "q={term}&limit=10"], queryProbability: 1,
                          responseBytesMedian: 7_500, calls: [Call("course.search")]),
            ],
            clientUserAgent: "axios/1.7.7"
        )

        let course = Service(
            name: "course", namespace: ns, clusterIP: "10.96.41.7", port: 8080, targetPort: 8080,
            authority: "course:8080", usesSubsets: true,
            versions: [
                version("course", "v1", weight: 0.9, pods: 3, median: 7_000, sigma: 0.5, tail: 0.01, tailFactor: 3...8,
                        errors: 0.0050, unavailable: 0.0040),
                version("course", "v2", weight: 0.1, pods: 1, median: 8_000, sigma: 0.6, tail: 0.04, tailFactor: 5...15,
                        errors: 0.0200, unavailable: 0.0080),
            ],
            retryAttempts: 2, timeoutMicros: 3_000_000,
            failures: FailureRates(connectionFailure: 0.0015, noHealthyUpstream: 0.0002, overflow: 0.0004, timeout: 0.0005),
            faults: .none,
            operations: [
                Operation("list", "GET", "/courses", queries: ["page={page}&limit=20", "q={term}&page={page}&limit=20"], queryProbability: 1,
                          responseBytesMedian: 18_000, selfTimeScale: 1.4),
                Operation("get", "GET", "/courses/{course}", queries: ["include=syllabus"], queryProbability: 0.15,
                          responseBytesMedian: 6_000, clientErrorRate: 0.006, clientErrorStatus: 404),
                Operation("lesson", "GET", "/courses/{course}/lessons/{lesson}", responseBytesMedian: 11_000, selfTimeScale: 1.2,
                          clientErrorRate: 0.003, clientErrorStatus: 404,
                          calls: [Call("grading.progress", probability: 0.5, critical: false)]),
                Operation("listForUser", "GET", "/courses", queries: ["enrolledBy={user}&limit=10"], queryProbability: 1,
                          responseBytesMedian: 8_000),
                Operation("submit", "POST", "/courses/{course}/lessons/{lesson}/submissions", requestBytes: 800...9_000,
                          responseBytesMedian: 600, successStatus: 201, clientErrorRate: 0.01, clientErrorStatus: 400,
                          calls: [Call("grading.grade")]),
                Operation("certificate", "GET", "/certificates/{certificate}", responseBytesMedian: 2_800, selfTimeScale: 0.5,
                          clientErrorRate: 0.02, clientErrorStatus: 404, calls: [Call("grading.certificate")]),
                Operation("search", "GET", "/courses/search", queries: ["q={term}&limit=10", "q={term}&limit=25&offset=25"], queryProbability: 1,
                          responseBytesMedian: 7_000, selfTimeScale: 2.2),
            ],
            clientUserAgent: "Go-http-client/1.1"
        )

        let enrollment = Service(
            name: "enrollment", namespace: ns, clusterIP: "10.96.88.150", port: 8080, targetPort: 8080,
            authority: "enrollment.lms.svc.cluster.local:8080", usesSubsets: false,
            versions: [version("enrollment", "v1", pods: 2, median: 5_000, sigma: 0.5, errors: 0.0040, unavailable: 0.0030)],
            retryAttempts: 2, timeoutMicros: 6_000_000,
            failures: FailureRates(connectionFailure: 0.0012, noHealthyUpstream: 0.0002, overflow: 0.0004, timeout: 0.0004),
            faults: .none,
            operations: [
                Operation("status", "GET", "/enrollments", queries: ["user={user}&course={course}"], queryProbability: 1,
                          responseBytesMedian: 240, selfTimeScale: 0.6),
                Operation("create", "POST", "/enrollments", requestBytes: 150...500, responseBytesMedian: 420, successStatus: 201,
                          clientErrorRate: 0.01, clientErrorStatus: 409,
                          calls: [Call("user.get"), Call("payment.charge", probability: 0.6)]),
                Operation("listForUser", "GET", "/users/{user}/enrollments", responseBytesMedian: 2_600),
                Operation("payment", "GET", "/enrollments/{enrollment}/payment", responseBytesMedian: 700, selfTimeScale: 0.5,
                          calls: [Call("payment.get")]),
            ],
            clientUserAgent: "Apache-HttpClient/5.2.1 (Java/17.0.9)"
        )

        let user = Service(
            name: "user", namespace: ns, clusterIP: "10.96.7.201", port: 8000, targetPort: 8000,
            authority: "user:8000", usesSubsets: false,
            versions: [version("user", "v1", pods: 3, median: 2_200, sigma: 0.4, errors: 0.0020, unavailable: 0.0030)],
            retryAttempts: 2, timeoutMicros: 2_000_000,
            failures: FailureRates(connectionFailure: 0.0010, noHealthyUpstream: 0.0002, overflow: 0.0002, timeout: 0.0002),
            faults: FaultInjection(abortRate: 0.002),
            operations: [
                Operation("get", "GET", "/users/{user}", responseBytesMedian: 950, clientErrorRate: 0.003, clientErrorStatus: 404),
                Operation("update", "PUT", "/users/{user}", requestBytes: 200...2_400, responseBytesMedian: 1_000, selfTimeScale: 2,
                          clientErrorRate: 0.01, clientErrorStatus: 400),
                Operation("progress", "PUT", "/users/{user}/progress", requestBytes: 90...300, responseBytesMedian: 0, successStatus: 204),
                Operation("preferences", "GET", "/users/{user}/preferences", responseBytesMedian: 380, selfTimeScale: 0.7),
            ],
            clientUserAgent: "-"
        )

        let payment = Service(
            name: "payment", namespace: ns, clusterIP: "10.96.130.22", port: 9090, targetPort: 9090,
            authority: "payment.lms.svc.cluster.local:9090", usesSubsets: false,
            versions: [version("payment", "v1", pods: 2, median: 24_000, sigma: 0.45, errors: 0.0080, unavailable: 0.0050)],
            retryAttempts: 0, timeoutMicros: 8_000_000,
            failures: FailureRates(connectionFailure: 0.0030, noHealthyUpstream: 0.0004, overflow: 0.0020, timeout: 0.0008),
            faults: FaultInjection(delayRate: 0.004, delayMicros: 1_500_000),
            operations: [
                Operation("charge", "POST", "/v1/payments", requestBytes: 280...900, responseBytesMedian: 520, successStatus: 201,
                          clientErrorRate: 0.015, clientErrorStatus: 402),
                Operation("get", "GET", "/v1/payments/{payment}", responseBytesMedian: 640, selfTimeScale: 0.15,
                          clientErrorRate: 0.01, clientErrorStatus: 404),
            ],
            clientUserAgent: "-"
        )

        let grading = Service(
            name: "grading", namespace: ns, clusterIP: "10.96.201.93", port: 8080, targetPort: 8080,
            authority: "grading:8080", usesSubsets: false,
            versions: [version("grading", "v1", pods: 2, median: 11_000, sigma: 0.65, errors: 0.0060, unavailable: 0.0030)],
            retryAttempts: 2, timeoutMicros: 4_000_000,
            failures: FailureRates(connectionFailure: 0.0012, noHealthyUpstream: 0.0002, overflow: 0.0004, timeout: 0.0005),
            faults: .none,
            operations: [
                Operation("progress", "GET", "/grades/{user}", queries: ["course={course}"], queryProbability: 1,
                          responseBytesMedian: 1_400, selfTimeScale: 0.5,
                          calls: [Call("user.preferences", probability: 0.3, critical: false)]),
                Operation("grade", "POST", "/grades", requestBytes: 800...9_000, responseBytesMedian: 450, selfTimeScale: 2.5,
                          successStatus: 201, calls: [Call("user.progress")]),
                Operation("certificate", "GET", "/certificates/{certificate}", responseBytesMedian: 2_100,
                          clientErrorRate: 0.01, clientErrorStatus: 404, calls: [Call("user.get")]),
            ],
            clientUserAgent: "python-requests/2.32.3"
        )

        var clients: [String] = []
        for prefix in ["203.0.113", "198.51.100", "192.0.2"] {
            for host in 1...254 { clients.append("\(prefix).\(host)") }
        }

        return MeshTopology(
            gateway: Gateway(
                workload: "istio-ingressgateway", namespace: "istio-system", pods: gatewayPods,
                host: "learn.example.com", listenPort: 8443, routeName: "frontend-api", upstreamService: "frontend"
            ),
            services: [frontend, course, enrollment, user, payment, grading],
            entryOperations: [
                WeightedOperation("frontend.listCourses", weight: 10),
                WeightedOperation("frontend.getCourse", weight: 24),
                WeightedOperation("frontend.getLesson", weight: 30),
                WeightedOperation("frontend.enroll", weight: 5),
                WeightedOperation("frontend.dashboard", weight: 12),
                WeightedOperation("frontend.submit", weight: 7),
                WeightedOperation("frontend.certificate", weight: 3),
                WeightedOperation("frontend.updateProfile", weight: 3),
                WeightedOperation("frontend.payment", weight: 2),
                WeightedOperation("frontend.search", weight: 4),
            ],
            unroutablePaths: [
                "/wp-login.php", "/.env", "/.git/config", "/admin/config.php", "/phpmyadmin/index.php",
                "/cgi-bin/luci/;stok=/locale", "/actuator/env", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                "/owa/auth/logon.aspx", "/server-status",
            ],
            unroutableRate: 0.004,
            clientUserAgents: [
                WeightedValue("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", weight: 34),
                WeightedValue("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", weight: 14),
                WeightedValue("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", weight: 7),
                WeightedValue("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", weight: 6),
                WeightedValue("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", weight: 15),
                WeightedValue("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", weight: 11),
                WeightedValue("LearnApp/4.2.1 (iPhone; iOS 18.1; Scale/3.00)", weight: 8),
                WeightedValue("LearnApp/4.2.0 (Android 14; okhttp/4.12.0)", weight: 4),
                WeightedValue("curl/8.5.0", weight: 1),
            ],
            scannerUserAgents: [
                "Mozilla/5.0 zgrab/0.x", "python-requests/2.31.0", "Go-http-client/1.1",
                "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
            ],
            clientAddresses: clients,
            identifiers: IdentifierSpace(courses: 2_000, lessonsPerCourse: 60, users: 20_000, payments: 5_000, certificates: 3_000, enrollments: 50_000),
            searchTerms: ["swift", "python", "kubernetes", "data+science", "machine+learning", "ux+design", "rust", "sql",
                          "statistics", "spanish", "calculus", "photography"]
        )
    }

    /// Hands out pod IPs `10.244.<node>.<host>` round-robin over four nodes.
    private struct PodIPAllocator {
        var next = 0
        mutating func allocate() -> String {
            defer { next += 1 }
            let node = next % 4
            let host = 5 + (next / 4) * 7 % 240 + next % 3
            return "10.244.\(node).\(host)"
        }
    }

    /// Makes `count` pods named like a Deployment's: `<workload>-<pod-template-hash>-<suffix>`.
    private static func makePods(workload: String, namespace: String, count: Int, ips: inout PodIPAllocator) -> [Pod] {
        let alphabet = "bcdfghjklmnpqrstvwxz2456789"
        var rng = SeededRandom(label: workload)
        let hash = rng.string(length: 9 + rng.nextInt(below: 2), alphabet: alphabet)
        return (0..<count).map { _ in
            Pod(name: "\(workload)-\(hash)-\(rng.string(length: 5, alphabet: alphabet))",
                namespace: namespace, workload: workload, ip: ips.allocate())
        }
    }
}
