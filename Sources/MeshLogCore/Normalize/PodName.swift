/// Kubernetes pod naming: which workload a pod belongs to, and where a log file says it came from.
public enum PodName {
    /// The workload of a pod: the pod name less its ReplicaSet hash and pod suffix
    /// (`course-v1-7c9d8f6b5-x2kqp` → `course-v1`), or less a StatefulSet ordinal (`db-0` → `db`).
    public static func workload(_ pod: String) -> String {
        let parts = pod.split(separator: "-", omittingEmptySubsequences: false)
        func alnum(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { ($0.isLowercase || $0.isNumber) && $0.isASCII } }
        if parts.count >= 3, parts[parts.count - 1].count == 5, alnum(parts[parts.count - 1]),
           (6...10).contains(parts[parts.count - 2].count), alnum(parts[parts.count - 2]) {
            return parts.dropLast(2).joined(separator: "-")
        }
        if parts.count >= 2, parts[parts.count - 1].count == 5, alnum(parts[parts.count - 1]) {
            return parts.dropLast().joined(separator: "-")  // DaemonSet / Job pods
        }
        if parts.count >= 2, parts[parts.count - 1].allSatisfy(\.isNumber) {
            return parts.dropLast().joined(separator: "-")
        }
        return pod
    }

    /// Pod and namespace from a log path: `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log`
    /// or `/var/log/containers/<pod>_<ns>_<container>-<id>.log` (also `archive.tgz:var/log/...`),
    /// or a container's log in a cluster dump (`bug-report/proxies/<ns>/<pod>/istio-proxy.log`,
    /// cluster-info's `<ns>/<pod>/logs.txt`, must-gather's `namespaces/<ns>/pods/<pod>/…`; see `ClusterDump`).
    public static func fromPath(_ path: String) -> (pod: String, namespace: String)? {
        if let member = ClusterDump.classify(path) {
            switch member.kind {
            case .containerLog(let namespace, let pod, _), .containerSegments(let namespace, let pod): return (pod, namespace)
            default: break
            }
        }
        let inner = path.split(separator: ":").last.map(String.init) ?? path
        let parts = inner.split(separator: "/").map(String.init)
        if let pods = parts.lastIndex(of: "pods"), pods + 1 < parts.count {
            let fields = parts[pods + 1].split(separator: "_")
            if fields.count == 3 { return (String(fields[1]), String(fields[0])) }
        }
        if parts.count >= 2, parts[parts.count - 2] == "containers" {
            let fields = parts[parts.count - 1].split(separator: "_")
            if fields.count == 3 { return (String(fields[0]), String(fields[1])) }
        }
        return nil
    }
}
