import Foundation
import MeshLogAnalysis
import MeshLogStore
import MeshLogTerminal
import MeshLogWeb

/// `meshlog-bench --pages STORE`: each of `meshlog serve`'s pages answered in process (no socket), best of three.
struct PageBench {
    let location: StoreLocation

    func run(json: Bool) throws {
        let app = WebApp(store: WebStore(location: location))
        let probe = try AnswerSession(location: location, since: nil, until: nil, services: [])
        guard let span = probe.span else { throw CommandFailure("\(location) holds no timed line") }
        // The hour of the first line and its first failing requests, so that every page has something to show.
        let hour: Int64 = 3_600_000_000
        let start = span.first / hour * hour
        let since = AnswerFormat.timestamp(start, fraction: false), until = AnswerFormat.timestamp(start + hour, fraction: false)
        let window = "since=\(since)&until=\(until)"
        let search = app.respond(WebRequest(target: "/traces?status=5xx&limit=2&\(window)")).text
        let ids = search.components(separatedBy: "href=\"/trace/").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
        var targets = ["/graph", "/graph?\(window)", "/status?by=edge,code&\(window)", "/hops?\(window)", "/timeline?bucket=1m",
                       "/traces?status=5xx&\(window)", "/report", "/compare?baseline_subset=v1&candidate_subset=v2&\(window)",
                       "/edge?source=frontend-v1&service=course&subset=v1&\(window)", "/sql?query=error_edges&\(window)"]
        if ids.count == 2 { targets += ["/trace/\(ids[0])", "/diff?a=\(ids[0])&b=\(ids[1])"] }
        var results: [(String, String)] = [("store", location.description)]
        for target in targets {
            var status = 0, bytes = 0
            let seconds = MeshLogBench.bestOfThree {
                let r = app.respond(WebRequest(target: target))
                status = r.status
                bytes = r.body.count
            }
            let name = target.split(separator: "?").first.map(String.init) ?? target
            results.append((target.contains("/trace/") ? "/trace/ID" : target.contains("/diff") ? "/diff" : name + (target == "/graph" ? " (whole store)" : ""),
                            String(format: "%.3f s, %d, %d bytes", seconds, status, bytes)))
        }
        if json {
            print("{" + results.map { "\(ResultTable.jsonString($0.0)): \(ResultTable.jsonString($0.1))" }.joined(separator: ", ") + "}")
        } else {
            for (k, v) in results { print(TerminalText.escaped(k).padding(toLength: 24, withPad: " ", startingAt: 0) + v) }
        }
    }
}
