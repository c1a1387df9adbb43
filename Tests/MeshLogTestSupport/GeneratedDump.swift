import Foundation
import MeshLogGenerate

/// The learning platform's generated traffic laid out as the cluster-dump tools write it
/// (`istioctl bug-report`, `kubectl cluster-info dump`, OpenShift must-gather), with the members
/// around the proxy logs that are not access logs: config dumps, resource lists, istiod logs,
/// other containers' logs, and a few members no layout names.
public struct GeneratedDump: Sendable {
    /// A mesh pod, its workload, version (subset) and IP.
    public struct Pod: Sendable {
        public var name: String
        public var namespace: String
        public var workload: String
        public var app: String
        public var version: String?
        public var ip: String
    }

    public let pods: [Pod]
    /// Access lines each pod's sidecar wrote.
    public let linesByPod: [String: [String]]
    /// A pod whose proxy log the dump lacks (its facts are there): its calls are seen only by the callees.
    public let missing: String
    /// A database pod outside the mesh (no sidecar; its facts are in the dump, its log is not an access log).
    public static let database = Pod(name: "lms-db-0", namespace: "lms", workload: "lms-db", app: "lms-db", version: nil, ip: "10.244.7.201")
    public static let start = "2026-11-25T00:00:00.000000Z"

    public init(lines: Int = 3000, seed: UInt64 = 5) {
        let topology = MeshTopology.learningPlatform
        var pods: [Pod] = topology.gateway.pods.map {
            Pod(name: $0.name, namespace: $0.namespace, workload: $0.workload, app: topology.gateway.workload, version: nil, ip: $0.ip)
        }
        for service in topology.services {
            for version in service.versions {
                pods += version.pods.map { Pod(name: $0.name, namespace: $0.namespace, workload: $0.workload, app: service.name, version: version.subset, ip: $0.ip) }
            }
        }
        self.pods = pods
        let options = GeneratorOptions(lines: lines, seed: seed, startMicros: GeneratorOptions.defaultStartMicros,
                                       durationSeconds: 600, errorRateScale: 1, format: .istio, diurnal: false)
        var perPod: [String: [String]] = [:]
        TrafficGenerator(topology: topology, options: options).forEachLineInCompletionOrder { perPod[$0.pod, default: []].append($0.text) }
        linesByPod = perPod
        // A frontend pod (it calls course, user and enrollment) whose log the dump lacks.
        missing = pods.filter { $0.workload == "frontend-v1" }.map(\.name).sorted().first { perPod[$0] != nil }!
    }

    /// Pods whose proxy log is in the dump, with their lines.
    public var logged: [String: [String]] { linesByPod.filter { $0.key != missing } }
    /// Access lines in the dump.
    public var accessLines: Int { logged.values.reduce(0) { $0 + $1.count } }
    /// Every pod's workload by IP, the database's too.
    public var workloadByIP: [String: String] {
        Dictionary(uniqueKeysWithValues: (pods + [Self.database]).map { ($0.ip, $0.workload) })
    }

    // MARK: - Pod facts

    /// The ReplicaSet that owns a Deployment's pod, and its `pod-template-hash`.
    static func replicaSet(_ pod: Pod) -> (name: String, hash: String) {
        let name = String(pod.name[..<pod.name.lastIndex(of: "-")!])
        return (name, String(name.dropFirst(pod.workload.count + 1)))
    }

    /// One pod as `kubectl get pod -o json` prints it.
    public static func podJSON(_ pod: Pod) -> [String: Any] {
        var labels: [String: Any] = ["app": pod.app, "security.istio.io/tlsMode": "istio",
                                     "service.istio.io/canonical-name": pod.app]
        var owner: [String: Any]
        if pod.name == database.name {
            owner = ["apiVersion": "apps/v1", "kind": "StatefulSet", "name": pod.workload, "controller": true, "uid": "5d1c…"]
            labels["statefulset.kubernetes.io/pod-name"] = pod.name
        } else {
            let rs = replicaSet(pod)
            owner = ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs.name, "controller": true, "blockOwnerDeletion": true]
            labels["pod-template-hash"] = rs.hash
        }
        if let version = pod.version {
            labels["version"] = version
            labels["service.istio.io/canonical-revision"] = version
        }
        let containers: [[String: Any]] = pod.name == database.name ? [["name": "postgres", "image": "postgres:16"]]
            : [["name": pod.app, "image": "registry.example.com/\(pod.app):1.4.2"], ["name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.1"]]
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": pod.name, "namespace": pod.namespace, "labels": labels, "ownerReferences": [owner],
                             "annotations": ["sidecar.istio.io/status": "{\"initContainers\":[\"istio-init\"]}"]],
                "spec": ["containers": containers, "nodeName": "worker-2"],
                "status": ["phase": "Running", "podIP": pod.ip, "podIPs": [["ip": pod.ip]], "hostIP": "172.18.0.3"]]
    }

    /// `kubectl get pods -o json` of `pods`: a `List` (as `cluster-info dump` writes `pods.json`).
    public static func podsJSON(_ pods: [Pod]) -> String {
        let list: [String: Any] = ["apiVersion": "v1", "kind": "PodList", "metadata": ["resourceVersion": "81723"], "items": pods.map(podJSON)]
        let data = try! JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// YAML as `kubectl get -o yaml` prints it (keys sorted, a sequence at its key's indentation).
    static func yaml(_ value: Any, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        func scalar(_ v: Any) -> String {
            if let b = v as? Bool { return b ? "true" : "false" }
            let s = "\(v)"
            return s.contains(":") || s.contains("{") || s.contains("\"") || s.isEmpty || Int(s) != nil ? "'\(s.replacingOccurrences(of: "'", with: "''"))'" : s
        }
        if let object = value as? [String: Any] {
            var out = ""
            for key in object.keys.sorted() {
                let v = object[key]!
                let k = key
                if let o = v as? [String: Any], !o.isEmpty {
                    out += "\(pad)\(k):\n" + yaml(o, indent: indent + 2)
                } else if let a = v as? [Any], !a.isEmpty {
                    out += "\(pad)\(k):\n" + yaml(a, indent: indent)
                } else if v is [String: Any] {
                    out += "\(pad)\(k): {}\n"
                } else if v is [Any] {
                    out += "\(pad)\(k): []\n"
                } else {
                    out += "\(pad)\(k): \(scalar(v))\n"
                }
            }
            return out
        }
        if let array = value as? [Any] {
            var out = ""
            for item in array {
                if item is [String: Any] {
                    let body = yaml(item, indent: indent + 2)
                    out += pad + "- " + body.dropFirst(indent + 2)
                } else {
                    out += "\(pad)- \(scalar(item))\n"
                }
            }
            return out
        }
        return pad + scalar(value) + "\n"
    }

    /// A `List` of `items` as YAML (bug-report's `k8s-resources`, must-gather's `core/pods.yaml`).
    public static func listYAML(_ items: [[String: Any]]) -> String {
        yaml(["apiVersion": "v1", "kind": "List", "items": items, "metadata": ["resourceVersion": ""]] as [String: Any], indent: 0)
    }

    /// A Service and a Deployment beside the pods, as `kubectl get all -o yaml` lists them.
    static func otherResources() -> [[String: Any]] {
        [["apiVersion": "v1", "kind": "Service", "metadata": ["name": "course", "namespace": "lms", "labels": ["app": "course"]],
          "spec": ["clusterIP": "10.96.41.7", "ports": [["port": 8080, "targetPort": 8080, "name": "http"]], "selector": ["app": "course"]]],
         ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "course-v1", "namespace": "lms"],
          "spec": ["replicas": 2, "template": ["metadata": ["labels": ["app": "course", "version": "v1"]],
                                               "spec": ["containers": [["name": "course", "image": "registry.example.com/course:1.4.2"]]]]]]]
    }

    /// An Envoy config dump whose bootstrap node names the pod (as `config_dump?include_eds`).
    public static func configDump(_ pod: Pod) -> String {
        let kind = pod.workload == "istio-ingressgateway" ? "router" : "sidecar"
        let labels = pod.version.map { ", \"version\": \"\($0)\"" } ?? ""
        return """
            {
             "configs": [
              {
               "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",
               "bootstrap": {
                "node": {
                 "id": "\(kind)~\(pod.ip)~\(pod.name).\(pod.namespace)~\(pod.namespace).svc.cluster.local",
                 "cluster": "\(pod.workload).\(pod.namespace)",
                 "metadata": {
                  "INSTANCE_IPS": "\(pod.ip)",
                  "LABELS": { "app": "\(pod.app)", "service.istio.io/canonical-name": "\(pod.app)"\(labels) },
                  "NAME": "\(pod.name)",
                  "NAMESPACE": "\(pod.namespace)",
                  "OWNER": "kubernetes://apis/apps/v1/namespaces/\(pod.namespace)/deployments/\(pod.workload)",
                  "WORKLOAD_NAME": "\(pod.workload)"
                 },
                 "user_agent_name": "envoy"
                },
                "static_resources": { "listeners": [ { "address": { "socket_address": { "address": "0.0.0.0", "port_value": 15090 } } } ] }
               }
              },
              { "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "version_info": "2026-11-25T00:00:00Z/41" }
             ]
            }

            """
    }

    // MARK: - Logs

    /// Envoy's and pilot-agent's own lines at a proxy's start (not access logs).
    static let proxyStartup = [
        "2026-11-25T00:00:00.100000Z\tinfo\tFLAG: --concurrency=\"2\"",
        "2026-11-25T00:00:00.400000Z\tinfo\tEnvoy proxy is ready",
    ]

    /// A pod's proxy log as `kubectl logs` gives it (unwrapped), or with `--timestamps`; `restarted`:
    /// as bug-report writes a restarted proxy's log, the earlier log appended after separators.
    public func proxyLog(_ pod: String, timestamps: Bool = false, restarted: Bool = false) -> String {
        var lines = Self.proxyStartup + (linesByPod[pod] ?? [])
        if restarted, lines.count > 10 {
            lines = ["========= Previous log present (appended at the end) =========", ""] + Array(lines[10...])
                + ["", "", "========= Previous log =========", ""] + Array(lines[..<10])
        }
        guard timestamps else { return lines.joined(separator: "\n") + "\n" }
        return lines.enumerated().map { i, line in
            "2026-11-25T00:\(String(format: "%02d", 10 + i / 600)):\(String(format: "%02d", (i / 10) % 60)).\(String(format: "%06d", i))Z \(line)"
        }.joined(separator: "\n") + "\n"
    }

    /// An application container's own lines.
    static func appLog(_ pod: Pod) -> String {
        """
        2026-11-25 00:00:01,204 INFO  [main] \(pod.app) started on port 8080 (version \(pod.version ?? "-"))
        2026-11-25 00:00:05,881 INFO  [http-1] GET /healthz 200 2ms
        2026-11-25 00:03:12,007 WARN  [http-4] slow query took 812ms: SELECT * FROM lessons WHERE course_id = ?

        """
    }

    // MARK: - Layouts

    /// `istioctl bug-report`'s `bug-report.tar.gz`, members in the order its `filepath.Walk` writes them.
    /// Gateway pods' facts come only from their config dumps (the YAML lists the other pods).
    public func writeBugReport(into dir: TemporaryDirectory, extraMember: Bool = true) throws -> String {
        var members: [String: String] = [:]
        for pod in pods {
            let base = "bug-report/proxies/\(pod.namespace)/\(pod.name)"
            // The first pod's proxy restarted once: its earlier log comes after bug-report's separators.
            if pod.name != missing { members["\(base)/istio-proxy.log"] = proxyLog(pod.name, restarted: pod.name == pods.first?.name) }
            members["\(base)/config_dump?include_eds"] = Self.configDump(pod)
            members["\(base)/clusters"] = "outbound|8080||course.lms.svc.cluster.local::10.244.2.7:8080::cx_active::1\n"
            members["\(base)/certs"] = "{\n \"certificates\": []\n}\n"
            members["\(base)/netstat"] = "Active Internet connections (servers and established)\ntcp 0 0 0.0.0.0:15001 0.0.0.0:* LISTEN 21/envoy\n"
        }
        let istiod = "bug-report/istio/istio-system/istiod-7f8b9c6d5-q2w4e"
        members["\(istiod)/discovery.log"] = """
            2026-11-25T00:00:00.512345Z\tinfo\tads\tADS: new connection for node:frontend-v1-fsg6lvwr4-tj47x.lms-1
            2026-11-25T00:00:01.000000Z\tinfo\tads\tPush debounce stable[12] 1 for config ServiceEntry/lms/course: 100.2ms since last change

            """
        members["\(istiod)/debug/syncz"] = "[{\"cluster_id\":\"Kubernetes\",\"proxy\":\"frontend-v1-fsg6lvwr4-tj47x.lms\"}]\n"
        members["bug-report/operator/istio-operator/istio-operator-6c9b7f5d8-k4m2n/operator.log"] = "2026-11-25T00:00:00.000000Z\tinfo\tinstalling\n"
        let listed = pods.filter { $0.workload != "istio-ingressgateway" } + [Self.database]
        members["bug-report/cluster/k8s-resources"] = Self.listYAML(listed.map(Self.podJSON) + Self.otherResources())
        members["bug-report/cluster/events"] = "NAMESPACE  LAST SEEN  TYPE  REASON  OBJECT  MESSAGE\nlms  2m  Normal  Pulled  pod/course-v1  pulled\n"
        members["bug-report/cluster/cluster-context"] = "kind-mesh\nhttps://127.0.0.1:6443\n"
        members["bug-report/analyze/all-namespaces"] = "Info [IST0102] (Namespace default) The namespace is not enabled for Istio injection.\n"
        members["bug-report/versions"] = "CLI version: 1.24.1\nThe following Istio control plane revisions/versions were found in the cluster:\n"
        members["bug-report/bug-report.log"] = "2026-11-25T00:00:00.000000Z\tinfo\tFetching proxy logs for the following containers:\n"
        if extraMember { members["bug-report/zz-notes.txt"] = "Collected for the on-call hand-over; see the ticket.\n" }
        return try tarball(dir, name: "bug-report.tar.gz", members: members)
    }

    /// `kubectl cluster-info dump --output-directory DIR` into `DIR` (`folder` under `dir`): every
    /// container's log in one `logs.txt` per pod between START/END lines, `pods.json` per namespace.
    public func writeClusterInfo(into dir: TemporaryDirectory, folder: String) throws -> [String] {
        var members: [String: String] = [:]
        members["\(folder)/nodes.json"] = "{\n \"kind\": \"NodeList\",\n \"items\": []\n}\n"
        for namespace in ["lms", "istio-system", "kube-system"] {
            let inNamespace = (pods + [Self.database]).filter { $0.namespace == namespace }
            members["\(folder)/\(namespace)/pods.json"] = Self.podsJSON(inNamespace)
            for list in ["events", "replication-controllers", "services", "daemonsets", "deployments", "replicasets"] {
                members["\(folder)/\(namespace)/\(list).json"] = "{\n \"kind\": \"List\",\n \"items\": []\n}\n"
            }
        }
        func segment(_ container: String, _ pod: Pod, _ body: String) -> String {
            "==== START logs for container \(container) of pod \(pod.namespace)/\(pod.name) ====\n" + body
                + "==== END logs for container \(container) of pod \(pod.namespace)/\(pod.name) ====\n"
        }
        for pod in pods {
            var text = ""
            if pod.workload == "istio-ingressgateway" {
                text = segment("istio-proxy", pod, pod.name == missing ? "" : proxyLog(pod.name))
            } else {
                text = segment("istio-init", pod, "2026-11-25T00:00:00.000000Z\tinfo\tIstio iptables environment:\n-A ISTIO_OUTPUT -j ISTIO_REDIRECT\n")
                text += segment(pod.app, pod, Self.appLog(pod))
                text += pod.name == missing ? segment("istio-proxy", pod, "Request log error: the server rejected our request\n") : segment("istio-proxy", pod, proxyLog(pod.name))
            }
            members["\(folder)/\(pod.namespace)/\(pod.name)/logs.txt"] = text
        }
        members["\(folder)/lms/\(Self.database.name)/logs.txt"] = segment("postgres", Self.database,
            "2026-11-25 00:00:00.000 UTC [1] LOG:  database system is ready to accept connections\n")
        for (path, text) in members { try dir.write(path, text) }
        return members.keys.sorted()
    }

    /// OpenShift `oc adm must-gather` into `folder`: per pod `<pod>.yaml` and each container's log
    /// (`--timestamps`) at `namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log`.
    public func writeMustGather(into dir: TemporaryDirectory, folder: String) throws {
        let root = "\(folder)/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-4d5f"
        try dir.write("\(folder)/timestamp", "2026-11-25 00:20:00.000000 +0000 UTC m=+0.0\n")
        try dir.write("\(root)/timestamp", "2026-11-25 00:20:00.000000 +0000 UTC m=+0.0\n")
        try dir.write("\(root)/event-filter.html", "<html><body><table></table></body></html>\n")
        try dir.write("\(root)/cluster-scoped-resources/core/nodes/worker-2.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-2\n")
        try dir.write("\(root)/namespaces/lms/core/pods.yaml", Self.listYAML([Self.podJSON(Self.database)]))
        try dir.write("\(root)/namespaces/lms/core/services.yaml", Self.listYAML(Array(Self.otherResources().prefix(1))))
        for pod in pods {
            let base = "\(root)/namespaces/\(pod.namespace)/pods/\(pod.name)"
            try dir.write("\(base)/\(pod.name).yaml", Self.yaml(Self.podJSON(pod), indent: 0))
            if pod.name != missing { try dir.write("\(base)/istio-proxy/istio-proxy/logs/current.log", proxyLog(pod.name, timestamps: true)) }
            try dir.write("\(base)/istio-proxy/istio-proxy/logs/previous.log", "")
            if pod.workload != "istio-ingressgateway" {
                try dir.write("\(base)/\(pod.app)/\(pod.app)/logs/current.log", Self.appLog(pod))
                try dir.write("\(base)/\(pod.app)/\(pod.app)/healthz/index", "ok\n")
            }
        }
    }

    /// A gzipped tar of `members` (written under a scratch folder), in byte order of their paths.
    public func tarball(_ dir: TemporaryDirectory, name: String, members: [String: String]) throws -> String {
        let scratch = "tar-\(name)"
        for (path, text) in members { try dir.write("\(scratch)/\(path)", text) }
        let paths = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let tarball = dir.path(name)
        let result = try runTool("/usr/bin/tar", ["-czf", tarball, "-C", dir.path(scratch)] + paths)
        precondition(result.status == 0, "tar failed")
        try FileManager.default.removeItem(atPath: dir.path(scratch))
        return tarball
    }
}
