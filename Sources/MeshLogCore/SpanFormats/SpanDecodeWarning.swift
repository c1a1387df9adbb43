/// A problem with one span (or one element of a span file) that decoding stepped over.
///
/// The decoders are lenient: a span without a trace id or span id is skipped with a warning, and decoding goes
/// on with the next one. A few warnings describe spans that were kept but repaired (an empty OTLP id, which the
/// spec defines as the all-zero invalid id); their reason says "kept".
public struct SpanDecodeWarning: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line where the offending JSON object starts.
    public let line: Int
    /// What was wrong, and what the decoder did about it.
    public let reason: String
    /// The start of the offending JSON, compacted and truncated (about 160 bytes).
    public let excerpt: String

    /// Creates a warning.
    public init(line: Int, reason: String, excerpt: String) {
        self.line = line
        self.reason = reason
        self.excerpt = excerpt
    }

    /// `line N: reason: excerpt`.
    public var description: String { "line \(line): \(reason): \(excerpt)" }
}

/// Why a span file could not be decoded at all.
public enum SpanDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not valid JSON at `line`/`column` (1-based; the column counts bytes).
    case malformedJSON(line: Int, column: Int, reason: String)
    /// The file is JSON but not one of the span formats (for example a Tempo search result); `reason` says what
    /// it looks like and what to use instead.
    case notASpanFile(reason: String)
    /// OTLP protobuf that is truncated or corrupt at byte `offset` of the (decompressed) file.
    case malformedProtobuf(offset: Int, reason: String)

    public var description: String {
        switch self {
        case let .malformedProtobuf(offset, reason):
            return "malformed OTLP protobuf at byte offset \(offset): \(reason)"
        case let .malformedJSON(line, column, reason):
            return "malformed JSON at line \(line), column \(column): \(reason)"
        case let .notASpanFile(reason):
            return "not a span file: \(reason)"
        }
    }
}
