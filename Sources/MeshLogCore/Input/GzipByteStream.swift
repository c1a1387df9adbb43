import CIsal

/// A `ByteStream` that decompresses gzip data read from another stream.
///
/// Decoding uses Intel's ISA-L (`isal_inflate`), about twice as fast as zlib's `inflate` on
/// access logs; it reads the gzip header and checks each member's CRC-32 and length.
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
    /// ISA-L's decoder state (about 50 KB, so on the heap).
    private let decoder: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutableRawBufferPointer
    private var state = State.inflating
    private var sourceEnded = false
    private var fedBytes: Int64 = 0
    private var pendingError: InputError?
    /// The next input byte starts a member: check its magic number first.
    private var checkMagic = true
    /// The number of gzip members decoded completely so far.
    public private(set) var membersDecoded = 0

    /// Decompresses `source`, naming it `path` in errors.
    ///
    /// - Parameter inputBufferSize: size of the compressed-input buffer.
    public init(_ source: ByteStream, path: String, inputBufferSize: Int = 256 << 10) throws {
        self.source = source
        self.path = path
        self.input = .allocate(byteCount: max(inputBufferSize, 64), alignment: 16)
        self.decoder = .allocate(capacity: 1)
        decoder.initialize(to: inflate_state())
        startMember()
    }

    deinit {
        decoder.deinitialize(count: 1)
        decoder.deallocate()
        input.deallocate()
    }

    /// Bytes consumed from the underlying stream so far (compressed bytes).
    public var rawBytesRead: Int64 { source.rawBytesRead }

    /// Offset, in the compressed data, of the next byte the decoder will look at.
    public var compressedOffset: Int64 { fedBytes - Int64(decoder.pointee.avail_in) }

    /// Decompresses up to `buffer.count` bytes; 0 at the end of the last member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let error = pendingError { throw error }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if case .finished = state { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        decoder.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
        decoder.pointee.avail_out = UInt32(capacity)
        do {
            try decode()
        } catch let error as InputError {
            pendingError = error
            let produced = capacity - Int(decoder.pointee.avail_out)
            if produced > 0 { return produced }
            throw error
        }
        return capacity - Int(decoder.pointee.avail_out)
    }

    /// Starts decoding a gzip member (header, deflate data, CRC-32 and length trailer).
    private func startMember() {
        // Initialising clears the buffers too: keep the input left and the output room.
        let input = (decoder.pointee.next_in, decoder.pointee.avail_in)
        let output = (decoder.pointee.next_out, decoder.pointee.avail_out)
        isal_inflate_init(decoder)
        decoder.pointee.crc_flag = UInt32(ISAL_GZIP)
        (decoder.pointee.next_in, decoder.pointee.avail_in) = input
        (decoder.pointee.next_out, decoder.pointee.avail_out) = output
        checkMagic = true
    }

    /// Runs the decoder until the output buffer is full or the data ends.
    private func decode() throws {
        while decoder.pointee.avail_out > 0 {
            switch state {
            case .finished:
                return
            case .memberEnded:
                if try !startNextMember() {
                    state = .finished
                    return
                }
            case .inflating:
                var sourceDone = false
                if decoder.pointee.avail_in == 0, try !refill() { sourceDone = true }
                if checkMagic, !sourceDone {
                    // The decoder would read the whole header before judging it; say at once.
                    if decoder.pointee.next_in[0] != 0x1f
                        || (decoder.pointee.avail_in > 1 && decoder.pointee.next_in[1] != 0x8b) {
                        throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset,
                                                     reason: membersDecoded == 0 ? "not gzip data (no gzip header)"
                                                        : "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
                    }
                    checkMagic = false
                }
                let before = decoder.pointee.avail_out
                let status = isal_inflate(decoder)
                if status < 0 || status == ISAL_NEED_DICT {
                    throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset,
                                                 reason: "\(Self.message(status)) in gzip member \(membersDecoded + 1)")
                }
                if decoder.pointee.block_state == ISAL_BLOCK_FINISH {
                    membersDecoded += 1
                    state = .memberEnded
                    continue
                }
                // The source has ended and the decoder had nothing left to hand out.
                if sourceDone, decoder.pointee.avail_out == before, decoder.pointee.avail_in == 0 {
                    let reason = fedBytes == 0
                        ? "the input is empty (no gzip header)"
                        : "unexpected end of data inside gzip member \(membersDecoded + 1) (file truncated)"
                    throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset, reason: reason)
                }
            }
        }
    }

    /// After a member's end: decides whether another member follows. Skips trailing zero
    /// padding; throws on other trailing data.
    private func startNextMember() throws -> Bool {
        while true {
            if decoder.pointee.avail_in == 0, try !refill() { return false }
            let next = decoder.pointee.next_in!
            if next[0] == 0x1f {
                startMember()
                state = .inflating
                return true
            }
            if next[0] != 0 {
                throw InputError.corruptGzip(
                    path: path, compressedOffset: compressedOffset,
                    reason: "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
            }
            // Skip zero padding.
            let available = Int(decoder.pointee.avail_in)
            var zeros = 0
            while zeros < available && next[zeros] == 0 { zeros += 1 }
            decoder.pointee.next_in = next + zeros
            decoder.pointee.avail_in -= UInt32(zeros)
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
        decoder.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        decoder.pointee.avail_in = UInt32(n)
        return true
    }

    /// Words for an `isal_inflate` error.
    private static func message(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: return "invalid deflate block"
        case ISAL_INVALID_SYMBOL: return "invalid compressed data (bad symbol)"
        case ISAL_INVALID_LOOKBACK: return "invalid compressed data (distance too far back)"
        case ISAL_INVALID_WRAPPER: return "not a gzip header"
        case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method"
        case ISAL_INCORRECT_CHECKSUM: return "incorrect data check (CRC-32 or length)"
        case ISAL_NEED_DICT: return "a preset dictionary is needed"
        default: return "gzip decoder error \(status)"
        }
    }
}
