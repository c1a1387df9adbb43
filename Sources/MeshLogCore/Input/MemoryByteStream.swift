/// A `ByteStream` over bytes held in memory, handy for tests and small inputs.
public final class MemoryByteStream: ByteStream {
    private let bytes: [UInt8]
    private let maxChunk: Int
    private var offset = 0

    /// Streams `bytes`, handing out at most `maxChunk` bytes per `read` call (to imitate a
    /// pipe's short reads).
    public init(_ bytes: [UInt8], maxChunk: Int = .max) {
        precondition(maxChunk > 0, "maxChunk must be positive")
        self.bytes = bytes
        self.maxChunk = maxChunk
    }

    /// Copies the next bytes into `buffer`; 0 once all bytes were read.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, maxChunk, bytes.count - offset)
        guard n > 0, let destination = buffer.baseAddress else { return 0 }
        bytes.withUnsafeBytes { source in
            destination.copyMemory(from: source.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }

    /// Bytes handed out so far.
    public var rawBytesRead: Int64 { Int64(offset) }
}
