import Foundation
import MeshLogCore

/// Access-log lines that carry the caller's SPIFFE identity (`%DOWNSTREAM_PEER_URI_SAN%`), in a custom
/// text format and as JSON: inbound lines of `user` from frontend (Istio's SNI), from enrollment (no SNI,
/// a verified certificate) and from a plaintext caller, and one outbound line.
public enum PeerIdentityLines {
    public static let frontend = "spiffe://cluster.local/ns/lms/sa/frontend"
    public static let enrollment = "spiffe://cluster.local/ns/lms/sa/enrollment"

    /// Istio's text format with the caller's identity appended, as an operator would configure it.
    public static let format = FormatCatalog.istioFormat.replacingOccurrences(of: "\\n", with: "") + " %DOWNSTREAM_PEER_URI_SAN%"

    /// An inbound line of `user` in ``format``: its request id, SNI (`-` for none) and peer identity (`-` for none).
    public static func inboundLine(_ n: Int, sni: String, peer: String, status: Int = 200) -> String {
        let second = String(format: "%02d", n)
        return #"[2026-11-25T09:14:\#(second).519Z] "GET /users/\#(n) HTTP/1.1" \#(status) - via_upstream - "-" 0 291 12 11 "-" "Go-http-client/1.1" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f\#(second)" "user.lms.svc.cluster.local:8080" "10.244.2.17:8080" inbound|8080|| 127.0.0.6:38211 10.244.2.17:8080 10.244.1.9:512\#(second) \#(sni) default \#(peer)"#
    }

    /// Six inbound lines: three from frontend over Istio's SNI, two from enrollment with no SNI but a
    /// verified certificate, one plaintext; and one outbound line (whose identity is on the callee's side).
    public static var text: [String] {
        let sni = "outbound_.8080_._.user.lms.svc.cluster.local"
        return [
            inboundLine(1, sni: sni, peer: frontend), inboundLine(2, sni: sni, peer: frontend),
            inboundLine(3, sni: sni, peer: frontend, status: 503),
            inboundLine(4, sni: "-", peer: enrollment), inboundLine(5, sni: "-", peer: enrollment),
            inboundLine(6, sni: "-", peer: "-"),
            #"[2026-11-25T09:14:07.517Z] "GET /users/7 HTTP/1.1" 200 - via_upstream - "-" 0 291 14 13 "-" "Go-http-client/1.1" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f07" "user.lms.svc.cluster.local:8080" "10.244.2.17:8080" outbound|8080||user.lms.svc.cluster.local 10.244.1.9:51207 10.96.14.22:8080 10.244.1.9:40112 - default -"#,
        ]
    }

    /// The same traffic as JSON lines, the identity under the keys hand-written `json_format`s use.
    public static var json: [String] {
        func line(_ n: Int, sni: String?, peerKey: String, peer: String?) -> String {
            var fields: [String: Any] = [
                "start_time": "2026-11-25T09:15:0\(n).000Z", "method": "GET", "path": "/users/\(n)", "protocol": "HTTP/1.1",
                "response_code": 200, "response_flags": "-", "response_code_details": "via_upstream", "bytes_received": 0,
                "bytes_sent": 291, "duration": 12, "request_id": "json-\(n)", "authority": "user.lms.svc.cluster.local:8080",
                "upstream_host": "10.244.2.17:8080", "upstream_cluster": "inbound|8080||", "upstream_local_address": "127.0.0.6:38211",
                "downstream_local_address": "10.244.2.17:8080", "downstream_remote_address": "10.244.1.9:5130\(n)", "route_name": "default",
            ]
            if let sni { fields["requested_server_name"] = sni }
            fields[peerKey] = peer ?? "-"
            return String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        }
        return [
            line(1, sni: "outbound_.8080_._.user.lms.svc.cluster.local", peerKey: "downstream_peer_uri_san", peer: frontend),
            line(2, sni: nil, peerKey: "downstream_peer_uri_san", peer: enrollment),
            line(3, sni: nil, peerKey: "DOWNSTREAM_PEER_URI_SAN", peer: enrollment),
            line(4, sni: nil, peerKey: "downstream_peer_uri_san", peer: nil),
        ]
    }

    /// An Envoy `json_format` definition that logs the caller's identity under a key of its own
    /// (`caller`), and two lines it wrote, keys in another order and the status typed.
    public static let jsonFormat = #"{"start_time": "%START_TIME%", "method": "%REQ(:METHOD)%", "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "code": "%RESPONSE_CODE%", "took": "%DURATION%", "cluster": "%UPSTREAM_CLUSTER%", "peer": "%DOWNSTREAM_REMOTE_ADDRESS%", "rid": "%REQ(X-REQUEST-ID)%", "caller": "%DOWNSTREAM_PEER_URI_SAN%"}"#

    /// Lines of ``jsonFormat``: one from frontend, one without an identity.
    public static let jsonFormatLines = [
        #"{"caller":"spiffe://cluster.local/ns/lms/sa/frontend","cluster":"inbound|8080||","code":200,"method":"GET","path":"/users/1","peer":"10.244.1.9:51201","rid":"7e4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f01","start_time":"2026-11-25T09:16:01.519Z","took":12}"#,
        #"{"caller":"-","cluster":"inbound|8080||","code":503,"method":"GET","path":"/users/2","peer":"10.244.1.9:51202","rid":"7e4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f02","start_time":"2026-11-25T09:16:02.519Z","took":3}"#,
    ]
}
