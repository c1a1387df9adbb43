import MeshLogCore

/// Tells lines that carry no access log (blank ones, a proxy's own log lines) from lines that fail to parse.
enum LineFilter {
    /// Whether the line holds nothing but spaces, tabs and carriage returns.
    @inline(__always)
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where c != 32 && c != 9 && c != 13 { return false }
        return true
    }

    /// Lines that are not access logs: Envoy's and pilot-agent's own log lines, JSON status lines.
    static func isNotAccessLog(_ line: UnsafeBufferPointer<UInt8>, parser: AccessLogLineParser, record: AccessLogRecord) -> Bool {
        if let json = parser as? JSONAccessLogParser {
            return json.classify(line, into: record) == .notAccessLog
        }
        if isProxyOwnLog(line) { return true }
        // A dump tool's separator: `istioctl bug-report` puts `========= Previous log present
        // (appended at the end) =========` and `========= Previous log =========` around a
        // restarted proxy's earlier log (istio/istio tools/bug-report/pkg/bugreport/bugreport.go, `getLog`).
        if isDumpSeparator(line) { return true }
        // A JSON line in a text stream (status lines).
        if line.first == UInt8(ascii: "{") { return true }
        return false
    }

    /// A line that starts and ends with `====`.
    static func isDumpSeparator(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = line.count
        while end > 0, line[end - 1] == 32 || line[end - 1] == 13 { end -= 1 }
        guard end >= 10 else { return false }
        let bar = UInt8(ascii: "=")
        return line[0] == bar && line[1] == bar && line[2] == bar && line[3] == bar
            && line[end - 1] == bar && line[end - 2] == bar && line[end - 3] == bar && line[end - 4] == bar
    }

    /// Envoy's and pilot-agent's own log lines, told by their first bytes.
    static func isProxyOwnLog(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        // `2024-03-21T07:52:44.407739Z\twarn\t…` (istio-proxy / pilot-agent)
        if line.count > 20, line[0] &- 48 < 10, line[4] == 45, let tab = line.firstIndex(of: 9), tab < 40 {
            return true
        }
        // `[2024-03-21 07:52:44.407][15][info][main] …` (Envoy's own log)
        if line.count > 25, line[0] == UInt8(ascii: "["), line[1] &- 48 < 10, line[11] == 32,
           line.firstIndex(of: UInt8(ascii: "]")).map({ $0 < 32 && $0 + 1 < line.count && line[$0 + 1] == UInt8(ascii: "[") }) == true {
            return true
        }
        return false
    }
}
