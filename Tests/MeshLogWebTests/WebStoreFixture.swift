import Foundation
import MeshLogStore
import MeshLogTestSupport
@testable import MeshLogWeb

/// A store of generated traffic (a payment incident and a slow edge) plus requests whose paths, user agents and
/// ids carry markup, built once per test run with the CLI, and the app over it.
final class WebStoreFixture: Sendable {
    static let shared: Result<WebStoreFixture, Error> = Result { try WebStoreFixture() }

    private let directory: TemporaryDirectory
    let database: String
    let app: WebApp

    /// Markup an attacker could put in a path or a user agent.
    static let scriptPath = "/courses/<script>alert(1)</script>"
    static let imageAgent = "\"><img src=x onerror=alert(2)>"
    /// The request id of the hostile request (itself hostile).
    static let hostileRequest = "evil-<b>1</b>-'\"&"

    private init() throws {
        directory = try TemporaryDirectory(prefix: "meshlog-web")
        database = directory.path("meshlog.db")
        let log = directory.path("mesh.log")
        try Self.check(MeshLogBinary.run(["generate", "--lines", "6000", "--seed", "11", "--incident", "payment",
                                          "--slow", "frontend->course=3", "--output", log]))
        let hostile = try directory.write("hostile.log", try Self.hostileLines())
        try Self.check(MeshLogBinary.run(["ingest", log, hostile, "--db", database, "--quiet"]))
        app = WebApp(store: WebStore(location: .sqlite(path: database)))
    }

    private static func check(_ run: MeshLogBinary.Result) throws {
        guard run.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "meshlog failed: \(run.stderr)"])
        }
    }

    /// Two Istio JSON lines (the gateway's outbound and frontend's inbound) of one request with markup in the
    /// path, the user agent and the request id, answered 503 (JSON, because Envoy's text format writes a `"`
    /// in a header unescaped).
    static func hostileLines() throws -> String {
        func line(_ fields: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        }
        let common: [String: Any] = [
            "authority": "frontend.lms.svc.cluster.local", "bytes_received": 0, "bytes_sent": 91, "method": "GET", "path": scriptPath,
            "protocol": "HTTP/1.1", "request_id": hostileRequest, "route_name": "default", "user_agent": imageAgent,
            "upstream_host": "10.244.1.9:8080",
        ]
        let outbound = common.merging([
            "start_time": "2026-11-25T00:30:00.000Z", "duration": 12, "response_code": 503, "response_flags": "UF",
            "response_code_details": "upstream_reset_before_response_started{connection_failure}",
            "upstream_cluster": "outbound|80||frontend.lms.svc.cluster.local", "upstream_local_address": "10.244.0.5:41000",
            "downstream_local_address": "10.96.0.10:80", "downstream_remote_address": "10.244.0.77:52000",
        ]) { $1 }
        let inbound = common.merging([
            "start_time": "2026-11-25T00:30:00.001Z", "duration": 10, "upstream_service_time": "9", "response_code": 503,
            "response_flags": "-", "response_code_details": "via_upstream", "upstream_cluster": "inbound|8080||",
            "upstream_local_address": "127.0.0.6:43000", "downstream_local_address": "10.244.1.9:8080",
            "downstream_remote_address": "10.244.0.5:41000", "requested_server_name": "outbound_.80_._.frontend.lms.svc.cluster.local",
        ]) { $1 }
        return try line(outbound) + "\n" + line(inbound) + "\n"
    }

    /// The response to `target` (a GET unless `method` says otherwise).
    func get(_ target: String, method: String = "GET") -> WebResponse {
        app.respond(WebRequest(method: method, target: target))
    }

    /// Runs the CLI on this store and returns its stdout.
    func cli(_ arguments: [String]) throws -> String {
        let run = try MeshLogBinary.run(arguments + ["--db", database])
        try Self.check(run)
        return run.stdout
    }
}
