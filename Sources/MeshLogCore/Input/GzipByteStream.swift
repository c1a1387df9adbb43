/// A `ByteStream` that decompresses gzip data read from another stream.
///
/// Decoding uses Intel's ISA-L when it is available (about twice as fast as zlib on access
/// logs) and zlib otherwise; `GzipInflater.preferred` says which, and `inflater:` picks one.
/// Both read the gzip header and check each member's CRC-32 and length.
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
    /// The library decoding this stream.
    public let inflater: GzipInflater
    private let source: ByteStream
    private let decoder: any Inflater
    private let input: UnsafeMutableRawBufferPointer
    /// Bytes of `input` filled by the last refill; the decoder reads up to their end.
    private var inputFilled = 0
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
    /// - Parameters:
    ///   - inputBufferSize: size of the compressed-input buffer.
    ///   - inflater: the library to decode with; throws `InputError.unreadable` if it is unavailable.
    public init(_ source: ByteStream, path: String, inputBufferSize: Int = 256 << 10,
                inflater: GzipInflater = .preferred) throws {
        switch inflater {
        case .isal:
            guard let isal = IsalInflater() else {
                throw InputError.unreadable(path: path, reason: "ISA-L's gzip decoder is not available (libisal.so.2)")
            }
            decoder = isal
        case .zlib:
            decoder = try ZlibInflater(path: path)
        }
        self.source = source
        self.path = path
        self.inflater = inflater
        self.input = .allocate(byteCount: max(inputBufferSize, 64), alignment: 16)
    }

    deinit {
        input.deallocate()
    }

    /// Bytes consumed from the underlying stream so far (compressed bytes).
    public var rawBytesRead: Int64 { source.rawBytesRead }

    /// Offset, in the compressed data, of the next byte the decoder will look at.
    public var compressedOffset: Int64 { fedBytes - Int64(decoder.availableInput) }

    /// The next compressed byte the decoder will look at; `decoder.availableInput` bytes follow.
    private var nextInput: UnsafeMutablePointer<UInt8> {
        input.baseAddress!.assumingMemoryBound(to: UInt8.self) + (inputFilled - decoder.availableInput)
    }

    /// Decompresses up to `buffer.count` bytes; 0 at the end of the last member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let error = pendingError { throw error }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if case .finished = state { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        decoder.setOutput(base.assumingMemoryBound(to: UInt8.self), count: capacity)
        do {
            try decode()
        } catch let error as InputError {
            pendingError = error
            let produced = capacity - decoder.availableOutput
            if produced > 0 { return produced }
            throw error
        }
        return capacity - decoder.availableOutput
    }

    /// Runs the decoder until the output buffer is full or the data ends.
    private func decode() throws {
        while decoder.availableOutput > 0 {
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
                if decoder.availableInput == 0, try !refill() { sourceDone = true }
                if checkMagic, !sourceDone {
                    // The decoder would read the whole header before judging it; say at once.
                    let next = nextInput
                    if next[0] != 0x1f || (decoder.availableInput > 1 && next[1] != 0x8b) {
                        throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset,
                                                     reason: membersDecoded == 0 ? "not gzip data (no gzip header)"
                                                        : "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
                    }
                    checkMagic = false
                }
                let before = decoder.availableOutput
                switch decoder.inflate() {
                case .memberEnded:
                    membersDecoded += 1
                    state = .memberEnded
                    continue
                case .checksumFailed(let unread):
                    // Both decoders name the member's end: read the rest of its trailer first.
                    try skipInput(unread)
                    throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset,
                                                 reason: "incorrect data check (CRC-32 or length) in gzip member \(membersDecoded + 1)")
                case .failed(let reason):
                    throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset,
                                                 reason: "\(reason) in gzip member \(membersDecoded + 1)")
                case .progress:
                    break
                }
                // The source has ended and the decoder had nothing left to hand out.
                if sourceDone, decoder.availableOutput == before, decoder.availableInput == 0 { throw truncated() }
            }
        }
    }

    /// After a member's end: decides whether another member follows. Skips trailing zero
    /// padding; throws on other trailing data.
    private func startNextMember() throws -> Bool {
        while true {
            if decoder.availableInput == 0, try !refill() { return false }
            let next = nextInput
            if next[0] == 0x1f {
                if let reason = decoder.startMember() {
                    throw InputError.corruptGzip(path: path, compressedOffset: compressedOffset, reason: reason)
                }
                checkMagic = true
                state = .inflating
                return true
            }
            if next[0] != 0 {
                throw InputError.corruptGzip(
                    path: path, compressedOffset: compressedOffset,
                    reason: "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
            }
            // Skip zero padding.
            let available = decoder.availableInput
            var zeros = 0
            while zeros < available && next[zeros] == 0 { zeros += 1 }
            decoder.setInput(next + zeros, count: available - zeros)
            if zeros < available {
                throw InputError.corruptGzip(
                    path: path, compressedOffset: compressedOffset,
                    reason: "unexpected data after the end of gzip member \(membersDecoded) (not a gzip header)")
            }
        }
    }

    /// Steps over `count` compressed bytes, reading more input as needed.
    private func skipInput(_ count: Int) throws {
        var left = count
        while left > 0 {
            if decoder.availableInput == 0, try !refill() { throw truncated() }
            let step = min(left, decoder.availableInput)
            decoder.setInput(nextInput + step, count: decoder.availableInput - step)
            left -= step
        }
    }

    /// The error for input that ended inside a member (or before the first).
    private func truncated() -> InputError {
        let reason = fedBytes == 0
            ? "the input is empty (no gzip header)"
            : "unexpected end of data inside gzip member \(membersDecoded + 1) (file truncated)"
        return InputError.corruptGzip(path: path, compressedOffset: compressedOffset, reason: reason)
    }

    /// Reads more compressed input; false at the end of the source.
    private func refill() throws -> Bool {
        if sourceEnded { return false }
        // At least 64 bytes a call (or what is left): ISA-L 2.30 misdecodes some streams that
        // arrive a byte at a time (a pipe can hand over that little), which zlib does not.
        var n = 0
        while n < min(64, input.count) {
            let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[n...]))
            if got == 0 {
                sourceEnded = true
                break
            }
            n += got
        }
        if n == 0 { return false }
        fedBytes += Int64(n)
        inputFilled = n
        decoder.setInput(input.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
        return true
    }
}
