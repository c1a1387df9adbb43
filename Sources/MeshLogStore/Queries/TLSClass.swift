/// The values of the `tls` status key (``GroupKey/tls``), as the store computes them.
public enum TLSClass: String, CaseIterable, Sendable {
    /// An inbound call over the mesh's mTLS: the SNI is Istio's `outbound_.PORT_.SUBSET_.HOST`, or the
    /// line logs a `spiffe://` peer URI SAN (``PeerIdentity``), which Envoy prints only for a client
    /// certificate it verified, so it is proof of mTLS whatever the SNI (a caller without SNI included).
    case mesh = "mTLS"
    /// An inbound call with no SNI and no peer identity: plaintext, or TLS without SNI from a client outside the mesh.
    case plaintext
    /// An inbound call with an SNI that is not the mesh's (a gateway's own TLS, a client's).
    case otherSNI = "TLS, other SNI"
    /// An outbound line without a TLS failure (the callee's inbound line says how it arrived).
    case outbound

    /// The class's number in `summary_tls` (`mTLS` 1, `plaintext` 2, `other SNI` 3); 0 for outbound lines.
    public var code: Int64 {
        switch self {
        case .mesh: 1
        case .plaintext: 2
        case .otherSNI: 3
        case .outbound: 0
        }
    }

    /// The class of an inbound line from its SNI (nil: none): Istio's `outbound_.PORT_.SUBSET_.HOST` is the mesh's mTLS.
    public static func inbound(sni: UnsafeBufferPointer<UInt8>?) -> TLSClass {
        guard let sni else { return .plaintext }
        let prefix: StaticString = "outbound_."
        guard sni.count >= prefix.utf8CodeUnitCount else { return .otherSNI }
        for i in 0..<prefix.utf8CodeUnitCount where sni[i] != prefix.utf8Start[i] { return .otherSNI }
        return .mesh
    }

    /// Starts the value of an outbound line whose upstream connection's TLS failed; Envoy's reason follows.
    public static let failurePrefix = "TLS failure: "

    /// What a value means, in plain words.
    public static func meaning(_ value: String) -> String? {
        switch TLSClass(rawValue: value) {
        case .mesh: "arrived over the mesh's mutual TLS (Istio's SNI, or a verified spiffe:// client certificate)"
        case .plaintext: "arrived without the mesh's mTLS (no SNI, no client identity): a caller without a sidecar or outside the mesh, on a PERMISSIVE port"
        case .otherSNI: "arrived over TLS, but not the mesh's (another SNI)"
        case .outbound: "the caller's side; how the call arrived is on the callee's line"
        case nil: value.hasPrefix(failurePrefix) ? "the upstream connection's TLS handshake failed (Envoy's reason)" : nil
        }
    }
}
