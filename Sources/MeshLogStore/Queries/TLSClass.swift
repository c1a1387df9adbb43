/// The values of the `tls` status key (``GroupKey/tls``), as the store computes them.
public enum TLSClass {
    /// An inbound call over the mesh's mTLS: the SNI is Istio's `outbound_.PORT_.SUBSET_.HOST`.
    public static let mesh = "mTLS"
    /// An inbound call with no SNI: plaintext, or TLS without SNI from a client outside the mesh.
    public static let plaintext = "plaintext"
    /// An inbound call with an SNI that is not the mesh's (a gateway's own TLS, a client's).
    public static let otherSNI = "TLS, other SNI"
    /// An outbound line whose upstream connection's TLS failed: followed by Envoy's reason.
    public static let failurePrefix = "TLS failure: "
    /// An outbound line without a TLS failure (the callee's inbound line says how it arrived).
    public static let outbound = "outbound"

    /// What a value means, in plain words.
    public static func meaning(_ value: String) -> String? {
        switch value {
        case mesh: "arrived over the mesh's mutual TLS (Istio's SNI)"
        case plaintext: "arrived without the mesh's mTLS (no SNI): a caller without a sidecar or outside the mesh, on a PERMISSIVE port"
        case otherSNI: "arrived over TLS, but not the mesh's (another SNI)"
        case outbound: "the caller's side; how the call arrived is on the callee's line"
        default: value.hasPrefix(failurePrefix) ? "the upstream connection's TLS handshake failed (Envoy's reason)" : nil
        }
    }
}
