/// An error from the input layer: a missing, unreadable, or damaged input.
///
/// Every description names the input, says what is wrong, and says how to fix it, so the
/// command line can print it as is.
public enum InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path does not exist (or is a dangling symbolic link).
    case notFound(path: String)
    /// The path exists but cannot be opened or read (permissions, a directory where a file
    /// was expected, an I/O error...).
    case unreadable(path: String, reason: String)
    /// The gzip data of `path` is truncated or corrupt at `compressedOffset` (a byte offset
    /// in the compressed data). Every byte that decoded before that point was delivered.
    case corruptGzip(path: String, compressedOffset: Int64, reason: String)
    /// The tar archive `path` ends early or has a damaged header. Every member before that
    /// point was delivered.
    case truncatedTar(path: String, reason: String)
    /// The input is zstd-compressed and this machine has no libzstd to decompress it.
    case zstdUnavailable(path: String)
    /// The zstd data of `path` is truncated or corrupt at `compressedOffset`. Every byte that
    /// decoded before that point was delivered.
    case corruptZstd(path: String, compressedOffset: Int64, reason: String)

    /// The input the error is about.
    public var path: String {
        switch self {
        case .notFound(let path), .unreadable(let path, _), .corruptGzip(let path, _, _),
            .truncatedTar(let path, _), .zstdUnavailable(let path), .corruptZstd(let path, _, _):
            return path
        }
    }

    /// A message for the user: what is wrong and how to fix it.
    public var description: String {
        switch self {
        case .notFound(let path):
            return "input '\(path)' does not exist: check the spelling of the path "
                + "(a directory is read recursively; use '-' to read standard input)"
        case .unreadable(let path, let reason):
            return "cannot read input '\(path)': \(reason); "
                + "check that it is a readable regular file or directory (permissions, mounts)"
        case .corruptGzip(let path, let offset, let reason):
            return "gzip data of '\(path)' is damaged at compressed byte offset \(offset): \(reason); "
                + "the lines decoded before that point were read. If the file is still being "
                + "written or was copied incompletely, copy it again once complete and re-run; "
                + "otherwise it is corrupt and only its first part can be recovered"
        case .zstdUnavailable(let path):
            return "input '\(path)' is \(Zstd.missingReason(path: path))"
        case .corruptZstd(let path, let offset, let reason):
            return "zstd data of '\(path)' is damaged at compressed byte offset \(offset): \(reason); "
                + "the lines decoded before that point were read. If the file is still being "
                + "written or was copied incompletely, copy it again once complete and re-run"
        case .truncatedTar(let path, let reason):
            return "tar archive '\(path)' is incomplete or damaged: \(reason); "
                + "the members before that point were read. Re-create or copy the archive "
                + "again (e.g. check its size against the original) and re-run"
        }
    }
}
