import CZstd

/// zstd decompression through libzstd, loaded at run time (`libzstd.so.1`; see CZstd).
///
/// The OpenTelemetry Collector's file exporter writes zstd with `compression: zstd`: each message compressed on its
/// own and length-prefixed, or (with its native-compression feature gate) the whole file as one zstd stream. libzstd
/// is not one of meshlog's required packages, so where it is missing such input is refused with ``missingReason``.
public enum Zstd {
    /// The magic number every zstd frame starts with (`28 B5 2F FD`).
    public static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Whether libzstd.so.1 loaded.
    public static var isAvailable: Bool { meshlog_zstd_available() != 0 }

    /// Why zstd data cannot be read here, and what to do instead.
    public static func missingReason(path: String) -> String {
        let name = path.isEmpty || path == "-" ? "FILE" : path
        return "zstd-compressed; libzstd.so.1 not found: install libzstd1 (apt-get install libzstd1), "
            + "or decompress first with \"zstd -d \(name)\" and ingest the result"
    }

    /// Whether `bytes` starts with a zstd frame.
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }

    /// Decompresses one or more whole zstd frames held in memory.
    ///
    /// - Throws: ``ZstdError`` when libzstd is missing, the data is corrupt, or it ends inside a frame.
    public static func decompress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let decoder = meshlog_zstd_create() else { throw ZstdError.unavailable }
        defer { meshlog_zstd_free(decoder) }
        var output = [UInt8](repeating: 0, count: max(4096, input.count * 4))
        var inPos = 0
        var outPos = 0
        var frameOpen = false
        while inPos < input.count || frameOpen {
            if outPos == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
            let before = (inPos, outPos)
            let status = output.withUnsafeMutableBytes { out in
                meshlog_zstd_decompress(decoder, input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count,
                                        &inPos, out.baseAddress!.assumingMemoryBound(to: UInt8.self), out.count, &outPos)
            }
            switch status {
            case MESHLOG_ZSTD_ERROR:
                throw ZstdError.corrupt(offset: inPos, reason: String(cString: meshlog_zstd_error(decoder)))
            case MESHLOG_ZSTD_FRAME_END:
                frameOpen = false
            default:
                frameOpen = true
                if inPos == input.count && outPos < output.count && before == (inPos, outPos) {
                    throw ZstdError.truncated(offset: inPos)
                }
            }
        }
        output.removeSubrange(outPos...)
        return output
    }
}

/// Why zstd data could not be decompressed.
public enum ZstdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libzstd.so.1 is not installed.
    case unavailable
    /// The data is damaged at compressed byte `offset`.
    case corrupt(offset: Int, reason: String)
    /// The data ends inside a frame, at compressed byte `offset`.
    case truncated(offset: Int)

    public var description: String {
        switch self {
        case .unavailable: return Zstd.missingReason(path: "")
        case let .corrupt(offset, reason): return "zstd data is damaged at compressed byte offset \(offset): \(reason)"
        case let .truncated(offset): return "zstd data ends inside a frame at compressed byte offset \(offset) (truncated)"
        }
    }
}

/// A `ByteStream` that decompresses zstd data (one or more frames) read from another stream.
///
/// Like ``GzipByteStream``: on truncated or corrupt input every byte that decoded is returned first; the next
/// `read` then throws `InputError.corruptZstd` naming the compressed byte offset.
public final class ZstdByteStream: ByteStream {
    /// The name used in error messages.
    public let path: String
    private let source: ByteStream
    private let decoder: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inputFilled = 0
    private var inputPos = 0
    private var sourceEnded = false
    private var frameOpen = false
    private var fedBytes: Int64 = 0
    private var pendingError: InputError?

    /// Decompresses `source`, naming it `path` in errors.
    ///
    /// - Throws: `InputError.zstdUnavailable` when libzstd.so.1 is not installed.
    public init(_ source: ByteStream, path: String, inputBufferSize: Int = 256 << 10) throws {
        guard let decoder = meshlog_zstd_create() else {
            throw InputError.zstdUnavailable(path: path)
        }
        self.decoder = decoder
        self.source = source
        self.path = path
        self.input = .allocate(byteCount: max(inputBufferSize, 64), alignment: 16)
    }

    deinit {
        meshlog_zstd_free(decoder)
        input.deallocate()
    }

    public var rawBytesRead: Int64 { source.rawBytesRead }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let pendingError { throw pendingError }
        guard buffer.count > 0 else { return 0 }
        while true {
            if inputPos == inputFilled && !sourceEnded {
                inputFilled = try source.read(into: input)
                inputPos = 0
                if inputFilled == 0 { sourceEnded = true }
                fedBytes += Int64(inputFilled)
            }
            if inputPos == inputFilled && sourceEnded {
                if frameOpen {
                    pendingError = .corruptZstd(path: path, compressedOffset: fedBytes, reason: "the data ends inside a frame (truncated)")
                    throw pendingError!
                }
                return 0
            }
            var inPos = inputPos
            var outPos = 0
            let status = meshlog_zstd_decompress(
                decoder, input.baseAddress!.assumingMemoryBound(to: UInt8.self), inputFilled, &inPos,
                buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, &outPos)
            inputPos = inPos
            switch status {
            case MESHLOG_ZSTD_ERROR:
                let offset = fedBytes - Int64(inputFilled - inputPos)
                pendingError = .corruptZstd(path: path, compressedOffset: offset, reason: String(cString: meshlog_zstd_error(decoder)))
                if outPos > 0 { return outPos }
                throw pendingError!
            case MESHLOG_ZSTD_FRAME_END:
                frameOpen = false
            default:
                frameOpen = true
            }
            if outPos > 0 { return outPos }
        }
    }
}
