import Foundation

/// What a cluster dump says about one pod: its IP, workload, app and version.
public struct PodFact: Sendable, Equatable {
    public var name: String
    public var namespace: String
    /// The pod IP (`status.podIP`, or the config dump's node id).
    public var ip: String?
    /// The workload: the pod's owner (a ReplicaSet less its `pod-template-hash`, i.e. the
    /// Deployment; a StatefulSet, DaemonSet or Job), else the name inferred from the pod's name.
    public var workload: String
    /// The `app` label (or `app.kubernetes.io/name`, `service.istio.io/canonical-name`).
    public var app: String?
    /// The `version` label (or `app.kubernetes.io/version`, `service.istio.io/canonical-revision`).
    public var version: String?
    /// Where the fact came from: `pod list` (pods.json, resource YAML) or `config dump`.
    public var origin: String

    public init(name: String, namespace: String, ip: String?, workload: String, app: String?, version: String?, origin: String) {
        self.name = name
        self.namespace = namespace
        self.ip = ip
        self.workload = workload
        self.app = app
        self.version = version
        self.origin = origin
    }

    /// This fact completed by `other` (same pod): a pod list's owner-derived workload wins over a
    /// config dump's, and a field one of them lacks is taken from the other.
    public func merged(with other: PodFact) -> PodFact {
        let (first, second) = origin == Self.podList || other.origin != Self.podList ? (self, other) : (other, self)
        return PodFact(name: name, namespace: namespace, ip: first.ip ?? second.ip, workload: first.workload,
                       app: first.app ?? second.app, version: first.version ?? second.version, origin: first.origin)
    }

    public static let podList = "pod list"
    public static let configDump = "config dump"
}

/// Reads pod facts out of a dump's members: `kubectl get pods -o json` lists, resource YAML
/// (`kubectl get … -o yaml`, as bug-report's `k8s-resources` and must-gather's `pods.yaml`), and
/// Envoy config dumps (whose bootstrap node carries the pod's name, namespace, IP and labels).
public enum PodFacts {
    /// The pods in a JSON or YAML document (a `List`/`PodList` or one `Pod`; other kinds are ignored).
    public static func fromResources(_ bytes: [UInt8]) -> [PodFact] {
        let first = bytes.first { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }
        let roots: [Any]
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return [] }
            roots = [value]
        } else {
            roots = MiniYAML.documents(String(decoding: bytes, as: UTF8.self))
        }
        var facts: [PodFact] = []
        func visit(_ node: Any, listItem: Bool) {
            if let list = node as? [Any] {
                for item in list { visit(item, listItem: true) }
                return
            }
            guard let object = node as? [String: Any] else { return }
            let kind = object["kind"] as? String
            if let items = object["items"] as? [Any], kind == nil || kind!.hasSuffix("List") {
                for item in items { visit(item, listItem: true) }
                return
            }
            // Items of a typed PodList printed by kubectl may lack `kind`.
            if kind == "Pod" || (kind == nil && listItem && (object["spec"] as? [String: Any])?["containers"] != nil),
               let fact = fact(pod: object) {
                facts.append(fact)
            }
        }
        for root in roots { visit(root, listItem: false) }
        return facts
    }

    /// A pod object's fact.
    static func fact(pod: [String: Any]) -> PodFact? {
        guard let metadata = pod["metadata"] as? [String: Any], let name = metadata["name"] as? String else { return nil }
        let namespace = metadata["namespace"] as? String ?? "default"
        let labels = (metadata["labels"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        let status = pod["status"] as? [String: Any] ?? [:]
        var ip = status["podIP"] as? String
        if ip == nil, let ips = status["podIPs"] as? [Any], let firstIP = (ips.first as? [String: Any])?["ip"] as? String { ip = firstIP }
        // A host-network pod has its node's IP, which many pods share: it names none of them.
        let hostNetwork = (pod["spec"] as? [String: Any])?["hostNetwork"]
        if hostNetwork as? Bool == true || hostNetwork as? String == "true" { ip = nil }
        let owners = (metadata["ownerReferences"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        let owner = owners.first { ($0["controller"] as? Bool) == true || ($0["controller"] as? String) == "true" } ?? owners.first
        let workload = workloadName(pod: name, ownerKind: owner?["kind"] as? String, ownerName: owner?["name"] as? String,
                                    templateHash: labels["pod-template-hash"])
        return PodFact(name: name, namespace: namespace, ip: ip.flatMap { $0.isEmpty ? nil : $0 }, workload: workload,
                       app: labels["app"] ?? labels["app.kubernetes.io/name"] ?? labels["service.istio.io/canonical-name"],
                       version: labels["version"] ?? labels["app.kubernetes.io/version"] ?? labels["service.istio.io/canonical-revision"],
                       origin: PodFact.podList)
    }

    /// The workload a pod belongs to, from its controlling owner.
    static func workloadName(pod: String, ownerKind: String?, ownerName: String?, templateHash: String?) -> String {
        guard let ownerKind, let ownerName, !ownerName.isEmpty else { return PodName.workload(pod) }
        if ownerKind == "ReplicaSet" {
            // A Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`.
            if let templateHash, ownerName.hasSuffix("-" + templateHash) { return String(ownerName.dropLast(templateHash.count + 1)) }
            return PodName.workload(ownerName + "-xxxxx")
        }
        return ownerName
    }

    /// The pod an Envoy config dump's bootstrap node describes (`node.id` is
    /// `sidecar~10.244.1.7~course-v1-7c9d8f6b5-x2kqp.lms~lms.svc.cluster.local`, `router~…` for a
    /// gateway; `node.metadata` has `LABELS`, `WORKLOAD_NAME`, `INSTANCE_IPS`), or nil without one.
    /// Only the dump's start is needed: the bootstrap comes first.
    public static func fromConfigDump(_ head: [UInt8], namespace: String, pod: String) -> PodFact? {
        head.withUnsafeBufferPointer { bytes -> PodFact? in
            guard let bootstrap = find(Array("\"bootstrap\"".utf8), in: bytes, from: 0),
                  let key = find(Array("\"node\"".utf8), in: bytes, from: bootstrap) else { return nil }
            var i = key + 6
            while i < bytes.count, bytes[i] != UInt8(ascii: "{") {
                guard bytes[i] == 32 || bytes[i] == 58 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 else { return nil }
                i += 1
            }
            guard i < bytes.count, let end = JSONAccessLogParser.skipNested(bytes, i),
                  let node = try? JSONSerialization.jsonObject(with: Data(bytes[i..<end])) as? [String: Any] else { return nil }
            let id = (node["id"] as? String ?? "").split(separator: "~", omittingEmptySubsequences: false).map(String.init)
            let metadata = node["metadata"] as? [String: Any] ?? [:]
            let labels = (metadata["LABELS"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            var ip = id.count == 4 && !id[1].isEmpty ? id[1] : nil
            if ip == nil, let ips = metadata["INSTANCE_IPS"] as? String { ip = ips.split(separator: ",").first.map(String.init) }
            var name = pod
            var ns = namespace
            if id.count == 4, let dot = id[2].lastIndex(of: ".") {
                name = String(id[2][..<dot])
                ns = String(id[2][id[2].index(after: dot)...])
            }
            var workload = metadata["WORKLOAD_NAME"] as? String
            if workload == nil, let owner = metadata["OWNER"] as? String, let last = owner.split(separator: "/").last { workload = String(last) }
            return PodFact(name: name, namespace: ns, ip: ip, workload: workload ?? PodName.workload(name),
                           app: labels["app"] ?? labels["service.istio.io/canonical-name"],
                           version: labels["version"] ?? labels["service.istio.io/canonical-revision"], origin: PodFact.configDump)
        }
    }

    /// Offset of `needle` in `bytes` at or after `start`.
    static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= bytes.count {
            if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// Just enough YAML for what `kubectl get -o yaml` prints: block mappings and sequences (also a
/// sequence at its key's indentation), plain and quoted scalars, `---` documents; block scalars
/// (`|`, `>`) and flow collections other than `{}`/`[]` are read as text.
enum MiniYAML {
    private struct Line {
        var indent: Int
        var text: Substring
        var isItem: Bool { text == "-" || text.hasPrefix("- ") }
    }

    /// The documents of `text`, as nested `[String: Any]`, `[Any]` and `String`.
    static func documents(_ text: String) -> [Any] {
        var docs: [[Line]] = [[]]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = raw
            while line.last == " " || line.last == "\r" { line = line.dropLast() }
            let body = line.drop { $0 == " " }
            if body.isEmpty || body.hasPrefix("#") { continue }
            if line == "---" || line.hasPrefix("--- ") { docs.append([]); continue }
            if line == "..." { continue }
            docs[docs.count - 1].append(Line(indent: line.count - body.count, text: body))
        }
        return docs.compactMap { lines in
            guard !lines.isEmpty else { return nil }
            var parser = Parser(lines: lines)
            return parser.node()
        }
    }

    private struct Parser {
        var lines: [Line]
        var i = 0

        mutating func node() -> Any? {
            guard i < lines.count else { return nil }
            return lines[i].isItem ? sequence(indent: lines[i].indent) : mapping(indent: lines[i].indent)
        }

        mutating func sequence(indent: Int) -> [Any] {
            var items: [Any] = []
            while i < lines.count, lines[i].indent == indent, lines[i].isItem {
                let rest = lines[i].text.dropFirst(1).drop { $0 == " " }
                if rest.isEmpty {
                    i += 1
                    if i < lines.count, lines[i].indent > indent, let value = node() { items.append(value) } else { items.append("") }
                } else if MiniYAML.keyEnd(rest) != nil {
                    // `- key: value` opens a mapping at the key's column.
                    lines[i] = Line(indent: indent + (lines[i].text.count - rest.count), text: rest)
                    items.append(mapping(indent: lines[i].indent))
                } else {
                    i += 1
                    items.append(MiniYAML.scalar(rest))
                    skipDeeper(than: indent)
                }
            }
            return items
        }

        mutating func mapping(indent: Int) -> [String: Any] {
            var object: [String: Any] = [:]
            while i < lines.count, lines[i].indent == indent, !lines[i].isItem {
                let text = lines[i].text
                i += 1
                guard let colon = MiniYAML.keyEnd(text) else { skipDeeper(than: indent); continue }
                let key = MiniYAML.scalar(text[..<colon])
                let value = text[text.index(after: colon)...].drop { $0 == " " }
                if value.isEmpty {
                    if i < lines.count, lines[i].indent > indent || (lines[i].indent == indent && lines[i].isItem), let child = node() {
                        object[key] = child
                    } else {
                        object[key] = ""
                    }
                } else if value.hasPrefix("|") || value.hasPrefix(">") {
                    object[key] = ""
                    skipDeeper(than: indent)
                } else {
                    if value == "{}" { object[key] = [String: Any]() } else if value == "[]" { object[key] = [Any]() } else { object[key] = MiniYAML.scalar(value) }
                    skipDeeper(than: indent)  // a plain scalar folded onto further lines
                }
            }
            return object
        }

        mutating func skipDeeper(than indent: Int) {
            while i < lines.count, lines[i].indent > indent { i += 1 }
        }
    }

    /// The `:` ending a mapping key in `text` (followed by a space or the end), outside quotes.
    static func keyEnd(_ text: Substring) -> Substring.Index? {
        if text.hasPrefix("\"") || text.hasPrefix("'") {
            let quote = text.first!
            guard let close = text.dropFirst().firstIndex(of: quote) else { return nil }
            let after = text.index(after: close)
            return after < text.endIndex && text[after] == ":" ? after : nil
        }
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == ":" {
                let next = text.index(after: index)
                if next == text.endIndex || text[next] == " " { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// A scalar's text, unquoted.
    static func scalar(_ text: Substring) -> String {
        if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
            let inner = text.dropFirst().dropLast()
            return first == "'" ? inner.replacingOccurrences(of: "''", with: "'") : inner.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return String(text)
    }
}
