/// A gzip member decoder behind `GzipByteStream`: ISA-L's (`IsalInflater`) or zlib's (`ZlibInflater`).
///
/// The stream owns the buffers and the member loop (magic check, concatenated members, zero
/// padding, truncation); an inflater only decodes the member in front of it. Input and output are
/// set as pointers into the stream's buffers; the inflater advances through them.
protocol Inflater: AnyObject {
    /// Compressed bytes the decoder has not read yet.
    var availableInput: Int { get }
    /// Room left in the output buffer.
    var availableOutput: Int { get }
    /// Gives the decoder `count` compressed bytes at `start` to read next.
    func setInput(_ start: UnsafePointer<UInt8>?, count: Int)
    /// Gives the decoder `count` bytes of room at `start` for decoded data.
    func setOutput(_ start: UnsafeMutablePointer<UInt8>, count: Int)
    /// Starts decoding a new gzip member, keeping the input left and the output room; the
    /// reason on failure.
    func startMember() -> String?
    /// Decodes until the input runs out, the output is full or the member ends.
    func inflate() -> InflateStep
}

/// What one `Inflater.inflate()` call ended with.
enum InflateStep {
    /// Decoding goes on: more input or more output room is needed.
    case progress
    /// The member ended; its CRC-32 and length matched.
    case memberEnded
    /// The member's trailer does not match its data; the trailer's last `unreadTrailerBytes`
    /// are not read yet (zlib judges the CRC-32 before reading the length, ISA-L reads both first).
    case checksumFailed(unreadTrailerBytes: Int)
    /// The data is corrupt, for `reason`.
    case failed(reason: String)
}
