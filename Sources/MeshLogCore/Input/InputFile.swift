/// One input to ingest: a file path, or standard input ("-").
///
/// `path` doubles as the display and source name. For a member of a tar archive it has the
/// form `"bundle.tar.gz:var/log/pods/x/0.log"` (see `TarReader`).
public struct InputFile: Sendable, Hashable {
    /// The path as given (not made absolute), `"-"` for standard input, or
    /// `"archive:member"` for a tar member.
    public let path: String
    /// The size in bytes as stored (compressed size for a gzip file), when known: `nil` for
    /// standard input, pipes and devices.
    public let size: Int64?

    /// Creates an input with the given path and, when known, stored size.
    public init(path: String, size: Int64? = nil) {
        self.path = path
        self.size = size
    }

    /// Standard input, named `"-"`.
    public static let stdin = InputFile(path: "-", size: nil)

    /// Whether this input is standard input.
    public var isStdin: Bool { path == "-" }
}
