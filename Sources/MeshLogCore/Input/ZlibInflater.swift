import CZlib

/// `Inflater` through zlib's `inflate`, used when ISA-L is not available or `MESHLOG_INFLATE=zlib`.
final class ZlibInflater: Inflater {
    private let stream: UnsafeMutablePointer<z_stream>

    /// A decoder for gzip members; throws `InputError.unreadable` naming `path` if zlib cannot start one.
    init(path: String) throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw InputError.unreadable(path: path, reason: "cannot start gzip decoder (zlib error \(status))")
        }
        self.stream = stream
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    var availableInput: Int { Int(stream.pointee.avail_in) }
    var availableOutput: Int { Int(stream.pointee.avail_out) }

    func setInput(_ start: UnsafePointer<UInt8>?, count: Int) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: start)
        stream.pointee.avail_in = UInt32(count)
    }

    func setOutput(_ start: UnsafeMutablePointer<UInt8>, count: Int) {
        stream.pointee.next_out = start
        stream.pointee.avail_out = UInt32(count)
    }

    func startMember() -> String? {
        let status = inflateReset(stream)
        return status == Z_OK ? nil : "cannot restart the decoder (\(message(status)))"
    }

    func inflate() -> InflateStep {
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        switch status {
        case Z_STREAM_END: return .memberEnded
        // Z_BUF_ERROR: no progress possible until more input or output room arrives.
        case Z_OK, Z_BUF_ERROR: return .progress
        case Z_DATA_ERROR where stream.pointee.msg.map { String(cString: $0) } == "incorrect data check":
            // zlib judges the CRC-32 before reading the 4-byte length that follows it.
            return .checksumFailed(unreadTrailerBytes: 4)
        case Z_DATA_ERROR where stream.pointee.msg.map { String(cString: $0) } == "incorrect length check":
            return .checksumFailed(unreadTrailerBytes: 0)
        default: return .failed(reason: message(status))
        }
    }

    /// Words for a zlib status: zlib's own message when it gives one.
    private func message(_ status: Int32) -> String {
        if let text = stream.pointee.msg { return String(cString: text) }
        switch status {
        case Z_DATA_ERROR: return "invalid compressed data"
        case Z_NEED_DICT: return "a preset dictionary is needed"
        case Z_MEM_ERROR: return "out of memory"
        case Z_STREAM_ERROR: return "decoder state error"
        default: return "zlib error \(status)"
        }
    }
}
