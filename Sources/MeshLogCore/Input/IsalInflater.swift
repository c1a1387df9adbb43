import CInflate

/// `Inflater` through Intel's ISA-L (`isal_inflate`), about twice as fast as zlib on access logs.
///
/// Reaches ISA-L through CInflate, which loads libisal.so.2 at run time: `GzipInflater.isal.isAvailable`
/// says whether it did.
final class IsalInflater: Inflater {
    /// ISA-L's decoder state (about 50 KB, on the heap).
    private let state: OpaquePointer

    /// A decoder for the first member; nil when ISA-L is unavailable.
    init?() {
        guard let state = meshlog_isal_create() else { return nil }
        self.state = state
    }

    deinit { meshlog_isal_free(state) }

    var availableInput: Int { Int(meshlog_isal_avail_in(state)) }
    var availableOutput: Int { Int(meshlog_isal_avail_out(state)) }

    func setInput(_ start: UnsafePointer<UInt8>?, count: Int) {
        meshlog_isal_set_input(state, start, UInt32(count))
    }

    func setOutput(_ start: UnsafeMutablePointer<UInt8>, count: Int) {
        meshlog_isal_set_output(state, start, UInt32(count))
    }

    func startMember() -> String? {
        meshlog_isal_reset(state)
        return nil
    }

    func inflate() -> InflateStep {
        let status = meshlog_isal_inflate(state)
        switch status {
        case MESHLOG_ISAL_OK: return .progress
        case MESHLOG_ISAL_MEMBER_END: return .memberEnded
        case MESHLOG_ISAL_INCORRECT_CHECKSUM: return .checksumFailed(unreadTrailerBytes: 0)
        default: return .failed(reason: Self.message(status))
        }
    }

    /// Words for a failed step.
    private static func message(_ status: Int32) -> String {
        switch status {
        case MESHLOG_ISAL_INVALID_BLOCK: return "invalid deflate block"
        case MESHLOG_ISAL_INVALID_SYMBOL: return "invalid compressed data (bad symbol)"
        case MESHLOG_ISAL_INVALID_LOOKBACK: return "invalid compressed data (distance too far back)"
        case MESHLOG_ISAL_INVALID_WRAPPER: return "not a gzip header"
        case MESHLOG_ISAL_UNSUPPORTED_METHOD: return "unsupported compression method"
        case MESHLOG_ISAL_NEED_DICT: return "a preset dictionary is needed"
        default: return "gzip decoder error \(status)"
        }
    }
}
