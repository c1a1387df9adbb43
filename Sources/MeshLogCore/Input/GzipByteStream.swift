import CZlib

/// A `ByteStream` that decompresses gzip data read from another stream.
///
/// Handles concatenated gzip members (as written by `cat a.gz b.gz` or `gzip` appending):
/// after the end of a member, if more input follows, decoding goes on with the next member.
/// Zero bytes after the last member (tape padding) are ignored.
///
/// On truncated input (the stream ends inside a member) or corrupt data, every byte that
/// decoded is returned first; the next `read` then throws `InputError.corruptGzip` naming
/// the compressed byte offset where decoding stopped. The error is sticky.
public final class GzipByteStream: ByteStream {
    private enum State {
        case inflating
        case memberEnded
        case finished
    }

    /// The name used in error messages.
    public let path: String
    private let source: ByteStream
    private let zstream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var state = State.inflating
    private var sourceEnded = false
    private var fedBytes: Int64 = 0
    private var pendingError: InputError?
    /// The number of gzip members decoded completely so far.
    public private(set) var membersDecoded = 0

    /// Decompresses `source`, naming it `path` in errors.
    ///
    /// - Parameter inputBufferSize: size of the compressed-input buffer.
    public init(_ source: ByteStream, path: String, inputBufferSize: Int = 256 << 10) throws {
        self.source = source
        self.path = path
        self.input = .allocate(byteCount: max(inputBufferSize, 64), alignment: 16)
        self.zstream = .allocate(capacity: 1)
        zstream.initialize(to: z_stream())
        let status = inflateInit2_(zstream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        if status != Z_OK {
            zstream.deinitialize(count: 1)
            zstream.deallocate()
            input.deallocate()
            throw InputError.unreadable(path: path, reason: "cannot start gzip decoder (zlib error \(status))")
        }
    }

    deinit {
        inflateEnd(zstream)
        zstream.deinitialize(count: 1)
        zstream.deallocate()
        input.deallocate()
    }

    /// Bytes consumed from the underlying stream so far (compressed bytes).
    public var rawBytesRead: Int64 { source.rawBytesRead }

    /// Offset, in the compressed data, of the next byte the decoder will look at.
    public var compressedOffset: Int64 { fedBytes - Int64(zstream.pointee.avail_in) }

    /// Decompresses up to `buffer.count` bytes; 0 at the end of the last member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let error = pendingError { throw error }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if case .finished = state { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        zstream.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
        zstream.pointee.avail_out = UInt32(capacity)
        do {
            try decode()
        } catch let error as InputError {
            pendingError = error
            let produced = capacity - Int(zstream.pointee.avail_out)
            if produced > 0 { return produced }
            throw error
        }
        return capacity - Int(zstream.pointee.avail_out)
    }

    /// Runs the decoder until the output buffer is full or the data ends.
    private func decode() throws {
        while zstream.pointee.avail_out > 0 {
            switch state {
            case .finished:
                return
            case .memberEnded:
                if try !startNextMember() {
                    state = .finished
                    return
                }
            case .inflating:
                if zstream.pointee.avail_in == 0 {
                    if try !refill() {
                        let reason = fedBytes == 0
                            ? "the input is empty (no gzip header)"
                            : "unexpected end of data inside gzip member \(membersDecoded + 1) (file truncated)"
                        throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset, reason: reason)
                    }
                }
                let status = inflate(zstream, Z_NO_FLUSH)
                switch status {
                case Z_STREAM_END:
                    membersDecoded += 1
                    state = .memberEnded
                case Z_OK, Z_BUF_ERROR:
                    // Z_BUF_ERROR: no progress possible; the next turn refills the input.
                    continue
                default:
                    throw InputError.corruptGzip(
                        path: path, compressedOffset: compressedOffset,
                        reason: "\(zlibMessage(status)) in gzip member \(membersDecoded + 1)")
                }
            }
        }
    }

    /// After a member's end: decides whether another member follows. Skips trailing zero
    /// padding; throws on other trailing data.
    private func startNextMember() throws -> Bool {
        while true {
            if zstream.pointee.avail_in == 0, try !refill() { return false }
            let next = zstream.pointee.next_in!
            if next[0] == 0x1f {
                let status = inflateReset(zstream)
                if status != Z_OK {
                    throw InputError.corruptGzip(
                        path: path, compressedOffset: compressedOffset,
                        reason: "cannot restart the decoder (\(zlibMessage(status)))")
                }
                state = .inflating
                return true
            }
            if next[0] != 0 {
                throw InputError.corruptGzip(
                    path: path, compressedOffset: compressedOffset,
                    reason: "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
            }
            // Skip zero padding.
            let available = Int(zstream.pointee.avail_in)
            var zeros = 0
            while zeros < available && next[zeros] == 0 { zeros += 1 }
            zstream.pointee.next_in = next + zeros
            zstream.pointee.avail_in -= UInt32(zeros)
            if zeros < available {
                throw InputError.corruptGzip(
                    path: path, compressedOffset: compressedOffset,
                    reason: "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
            }
        }
    }

    /// Reads more compressed input; false at the end of the source.
    private func refill() throws -> Bool {
        if sourceEnded { return false }
        let n = try source.read(into: input)
        if n == 0 {
            sourceEnded = true
            return false
        }
        fedBytes += Int64(n)
        zstream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        zstream.pointee.avail_in = UInt32(n)
        return true
    }

    private func zlibMessage(_ status: Int32) -> String {
        if let message = zstream.pointee.msg { return String(cString: message) }
        switch status {
        case Z_DATA_ERROR: return "invalid compressed data"
        case Z_NEED_DICT: return "a preset dictionary is needed"
        case Z_MEM_ERROR: return "out of memory"
        case Z_STREAM_ERROR: return "decoder state error"
        default: return "zlib error \(status)"
        }
    }
}
