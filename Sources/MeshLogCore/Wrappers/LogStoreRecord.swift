/// A log line as a log store exports it: one JSON record per line holding the proxy's line and the
/// pod that wrote it, every sidecar mixed in one file.
///
/// The shapes read (keys at any of these places):
/// - the line: `line` (Loki `logcli --output=jsonl`), `log` (Fluent Bit, Fluentd), `message`
///   (Filebeat, Vector, Elasticsearch), `textPayload` (Cloud Logging), `@message` (CloudWatch), or a
///   `jsonPayload` object (Cloud Logging of a JSON access log), which is the line itself;
/// - the pod: `labels.pod` / `labels.pod_name` (Loki), `kubernetes.pod_name` (Fluent Bit, Fluentd),
///   `kubernetes.pod.name` (Filebeat, Vector), `resource.labels.pod_name` (Cloud Logging),
///   CloudWatch's `@logStream` as Fluent Bit names it (`…containers.<pod>_<namespace>_<container>-<id>.log`),
///   or top-level `pod` / `pod_name`;
/// - the container, beside the pod (`container`, `container_name`, `container.name`);
/// - the time the store recorded: `timestamp`, `@timestamp`, `time`, `receiveTimestamp`.
///
/// A record with no pod is not this shape (a Docker json-file line, or a JSON access log itself).
struct LogStoreRecord {
    /// Where the pod's name is in the line.
    var pod: Range<Int>?
    /// Where the container's name is in the line.
    var container: Range<Int>?
    /// The time the store recorded, µs.
    var time: Int64?
    /// Whether a line field was found (its text is in the caller's buffer).
    var hasLine = false

    /// Reads `line`; the proxy's line goes to `out` (unescaped). Nil when `line` is not a record
    /// of this shape.
    static func parse(_ line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> LogStoreRecord? {
        guard line.first == UInt8(ascii: "{") else { return nil }
        out.removeAll(keepingCapacity: true)
        var record = LogStoreRecord()
        guard readObject(line, 0, path: .top, into: &out, &record) != nil, record.hasLine, record.pod != nil else { return nil }
        return record
    }

    /// Where in a record an object sits (only the places the shapes above use are followed).
    private enum Place {
        case top, kubernetes, kubernetesPod, kubernetesContainer, labels, resource, resourceLabels, other
    }

    /// Reads the object starting at `start`; returns the index after it.
    private static func readObject(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, path: Place, into out: inout [UInt8],
                                   _ record: inout LogStoreRecord) -> Int? {
        let n = line.count
        var i = start + 1
        func skip() { while i < n, line[i] == 32 || line[i] == 9 || line[i] == 13 { i += 1 } }
        while i < n {
            skip()
            if i < n, line[i] == UInt8(ascii: "}") { return i + 1 }
            if i < n, line[i] == UInt8(ascii: ",") { i += 1; continue }
            guard let keyRange = JSONAccessLogParser.objectKey(line, &i) else { return nil }
            let key = UnsafeBufferPointer(rebasing: line[keyRange])
            switch line[i] {
            case 34:
                guard let end = JSONAccessLogParser.stringEnd(line, i + 1) else { return nil }
                take(key, string: (i + 1)..<end, in: line, path: path, into: &out, &record)
                i = end + 1
            case UInt8(ascii: "{"):
                let inner = place(of: key, under: path)
                if path == .top, key.elementsEqual("jsonPayload".utf8) {
                    guard let end = JSONAccessLogParser.skipNested(line, i) else { return nil }
                    out.removeAll(keepingCapacity: true)
                    out.append(contentsOf: line[i..<end])
                    record.hasLine = true
                    i = end
                } else if inner == .other {
                    guard let end = JSONAccessLogParser.skipNested(line, i) else { return nil }
                    i = end
                } else {
                    guard let end = readObject(line, i, path: inner, into: &out, &record) else { return nil }
                    i = end
                }
            case UInt8(ascii: "["):
                guard let end = JSONAccessLogParser.skipNested(line, i) else { return nil }
                i = end
            default:
                while i < n, line[i] != UInt8(ascii: ","), line[i] != UInt8(ascii: "}") { i += 1 }
            }
        }
        return nil
    }

    /// The place of the object under `key` in `path`.
    private static func place(of key: UnsafeBufferPointer<UInt8>, under path: Place) -> Place {
        switch path {
        case .top:
            if key.elementsEqual("kubernetes".utf8) { return .kubernetes }
            if key.elementsEqual("labels".utf8) || key.elementsEqual("stream".utf8) { return .labels }
            if key.elementsEqual("resource".utf8) { return .resource }
        case .kubernetes:
            if key.elementsEqual("pod".utf8) { return .kubernetesPod }
            if key.elementsEqual("container".utf8) { return .kubernetesContainer }
        case .resource:
            if key.elementsEqual("labels".utf8) { return .resourceLabels }
        default:
            break
        }
        return .other
    }

    /// The keys of each kind, as bytes (compared with a record's keys without allocating).
    private static let lineKeys = keys("line", "log", "message", "textPayload", "@message")
    private static let podKeys = keys("pod", "pod_name")
    private static let containerKeys = keys("container", "container_name")
    private static let timeKeys = keys("timestamp", "@timestamp", "time", "receiveTimestamp")
    private static let logStreamKeys = keys("@logStream")
    private static let nameKeys = keys("name")

    private static func keys(_ names: String...) -> [[UInt8]] { names.map { Array($0.utf8) } }

    /// Notes a string value: the line, the pod, the container or the time.
    private static func take(_ key: UnsafeBufferPointer<UInt8>, string range: Range<Int>, in line: UnsafeBufferPointer<UInt8>,
                             path: Place, into out: inout [UInt8], _ record: inout LogStoreRecord) {
        func named(_ names: [[UInt8]]) -> Bool { names.contains { key.elementsEqual($0) } }
        switch path {
        case .top:
            if !record.hasLine, named(lineKeys) {
                LineUnwrapper.decodeJSONString(line, range.lowerBound, range.upperBound, into: &out)
                while let last = out.last, last == 10 || last == 13 { out.removeLast() }
                record.hasLine = true
            } else if named(podKeys) {
                record.pod = range
            } else if named(containerKeys) {
                record.container = range
            } else if record.pod == nil, named(logStreamKeys), let parts = logStreamParts(line, range) {
                record.pod = parts.pod
                record.container = parts.container
            } else if record.time == nil, named(timeKeys) {
                record.time = StartTimePattern.parseRFC3339(line, range.lowerBound, range.upperBound)
            }
        case .kubernetes, .labels, .resourceLabels:
            if named(podKeys) { record.pod = range }
            if named(containerKeys) { record.container = range }
        case .kubernetesPod:
            if named(nameKeys) { record.pod = range }
        case .kubernetesContainer:
            if named(nameKeys) { record.container = range }
        case .resource, .other:
            break
        }
    }

    /// The pod and container in a CloudWatch log stream named after a kubelet log file:
    /// `<pod>_<namespace>_<container>-<64 hex>.log`, after the last `/` or `containers.`.
    private static func logStreamParts(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (pod: Range<Int>, container: Range<Int>)? {
        var start = range.lowerBound
        let marker = Array("containers.".utf8)
        var i = range.lowerBound
        while i < range.upperBound {
            if line[i] == UInt8(ascii: "/") { start = i + 1 }
            if i + marker.count <= range.upperBound, line[i..<(i + marker.count)].elementsEqual(marker) { start = i + marker.count }
            i += 1
        }
        let name = line[start..<range.upperBound]
        guard let first = name.firstIndex(of: UInt8(ascii: "_")),
              let second = line[(first + 1)..<range.upperBound].firstIndex(of: UInt8(ascii: "_")),
              let dash = line[(second + 1)..<range.upperBound].lastIndex(of: UInt8(ascii: "-")),
              first > start, dash > second + 1 else { return nil }
        return (start..<first, (second + 1)..<dash)
    }
}
