/// The cluster dumps the tools write, recognised by a member's path (a file in a folder, or a
/// tar member `archive.tar.gz:inner/path`), and what each member of one is.
///
/// Layouts, as their tools write them:
///
/// - `istioctl bug-report` (istio/istio `tools/bug-report/pkg/archive/archive.go`,
///   `pkg/bugreport/bugreport.go`, `pkg/content/content.go`): `bug-report.tar.gz` holds
///   `bug-report/proxies/<namespace>/<pod>/istio-proxy.log` (`kubectl logs` of the proxy, unwrapped)
///   beside that pod's Envoy admin output (`config_dump?include_eds`, `clusters`, `certs`, `netstat`,
///   `cores/N.core`), istiod under `bug-report/istio/<namespace>/<pod>/` (`discovery.log`, debug
///   endpoints), `bug-report/operator/<namespace>/<pod>/operator.log`, `bug-report/analyze/…`, and
///   `bug-report/cluster/` (`k8s-resources`: `kubectl get … all … -o yaml`, `crs`, `events`, `nodes`,
///   `secrets`, `cluster-context`, `kubectl-version`, `describe-pods`), `bug-report/versions`,
///   `bug-report/bug-report.log`.
/// - `kubectl cluster-info dump --output-directory DIR` (kubernetes/kubectl
///   `pkg/cmd/clusterinfo/clusterinfo_dump.go`): `DIR/nodes.json`, and per namespace
///   `DIR/<ns>/{events,replication-controllers,services,daemonsets,deployments,replicasets,pods}.json`
///   (`.yaml`/`.txt` with `--output yaml`), and `DIR/<ns>/<pod>/logs.txt` with each (init) container's
///   log between `==== START logs for container C of pod NS/POD ====` and
///   `==== END logs for container C of pod NS/POD ====` (see `ContainerLogMarker`).
/// - OpenShift `oc adm must-gather` / `oc adm inspect` (openshift/oc `pkg/cli/admin/inspect/pod.go`):
///   `<root>/namespaces/<ns>/pods/<pod>/<pod>.yaml`, each container's log with `--timestamps` at
///   `<root>/namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log`,
///   resource lists at `<root>/namespaces/<ns>/<group>/<resource>.yaml` (`core/pods.yaml`), and
///   `<root>/cluster-scoped-resources/…`, `timestamp`, `event-filter.html` beside them.
public enum ClusterDump {
    /// Which tool wrote a dump.
    public enum Layout: String, Sendable, Codable, CaseIterable {
        case bugReport = "bug-report"
        case clusterInfo = "cluster-info"
        case mustGather = "must-gather"
    }

    /// What a member of a dump is.
    public enum Kind: Sendable, Equatable {
        /// One container's log (`istio-proxy.log`, a must-gather `current.log`): an access log
        /// when `container` is a proxy's.
        case containerLog(namespace: String, pod: String, container: String)
        /// A cluster-info `logs.txt`: every container of the pod between START/END markers.
        case containerSegments(namespace: String, pod: String)
        /// A list of pods (or one pod) as JSON or YAML: the dump's pod facts.
        case podList
        /// An Envoy config dump, whose bootstrap node names the pod and its IP.
        case configDump(namespace: String, pod: String)
        /// Anything else in the dump: resource lists, istiod and operator logs, analyzer output,
        /// admin endpoints' output. Not an access log.
        case notAccessLog
    }

    /// A member of a dump: its layout, the dump's root (the path before the layout's own part) and kind.
    public struct Member: Sendable, Equatable {
        public var layout: Layout
        public var root: String
        public var kind: Kind
    }

    /// The resource lists `kubectl cluster-info dump` writes per namespace (and `nodes` at the top).
    static let clusterInfoLists: Set<String> = ["events", "replication-controllers", "services", "daemonsets",
                                                "deployments", "replicasets", "pods"]
    static let clusterInfoExtensions = [".json", ".yaml", ".txt"]
    /// The folders directly under `bug-report/`.
    static let bugReportFolders: Set<String> = ["proxies", "istio", "cluster", "analyze", "operator"]
    /// The files directly under `bug-report/`.
    static let bugReportFiles: Set<String> = ["versions", "bug-report.log"]

    /// The member at `path` (`archive:inner` for a tar member), or nil when the path is no known
    /// part of a dump. Paths of other layouts (`/var/log/pods/…`) are nil too.
    public static func classify(_ path: String) -> Member? {
        // `bundle.tar.gz:bug-report/…`: the member's own path decides; the root keeps the archive's name.
        let (outer, inner) = split(path)
        let parts = inner.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let n = parts.count
        guard n >= 1 else { return nil }
        func root(_ count: Int) -> String {
            let joined = parts.prefix(count).joined(separator: "/")
            return outer + (inner.hasPrefix("/") && count > 0 ? "/" : "") + joined
        }
        // istioctl bug-report: `…/bug-report/<folder or file>`.
        if let i = parts.indices.first(where: { parts[$0] == "bug-report" && $0 + 1 < n
                                                && (bugReportFolders.contains(parts[$0 + 1]) || bugReportFiles.contains(parts[$0 + 1])) }) {
            let rest = Array(parts[(i + 1)...])
            var kind = Kind.notAccessLog
            if rest[0] == "proxies", rest.count == 4 {  // proxies/<ns>/<pod>/<file>
                let file = rest[3]
                if file.hasSuffix(".log") {
                    kind = .containerLog(namespace: rest[1], pod: rest[2], container: String(file.dropLast(4)))
                } else if file.hasPrefix("config_dump") {
                    kind = .configDump(namespace: rest[1], pod: rest[2])
                }
            } else if rest[0] == "cluster", rest.count == 2, rest[1] == "k8s-resources" {
                kind = .podList
            }
            return Member(layout: .bugReport, root: root(i + 1), kind: kind)
        }
        // must-gather / oc adm inspect: `…/namespaces/<ns>/…` or `…/cluster-scoped-resources/…`.
        if let i = parts.lastIndex(of: "namespaces"), i + 3 < n {
            let ns = parts[i + 1]
            let rest = Array(parts[(i + 2)...])
            var kind = Kind.notAccessLog
            if rest[0] == "pods", rest.count == 6, rest[2] == rest[3], rest[4] == "logs", rest[5].hasSuffix(".log") {
                kind = .containerLog(namespace: ns, pod: rest[1], container: rest[2])
            } else if rest[0] == "pods", rest.count == 3, rest[2] == rest[1] + ".yaml" {
                kind = .podList
            } else if rest.count == 2, rest[0] == "core", rest[1] == "pods.yaml" {
                kind = .podList
            } else if rest[0] == "pods" || rest.count == 2 && rest[1].hasSuffix(".yaml") {
                kind = .notAccessLog
            } else {
                return nil
            }
            return Member(layout: .mustGather, root: root(mustGatherRoot(parts, i)), kind: kind)
        }
        if let i = parts.lastIndex(of: "cluster-scoped-resources"), i + 1 < n {
            return Member(layout: .mustGather, root: root(mustGatherRoot(parts, i)), kind: .notAccessLog)
        }
        // kubectl cluster-info dump: `DIR/<ns>/<pod>/logs.txt`, `DIR/<ns>/<list>.json`, `DIR/nodes.json`.
        let file = parts[n - 1]
        if file == "logs.txt", n >= 3 {
            return Member(layout: .clusterInfo, root: root(n - 3), kind: .containerSegments(namespace: parts[n - 3], pod: parts[n - 2]))
        }
        if let ext = clusterInfoExtensions.first(where: { file.hasSuffix($0) }) {
            let base = String(file.dropLast(ext.count))
            if clusterInfoLists.contains(base), n >= 2 {
                return Member(layout: .clusterInfo, root: root(n - 2), kind: base == "pods" && ext != ".txt" ? .podList : .notAccessLog)
            }
            if base == "nodes" {
                return Member(layout: .clusterInfo, root: root(n - 1), kind: .notAccessLog)
            }
        }
        return nil
    }

    /// Where a must-gather starts, given the index of its `namespaces` (or `cluster-scoped-resources`)
    /// folder: `must-gather.local.<id>/`, which holds one folder per gather image (and `timestamp`,
    /// `event-filter.html` beside them), else the image's folder.
    static func mustGatherRoot(_ parts: [String], _ i: Int) -> Int {
        i >= 2 && parts[i - 2].hasPrefix("must-gather") ? i - 1 : i
    }

    /// `archive:inner` → (`archive:`, `inner`); a plain path → (``, path).
    static func split(_ path: String) -> (String, String) {
        guard let colon = path.firstIndex(of: ":") else { return ("", path) }
        return (String(path[...colon]), String(path[path.index(after: colon)...]))
    }

    /// Whether `path` lies under the dump root `root` (the root itself being a folder or an archive prefix).
    public static func path(_ path: String, isUnder root: String) -> Bool {
        if root.isEmpty { return true }
        if root.hasSuffix(":") { return path.hasPrefix(root) }
        return path.hasPrefix(root + "/")
    }
}

/// The START/END lines `kubectl cluster-info dump` writes around each container's log in a pod's
/// `logs.txt`: `==== START logs for container C of pod NS/POD ====` and
/// `==== END logs for container C of pod NS/POD ====` (kubernetes/kubectl
/// `pkg/cmd/clusterinfo/clusterinfo_dump.go`, `printContainer`).
public enum ContainerLogMarker {
    public enum Edge: Sendable, Equatable { case start, end }

    static let start = Array("==== START logs for container ".utf8)
    /// How a cluster-info `logs.txt` starts.
    public static var startPrefix: [UInt8] { start }
    static let end = Array("==== END logs for container ".utf8)
    static let close = Array(" ====".utf8)

    /// The marker a line is, with its container, namespace and pod; nil for any other line.
    /// Only lines starting with `====` are looked at further.
    @inline(__always)
    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> (edge: Edge, container: String, namespace: String, pod: String)? {
        guard line.count > 40, line[0] == UInt8(ascii: "="), line[1] == UInt8(ascii: "="), line[2] == UInt8(ascii: "=") else { return nil }
        let edge: Edge
        let prefix: [UInt8]
        if line.starts(with: start) { edge = .start; prefix = start } else if line.starts(with: end) { edge = .end; prefix = end } else { return nil }
        var stop = line.count
        while stop > 0, line[stop - 1] == 32 || line[stop - 1] == 13 { stop -= 1 }
        guard stop - prefix.count > close.count, line[(stop - close.count)..<stop].elementsEqual(close) else { return nil }
        let body = String(decoding: UnsafeBufferPointer(rebasing: line[prefix.count..<(stop - close.count)]), as: UTF8.self)
        guard let of = body.range(of: " of pod ") else { return nil }
        let container = String(body[..<of.lowerBound])
        let podPart = body[of.upperBound...]
        guard let slash = podPart.firstIndex(of: "/") else { return nil }
        return (edge, container, String(podPart[..<slash]), String(podPart[podPart.index(after: slash)...]))
    }
}
