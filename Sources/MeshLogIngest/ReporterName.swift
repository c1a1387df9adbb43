import MeshLogCore

/// The reporter (pod) an input's lines came from, as told by its path.
enum ReporterName {
    /// The pod a file's lines came from: from `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log`
    /// or `/var/log/containers/<pod>_<ns>_<container>-<id>.log` (also inside archives), else the
    /// file name without directories and log extensions.
    static func forPath(_ path: String) -> String {
        if path == "-" { return "stdin" }
        if let pod = PodName.fromPath(path) { return pod.pod }
        let inner = path.split(separator: ":").last.map(String.init) ?? path
        let parts = inner.split(separator: "/").map(String.init)
        var name = Substring(parts.last ?? inner)
        var changed = true
        while changed {
            changed = false
            for ext in [".gz", ".log", ".txt", ".json", ".jsonl"] where name.hasSuffix(ext) {
                name = name.dropLast(ext.count)
                changed = true
            }
            // Rotated files: `0.log.20261125-101500`.
            if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy({ $0.isNumber || $0 == "-" }),
               name.distance(from: dot, to: name.endIndex) > 8 {
                name = name[..<dot]
                changed = true
            }
        }
        return String(name)
    }
}
