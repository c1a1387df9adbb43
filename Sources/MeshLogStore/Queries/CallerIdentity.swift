/// The values of the `identity` status key (``GroupKey/identity``): the caller's SPIFFE identity
/// on inbound lines (``PeerIdentity``), as the store computes them.
public enum CallerIdentity {
    /// An inbound line without a peer URI SAN.
    public static let none = "(none)"
    /// An outbound line (the caller's identity is on the callee's inbound line).
    public static let outbound = "(outbound)"

    /// What a value means, in plain words: `spiffe://TD/ns/NS/sa/SA` names its namespace and
    /// service account.
    public static func meaning(_ value: String) -> String? {
        switch value {
        case none:
            return "no caller identity on the line: the format does not log %DOWNSTREAM_PEER_URI_SAN%, "
                + "or the caller presented no verified client certificate (plaintext, or TLS without one)"
        case outbound:
            return "the caller's side; the caller's identity is on the callee's inbound line"
        default:
            let sans = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let parts = sans.map { san -> String in
                guard san.hasPrefix("spiffe://") else { return "a client certificate with URI SAN \(san)" }
                let path = san.dropFirst("spiffe://".count).split(separator: "/").map(String.init)
                if path.count == 5, path[1] == "ns", path[3] == "sa" {
                    return "service account \(path[4]) of namespace \(path[2]) (trust domain \(path[0]))"
                }
                return "SPIFFE identity \(san)"
            }
            return "mTLS with a verified client certificate: " + parts.joined(separator: "; ")
        }
    }
}
