/// The envelope a log line arrives in before the Envoy line itself: container runtimes,
/// `kubectl logs --timestamps`, `docker compose logs`, or a fixed prefix.
///
/// Wrappers are detected per file from its first lines and stacked under any access-log format.
public enum LineWrapper: String, CaseIterable, Sendable {
    /// No envelope.
    case none
    /// Kubernetes CRI (containerd, CRI-O): `<RFC3339Nano> stdout|stderr F|P <message>`.
    case cri
    /// Docker json-file: `{"log":"...\n","stream":"stdout","time":"..."}`.
    case dockerJSON = "docker-json"
    /// `kubectl logs --timestamps`: `<RFC3339Nano> <line>`.
    case kubectl
    /// `docker compose logs`: `name  | <line>`, optionally with `-t` timestamps.
    case compose
    /// A fixed `ACCESS ` prefix (Ambassador and others).
    case accessPrefix = "access-prefix"
    /// `kubectl logs --prefix` (many pods in one stream): `[pod/NAME/CONTAINER] <line>`, optionally
    /// with `--timestamps`; each line names the pod that wrote it.
    case kubectlPrefix = "kubectl-prefix"
    /// `stern` (many pods tailed in one stream, without colours when piped): `POD CONTAINER <line>`,
    /// optionally with `--timestamps`; each line names the pod that wrote it.
    case stern
    /// A log store's export (Loki, Fluent Bit, Filebeat, Vector, Cloud Logging): one JSON record
    /// per line with the proxy's line and the pod that wrote it (see `LogStoreRecord`).
    case logRecord = "log-record"
    /// JSON records pretty-printed over several lines (`kubectl logs … | jq .`, a record quoted from
    /// a post): the lines from one holding only `{` to the `}` that closes it are one record.
    case prettyJSON = "pretty-json"

    /// Wrappers in the order detection tries them (most specific first).
    public static let detectionOrder: [LineWrapper] = [.cri, .logRecord, .dockerJSON, .kubectlPrefix, .compose, .kubectl, .accessPrefix, .stern, .prettyJSON]
}

/// Removes a line's envelope, joining partial lines (CRI `P` fragments, Docker lines split at 16 KiB).
///
/// Feed lines in order; each call returns the payload of a complete line, or nil while a partial
/// line is still being joined (or when the line does not fit the wrapper: see `lastLineFitted`).
public final class LineUnwrapper {
    public let wrapper: LineWrapper
    /// Time the wrapper recorded for the last complete line, in UTC microseconds.
    @exclusivity(unchecked) public private(set) var loggedAtMicros: Int64?
    /// Whether the last line had the wrapper's shape.
    @exclusivity(unchecked) public private(set) var lastLineFitted = true
    /// Line number where the complete line returned last began (for partial lines, the first fragment).
    @exclusivity(unchecked) public private(set) var firstLineNumber = 0
    /// Where the last line named the pod that wrote it (`kubectl logs --prefix`), as offsets into
    /// that line; nil for wrappers that name none.
    @exclusivity(unchecked) public private(set) var podRange: Range<Int>?
    /// Where the last line named its container, likewise.
    @exclusivity(unchecked) public private(set) var containerRange: Range<Int>?
    @exclusivity(unchecked) private var joined: [UInt8] = []
    @exclusivity(unchecked) private var streamJoined: [[UInt8]] = [[], [], []]
    @exclusivity(unchecked) private var streamFirstLine = [0, 0, 0]
    @exclusivity(unchecked) private var joining = false
    @exclusivity(unchecked) private var decoded: [UInt8] = []
    /// Braces still open in a pretty-printed record being joined.
    @exclusivity(unchecked) private var depth = 0

    public init(_ wrapper: LineWrapper) {
        self.wrapper = wrapper
    }

    /// Unwraps `line`, calling `body` with the payload of each complete line.
    public func unwrap<R>(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        lastLineFitted = true
        switch wrapper {
        case .none:
            loggedAtMicros = nil
            firstLineNumber = lineNumber
            return try body(line)
        case .cri:
            guard let (time, stream, partial, message) = Self.criParts(line) else { return try unfitted(line, lineNumber, body) }
            // Each stream joins its own `P` fragments until its `F`; other streams pass through.
            let k = Int(stream)
            if partial || !streamJoined[k].isEmpty {
                if streamJoined[k].isEmpty { streamFirstLine[k] = lineNumber }
                streamJoined[k].append(contentsOf: message)
                if partial { return nil }
                firstLineNumber = streamFirstLine[k]
                loggedAtMicros = time
                defer { streamJoined[k].removeAll(keepingCapacity: true) }
                return try streamJoined[k].withUnsafeBufferPointer { try body($0) }
            }
            firstLineNumber = lineNumber
            loggedAtMicros = time
            return try body(message)
        case .dockerJSON:
            guard let (time, complete) = Self.dockerParts(line, into: &decoded) else { return try unfitted(line, lineNumber, body) }
            if !joining { firstLineNumber = lineNumber; joined.removeAll(keepingCapacity: true) }
            joined.append(contentsOf: decoded)
            guard complete else { joining = true; return nil }
            joining = false
            loggedAtMicros = time
            while let last = joined.last, last == 10 || last == 13 { joined.removeLast() }
            return try joined.withUnsafeBufferPointer { try body($0) }
        case .kubectl:
            firstLineNumber = lineNumber
            guard let (time, rest) = Self.kubectlParts(line) else { return try unfitted(line, lineNumber, body) }
            loggedAtMicros = time
            return try body(UnsafeBufferPointer(rebasing: line[rest...]))
        case .compose:
            firstLineNumber = lineNumber
            guard let (time, rest) = Self.composeParts(line) else { return try unfitted(line, lineNumber, body) }
            loggedAtMicros = time
            return try body(UnsafeBufferPointer(rebasing: line[rest...]))
        case .logRecord:
            firstLineNumber = lineNumber
            guard let parts = LogStoreRecord.parse(line, into: &decoded) else { return try unfitted(line, lineNumber, body) }
            podRange = parts.pod
            containerRange = parts.container
            loggedAtMicros = parts.time
            return try decoded.withUnsafeBufferPointer { try body($0) }
        case .kubectlPrefix, .stern:
            firstLineNumber = lineNumber
            guard let parts = wrapper == .stern ? Self.sternParts(line) : Self.kubectlPrefixParts(line) else {
                return try unfitted(line, lineNumber, body)
            }
            podRange = parts.pod
            containerRange = parts.container
            var rest = parts.rest
            loggedAtMicros = nil
            // `--timestamps` puts an RFC 3339 time after the prefix.
            if let space = line[rest...].firstIndex(of: 32), space - rest >= 20,
               let time = StartTimePattern.parseRFC3339(line, rest, space) {
                loggedAtMicros = time
                rest = space + 1
            }
            return try body(UnsafeBufferPointer(rebasing: line[rest...]))
        case .accessPrefix:
            firstLineNumber = lineNumber
            loggedAtMicros = nil
            guard let rest = Self.accessPrefixEnd(line) else { return try unfitted(line, lineNumber, body) }
            return try body(UnsafeBufferPointer(rebasing: line[rest...]))
        case .prettyJSON:
            loggedAtMicros = nil
            let (start, end) = Self.trimmed(line)
            if !joining {
                // A record starts at a line holding only `{`; any other line passes as it is.
                guard end - start == 1, line[start] == UInt8(ascii: "{") else { return try unfitted(line, lineNumber, body) }
                firstLineNumber = lineNumber
                joined.removeAll(keepingCapacity: true)
                joined.append(UInt8(ascii: "{"))
                depth = 1
                joining = true
                return nil
            }
            joined.append(32)
            joined.append(contentsOf: line[start..<end])
            depth += Self.braceBalance(line, start, end)
            // A record never closed within 1 MiB is handed on as it stands (and rejected).
            guard depth <= 0 || joined.count > 1 << 20 else { return nil }
            joining = false
            while let last = joined.last, last == UInt8(ascii: ",") || last == 32 { joined.removeLast() }
            return try joined.withUnsafeBufferPointer { try body($0) }
        }
    }

    /// The line without leading and trailing blanks (spaces, tabs, CR), as offsets.
    @inline(__always)
    static func trimmed(_ line: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var start = 0, end = line.count
        while start < end, line[start] == 32 || line[start] == 9 { start += 1 }
        while end > start, line[end - 1] == 32 || line[end - 1] == 9 || line[end - 1] == 13 { end -= 1 }
        return (start, end)
    }

    /// Opening minus closing braces in `line[start..<end]`, outside JSON strings.
    static func braceBalance(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var balance = 0
        var inString = false
        var i = start
        while i < end {
            let c = line[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") {
                balance += 1
            } else if c == UInt8(ascii: "}") {
                balance -= 1
            }
            i += 1
        }
        return balance
    }

    /// Unwraps one line on its own as `wrapper` would, without joining fragments.
    ///
    /// Calls `body` with the payload and the wrapper's time and returns its answer; returns false
    /// without calling it when the line does not have the wrapper's shape or is a fragment (CRI
    /// `P`). A Docker record's message is decoded into `scratch`. Used to retry a line that failed
    /// under its file's wrapper.
    public static func unwrapAlone(_ wrapper: LineWrapper, _ line: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8],
                                   _ body: (_ payload: UnsafeBufferPointer<UInt8>, _ loggedAtMicros: Int64?) -> Bool) -> Bool {
        switch wrapper {
        case .none:
            return body(line, nil)
        case .cri:
            guard let (time, _, partial, message) = criParts(line), !partial else { return false }
            return body(message, time)
        case .dockerJSON:
            guard let (time, _) = dockerParts(line, into: &scratch) else { return false }
            while let last = scratch.last, last == 10 || last == 13 { scratch.removeLast() }
            return scratch.withUnsafeBufferPointer { body($0, time) }
        case .kubectl:
            guard let (time, rest) = kubectlParts(line) else { return false }
            return body(UnsafeBufferPointer(rebasing: line[rest...]), time)
        case .compose:
            guard let (time, rest) = composeParts(line) else { return false }
            return body(UnsafeBufferPointer(rebasing: line[rest...]), time)
        case .accessPrefix:
            guard let rest = accessPrefixEnd(line) else { return false }
            return body(UnsafeBufferPointer(rebasing: line[rest...]), nil)
        case .kubectlPrefix, .logRecord, .stern:
            // These name each line's pod; a line retried alone would be stored under the file's.
            return false
        case .prettyJSON:
            // One line of a pretty-printed record is not a record.
            return false
        }
    }

    /// `<RFC3339> <line>`: the time and where the line starts.
    @inline(__always)
    static func kubectlParts(_ line: UnsafeBufferPointer<UInt8>) -> (Int64, Int)? {
        guard let space = line.firstIndex(of: 32), let time = StartTimePattern.parseRFC3339(line, 0, space) else { return nil }
        return (time, space + 1)
    }

    /// `name  | [<RFC3339> ]<line>`: the time (`docker compose logs -t`) and where the line starts.
    @inline(__always)
    static func composeParts(_ line: UnsafeBufferPointer<UInt8>) -> (Int64?, Int)? {
        guard let bar = composeBar(line) else { return nil }
        var rest = bar + 1
        while rest < line.count, line[rest] == 32 { rest += 1 }
        // `docker compose logs -t` adds an RFC 3339 timestamp after the bar.
        if let space = line[rest...].firstIndex(of: 32), space - rest >= 20,
           let time = StartTimePattern.parseRFC3339(line, rest, space) {
            return (time, space + 1)
        }
        return (nil, rest)
    }

    /// Where the line starts after a leading `ACCESS `, or nil without one.
    @inline(__always)
    static func accessPrefixEnd(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        let prefix: [UInt8] = Array("ACCESS ".utf8)
        guard line.count >= prefix.count, line.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        return prefix.count
    }

    /// The line number where the oldest partial line still being joined began (a CRI `P`
    /// fragment waiting for its `F`, a Docker line split at 16 KiB), or nil when none is open.
    /// Progress saved for a resume must stop before it, so the fragments are read again.
    public var openFragmentLine: Int? {
        var first: Int?
        for k in 1...2 where !streamJoined[k].isEmpty { first = min(first ?? .max, streamFirstLine[k]) }
        if joining { first = min(first ?? .max, firstLineNumber) }
        return first
    }

    /// Hands out partial lines still being joined at the end of the input (oldest first), as complete lines.
    public func finish(_ body: (_ payload: UnsafeBufferPointer<UInt8>, _ firstLineNumber: Int, _ loggedAtMicros: Int64?) -> Void) {
        var pending: [(Int, [UInt8])] = []
        for k in 1...2 where !streamJoined[k].isEmpty { pending.append((streamFirstLine[k], streamJoined[k])) }
        if joining, !joined.isEmpty { pending.append((firstLineNumber, joined)) }
        for (first, bytes) in pending.sorted(by: { $0.0 < $1.0 }) {
            bytes.withUnsafeBufferPointer { body($0, first, nil) }
        }
        streamJoined = [[], [], []]
        joined.removeAll()
        joining = false
    }

    private func unfitted<R>(_ line: UnsafeBufferPointer<UInt8>, _ lineNumber: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        lastLineFitted = false
        podRange = nil
        containerRange = nil
        loggedAtMicros = nil
        firstLineNumber = lineNumber
        return try body(line)
    }

    /// Whether `line` has the wrapper's shape (used by detection).
    public static func fits(_ wrapper: LineWrapper, _ line: UnsafeBufferPointer<UInt8>) -> Bool {
        switch wrapper {
        case .none: return true
        case .cri: return criParts(line) != nil
        case .dockerJSON:
            var scratch: [UInt8] = []
            return dockerParts(line, into: &scratch) != nil
        case .kubectl:
            guard let space = line.firstIndex(of: 32), space >= 20 else { return false }
            // A CRI line also starts with a timestamp; kubectl lines do not carry stream and tag.
            return StartTimePattern.parseRFC3339(line, 0, space) != nil && criParts(line) == nil
        case .compose: return composeBar(line) != nil
        case .accessPrefix: return line.starts(with: Array("ACCESS ".utf8))
        case .kubectlPrefix: return kubectlPrefixParts(line) != nil
        case .stern: return sternParts(line) != nil
        case .logRecord:
            var scratch: [UInt8] = []
            return LogStoreRecord.parse(line, into: &scratch) != nil
        case .prettyJSON:
            // `{`, `}`, `},`, `[`, `]` alone, or a `"key": value` line of an object.
            let (start, end) = trimmed(line)
            guard start < end else { return false }
            let first = line[start]
            if end - start <= 2, [UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]")].contains(first) {
                return end - start == 1 || line[start + 1] == UInt8(ascii: ",")
            }
            return first == UInt8(ascii: "\"")
        }
    }

    /// `[pod/NAME/CONTAINER] ` (also `[NAME/CONTAINER] `): the pod's and container's offsets and
    /// where the line itself starts.
    static func kubectlPrefixParts(_ line: UnsafeBufferPointer<UInt8>) -> (pod: Range<Int>, container: Range<Int>, rest: Int)? {
        guard line.count > 4, line[0] == UInt8(ascii: "[") else { return nil }
        var i = 1
        var slashes = (first: 0, last: 0, count: 0)
        while i < line.count, line[i] != UInt8(ascii: "]") {
            let c = line[i]
            if c == UInt8(ascii: "/") {
                if slashes.count == 0 { slashes.first = i }
                slashes.last = i
                slashes.count += 1
            } else if !(c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") || c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
                        || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) {
                return nil  // pod and container names are DNS labels
            }
            i += 1
        }
        guard i + 1 < line.count, line[i] == UInt8(ascii: "]"), line[i + 1] == 32 else { return nil }
        let podStart: Int
        switch slashes.count {
        case 2:
            guard line[1..<slashes.first].elementsEqual("pod".utf8) else { return nil }
            podStart = slashes.first + 1
        case 1:
            podStart = 1
        default:
            return nil
        }
        guard slashes.last > podStart, i > slashes.last + 1 else { return nil }
        return (podStart..<slashes.last, (slashes.last + 1)..<i, i + 2)
    }

    /// `POD CONTAINER ` as stern writes it: two DNS names (the pod's with a `-`, as every
    /// controller-made pod's has), each followed by one space; their offsets and where the line starts.
    static func sternParts(_ line: UnsafeBufferPointer<UInt8>) -> (pod: Range<Int>, container: Range<Int>, rest: Int)? {
        @inline(__always) func name(from start: Int) -> (end: Int, dashes: Int)? {
            var i = start, dashes = 0
            while i < line.count, line[i] != 32 {
                let c = line[i]
                guard c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") || c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
                        || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") else { return nil }
                if c == UInt8(ascii: "-") { dashes += 1 }
                i += 1
            }
            guard i > start, i - start <= 253, i + 1 < line.count, line[i + 1] != 32 else { return nil }
            return (i, dashes)
        }
        guard let pod = name(from: 0), pod.dashes > 0, let container = name(from: pod.end + 1) else { return nil }
        return (0..<pod.end, (pod.end + 1)..<container.end, container.end + 1)
    }

    /// Whether a container of this name is a proxy whose lines are access logs (Istio's
    /// `istio-proxy`, a gateway's `envoy`, Kuma's `kuma-sidecar`, Emissary's `ambassador`, Consul's
    /// `consul-dataplane`, …).
    public static func isProxyContainer<C: Collection>(_ name: C) -> Bool where C.Element == UInt8 {
        let text = String(decoding: name, as: UTF8.self)
        return proxyContainerWords.contains { text.contains($0) }
    }

    /// Words in the names of containers that run Envoy: Istio, Envoy Gateway, Contour, Gloo, Kuma,
    /// App Mesh (`proxy`, `envoy`, `sidecar`, `gateway`); Emissary and Ambassador Edge Stack, whose
    /// Envoy runs in the `ambassador` container; Consul on Kubernetes (`consul-dataplane`).
    static let proxyContainerWords = ["proxy", "envoy", "sidecar", "gateway", "ambassador", "emissary", "dataplane"]

    /// Detects the wrapper of a file from sample lines: the first (most specific) wrapper that
    /// fits most of them; `.none` when none fits at least half.
    public static func detect(_ lines: [[UInt8]]) -> LineWrapper {
        let sample = lines.filter { !$0.isEmpty }
        guard !sample.isEmpty else { return .none }
        var best = LineWrapper.none
        var bestCount = 0
        for wrapper in LineWrapper.detectionOrder {
            let count = sample.reduce(0) { n, line in n + (line.withUnsafeBufferPointer { fits(wrapper, $0) } ? 1 : 0) }
            if count > bestCount { best = wrapper; bestCount = count }
        }
        return bestCount * 2 >= sample.count ? best : .none
    }

    /// The payloads of `lines` with `wrapper`'s envelope taken off (partial lines joined).
    public static func payloads(_ lines: [[UInt8]], wrapper: LineWrapper) -> [[UInt8]] {
        let peel = LineUnwrapper(wrapper)
        var payloads: [[UInt8]] = []
        for (number, bytes) in lines.enumerated() {
            bytes.withUnsafeBufferPointer { line in
                _ = peel.unwrap(line, lineNumber: number + 1) { payloads.append(Array($0)) }
            }
        }
        return payloads
    }

    /// `<time> <stdout|stderr> <F|P[:tags]> <message>`.
    static func criParts(_ line: UnsafeBufferPointer<UInt8>) -> (Int64, UInt8, Bool, UnsafeBufferPointer<UInt8>)? {
        guard let s1 = line.firstIndex(of: 32), s1 >= 19,
              let time = StartTimePattern.parseRFC3339(line, 0, s1) else { return nil }
        let rest = line[(s1 + 1)...]
        guard let s2 = rest.firstIndex(of: 32) else { return nil }
        // `stdout` or `stderr`, byte by byte.
        let s = s1 + 1
        guard s2 - s == 6, line[s] == UInt8(ascii: "s"), line[s + 1] == UInt8(ascii: "t"), line[s + 2] == UInt8(ascii: "d") else { return nil }
        let streamTag: UInt8
        if line[s + 3] == UInt8(ascii: "o"), line[s + 4] == UInt8(ascii: "u"), line[s + 5] == UInt8(ascii: "t") {
            streamTag = 1
        } else if line[s + 3] == UInt8(ascii: "e"), line[s + 4] == UInt8(ascii: "r"), line[s + 5] == UInt8(ascii: "r") {
            streamTag = 2
        } else {
            return nil
        }
        let tagStart = s2 + 1
        guard tagStart < line.count else { return nil }
        let tag = line[tagStart]
        guard tag == UInt8(ascii: "F") || tag == UInt8(ascii: "P") else { return nil }
        var i = tagStart + 1
        while i < line.count, line[i] != 32 { i += 1 }  // further `:`-separated tags
        let message = i < line.count ? UnsafeBufferPointer(rebasing: line[(i + 1)...]) : UnsafeBufferPointer(rebasing: line[line.count...])
        return (time, streamTag, tag == UInt8(ascii: "P"), message)
    }

    /// Decodes a Docker json-file line: the `log` value into `out`, its time, and whether it ends the line.
    static func dockerParts(_ line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> (Int64?, Bool)? {
        guard line.first == UInt8(ascii: "{") else { return nil }
        out.removeAll(keepingCapacity: true)
        var time: Int64?
        var sawLog = false
        var i = 1
        let n = line.count
        func skip() { while i < n, line[i] == 32 || line[i] == 9 { i += 1 } }
        while i < n {
            skip()
            if i < n, line[i] == UInt8(ascii: "}") { break }
            guard let keyRange = JSONAccessLogParser.objectKey(line, &i) else { return nil }
            let key = line[keyRange]
            if line[i] == 34 {
                guard let end = JSONAccessLogParser.stringEnd(line, i + 1) else { return nil }
                if key.elementsEqual("log".utf8) {
                    sawLog = true
                    decodeJSONString(line, i + 1, end, into: &out)
                } else if key.elementsEqual("time".utf8) {
                    time = StartTimePattern.parseRFC3339(line, i + 1, end)
                }
                i = end + 1
            } else if line[i] == UInt8(ascii: "{") || line[i] == UInt8(ascii: "[") {
                guard let end = JSONAccessLogParser.skipNested(line, i) else { return nil }
                i = end
            } else {
                while i < n, line[i] != UInt8(ascii: ","), line[i] != UInt8(ascii: "}") { i += 1 }
            }
            skip()
            if i < n, line[i] == UInt8(ascii: ",") { i += 1 }
        }
        guard sawLog else { return nil }
        return (time, out.last == 10)
    }

    static func decodeJSONString(_ line: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into out: inout [UInt8]) {
        JSONAccessLogParser.unescape(line, s, e) { out.append($0) }
    }

    /// Index of the `|` after a compose service name (`envoy-1   | `).
    static func composeBar(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < line.count, i < 80 {
            let c = line[i]
            if c == UInt8(ascii: "|") {
                guard i > 1, line[i - 1] == 32, i + 1 < line.count, line[i + 1] == 32 else { return nil }
                // The name must be one token followed only by padding.
                var j = i - 1
                while j > 0, line[j] == 32 { j -= 1 }
                for k in 0...j where line[k] == 32 || line[k] == 34 || line[k] == UInt8(ascii: "[") { return nil }
                return i
            }
            i += 1
        }
        return nil
    }
}
