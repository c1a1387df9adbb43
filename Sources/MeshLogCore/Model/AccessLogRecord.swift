/// One parsed access-log line: typed numbers plus byte ranges into the line for text values.
///
/// A record is reused from line to line on the ingest path, so it holds offsets into its own
/// copy of the line rather than strings, in storage allocated once; `text(_:)` materialises a
/// `String` for tests and slow paths.
public final class AccessLogRecord: @unchecked Sendable {
    /// Start of each field's raw value in `bytes`, or -1 when the field is missing (`-`, empty, `null`).
    public let starts: UnsafeMutablePointer<Int32>
    /// End (exclusive) of each field's raw value in `bytes`.
    public let ends: UnsafeMutablePointer<Int32>
    /// Raw values of operators with no typed column: (index into the parser's `extraNames`, start, end).
    @exclusivity(unchecked) public var extras: [(name: Int, start: Int32, end: Int32)] = []
    /// The bytes the offsets point into: the line, then decoded copies of escaped JSON values.
    @exclusivity(unchecked) public private(set) var bytes: UnsafeMutablePointer<UInt8>
    /// Bytes in use in `bytes`.
    @exclusivity(unchecked) public private(set) var count = 0
    @exclusivity(unchecked) private var capacity: Int

    /// Start time in UTC microseconds since the epoch, once normalised.
    @exclusivity(unchecked) public var startMicros: Int64?

    /// Creates an empty record.
    public init() {
        starts = .allocate(capacity: AccessLogField.count)
        ends = .allocate(capacity: AccessLogField.count)
        starts.initialize(repeating: -1, count: AccessLogField.count)
        ends.initialize(repeating: -1, count: AccessLogField.count)
        capacity = 4096
        bytes = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        bytes.deallocate()
    }

    /// Marks every field missing and replaces the bytes with `line`.
    @inline(__always)
    public func reset(line: UnsafeBufferPointer<UInt8>) {
        for i in 0..<AccessLogField.count { starts[i] = -1 }
        if !extras.isEmpty { extras.removeAll(keepingCapacity: true) }
        startMicros = nil
        count = 0
        append(line)
    }

    /// Appends bytes after the line (decoded JSON values) and returns where they start.
    @discardableResult
    @inline(__always)
    public func append(_ more: UnsafeBufferPointer<UInt8>) -> Int {
        let start = count
        if count + more.count > capacity { grow(to: count + more.count) }
        if let base = more.baseAddress, more.count > 0 { (bytes + count).update(from: base, count: more.count) }
        count += more.count
        return start
    }

    /// Appends one byte.
    @inline(__always)
    public func append(_ byte: UInt8) {
        if count + 1 > capacity { grow(to: count + 1) }
        bytes[count] = byte
        count += 1
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBytes.update(from: bytes, count: count)
        bytes.deallocate()
        bytes = newBytes
        capacity = newCapacity
    }

    /// The record's bytes as a buffer.
    @inline(__always)
    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: bytes, count: count) }

    /// Sets a field's range.
    @inline(__always)
    public func set(_ field: AccessLogField, _ start: Int, _ end: Int) {
        starts[field.rawValue] = Int32(start)
        ends[field.rawValue] = Int32(end)
    }

    /// Whether the field has a value.
    @inline(__always)
    public func has(_ field: AccessLogField) -> Bool { starts[field.rawValue] >= 0 }

    /// The field's raw bytes, or nil when missing.
    @inline(__always)
    public func value(_ field: AccessLogField) -> UnsafeBufferPointer<UInt8>? {
        let s = Int(starts[field.rawValue])
        guard s >= 0 else { return nil }
        return UnsafeBufferPointer(start: bytes + s, count: Int(ends[field.rawValue]) - s)
    }

    /// The field's raw value as a string (slow path: tests, diagnostics).
    public func text(_ field: AccessLogField) -> String? {
        value(field).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The field's value as an integer, or nil when missing or not a number.
    @inline(__always)
    public func integer(_ field: AccessLogField) -> Int64? {
        let s = Int(starts[field.rawValue])
        guard s >= 0 else { return nil }
        return ByteParsing.integer(buffer, s, Int(ends[field.rawValue]))
    }
}
