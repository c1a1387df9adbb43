/// A pull stream of raw (already decompressed) bytes.
///
/// Implementations are single-threaded objects: use one from one thread at a time.
public protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns the number read, 0 at end of
    /// stream (and only there, unless `buffer` is empty).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes consumed from the underlying file so far (compressed bytes for gzip), for
    /// progress reporting.
    var rawBytesRead: Int64 { get }
}
