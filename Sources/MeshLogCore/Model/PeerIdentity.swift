/// The caller's SPIFFE identity on an inbound line: what Envoy's `%DOWNSTREAM_PEER_URI_SAN%`
/// prints, the URI SANs of the client certificate the sidecar verified (comma-separated, e.g.
/// `spiffe://cluster.local/ns/default/sa/frontend`), or `-` when the caller sent none.
///
/// It is stored in a line's `extra` JSON under ``extraKey`` (the operator's own spelling, as a text
/// format keeps every operator without a column), and read as the `peer_identity` column of the
/// public `access_log` view.
public enum PeerIdentity {
    /// The key of the identity in `extra`.
    public static let extraKey = "DOWNSTREAM_PEER_URI_SAN"

    /// JSON keys that hold `%DOWNSTREAM_PEER_URI_SAN%` in hand-written `json_format` configurations
    /// (Istio-style, operator and camelCase spellings); their values are stored under ``extraKey``.
    public static let jsonKeys: Set<String> = [
        "downstream_peer_uri_san", "DOWNSTREAM_PEER_URI_SAN", "downstreamPeerUriSan", "downstreamPeerURISAN",
        "peer_uri_san", "source_principal",
    ]
}
