/// One parsed access-log line: typed numbers plus byte ranges into the line for text values.
///
/// A record is reused from line to line on the ingest path, so it holds offsets rather than
/// strings; `text(_:)` materialises a `String` for tests and slow paths.
public struct AccessLogRecord: Sendable {
    /// Start of each field's raw value in `bytes`, or -1 when the field is missing (`-`, empty, `null`).
    public var starts: [Int32]
    /// End (exclusive) of each field's raw value in `bytes`.
    public var ends: [Int32]
    /// Raw values of operators with no typed column: (operator spelling index into the format's
    /// `extraNames`, start, end).
    public var extras: [(name: Int, start: Int32, end: Int32)]
    /// The bytes the offsets point into (the line itself, or a decoded copy for JSON with escapes).
    public var bytes: [UInt8]

    /// Start time in UTC microseconds since the epoch, once normalised.
    public var startMicros: Int64?

    /// Creates an empty record.
    public init() {
        starts = Array(repeating: -1, count: AccessLogField.count)
        ends = Array(repeating: -1, count: AccessLogField.count)
        extras = []
        bytes = []
        startMicros = nil
    }

    /// Marks every field missing.
    @inlinable
    public mutating func reset() {
        for i in 0..<starts.count { starts[i] = -1 }
        extras.removeAll(keepingCapacity: true)
        startMicros = nil
    }

    /// Whether the field has a value.
    @inlinable
    public func has(_ field: AccessLogField) -> Bool { starts[field.rawValue] >= 0 }

    /// The field's raw value as a string (slow path: tests, diagnostics).
    public func text(_ field: AccessLogField) -> String? {
        let s = Int(starts[field.rawValue])
        guard s >= 0 else { return nil }
        return String(decoding: bytes[s..<Int(ends[field.rawValue])], as: UTF8.self)
    }

    /// The field's value as an integer, or nil when missing or not a number.
    public func integer(_ field: AccessLogField) -> Int64? {
        let s = Int(starts[field.rawValue])
        guard s >= 0 else { return nil }
        return bytes.withUnsafeBufferPointer { ByteParsing.integer($0, Int(s), Int(ends[field.rawValue])) }
    }
}
