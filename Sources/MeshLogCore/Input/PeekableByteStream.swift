/// A `ByteStream` that can look at the first bytes of another stream without consuming them.
///
/// Used to sniff gzip and tar magic numbers on inputs that cannot seek (standard input,
/// tar members). Peeked bytes are replayed by `read`; after that reads pass straight through.
public final class PeekableByteStream: ByteStream {
    private let source: ByteStream
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var sourceEnded = false

    /// Wraps `source`.
    public init(_ source: ByteStream) {
        self.source = source
    }

    /// Returns the next `count` bytes without consuming them (fewer if the stream ends first).
    ///
    /// Reads from the source until `count` bytes are buffered or it ends; only bytes not yet
    /// handed out by `read` are returned.
    public func peek(_ count: Int) throws -> [UInt8] {
        if pendingOffset > 0 {
            pending.removeSubrange(0..<pendingOffset)
            pendingOffset = 0
        }
        while pending.count < count && !sourceEnded {
            let want = count - pending.count
            let oldCount = pending.count
            pending.append(contentsOf: repeatElement(0, count: want))
            let n = try pending.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[oldCount...]))
            }
            pending.removeSubrange((oldCount + n)...)
            if n == 0 { sourceEnded = true }
        }
        return Array(pending.prefix(count))
    }

    /// Replays peeked bytes first, then reads from the source.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let available = pending.count - pendingOffset
        if available > 0 {
            let n = min(available, buffer.count)
            guard n > 0, let destination = buffer.baseAddress else { return 0 }
            pending.withUnsafeBytes { source in
                destination.copyMemory(from: source.baseAddress! + pendingOffset, byteCount: n)
            }
            pendingOffset += n
            if pendingOffset == pending.count {
                pending = []
                pendingOffset = 0
            }
            return n
        }
        if sourceEnded { return 0 }
        return try source.read(into: buffer)
    }

    /// The source's raw byte count (including bytes peeked but not yet read).
    public var rawBytesRead: Int64 { source.rawBytesRead }
}
