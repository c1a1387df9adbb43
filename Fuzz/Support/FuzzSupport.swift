// Shared by every fuzz target (compiled into each one beside its Targets/<name>.swift).
@testable import MeshLogCore

/// The fuzzer's input as a buffer.
@inline(__always)
func fuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: data, count: size)
}

/// Splits `bytes` into lines as the ingest does (a `LineReader` over a stream with short reads and a
/// small buffer, so lines straddle refills), calling `body` with each line and `oversized` with the
/// prefix of each line longer than `maxLineLength`.
func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, chunk: Int, maxLineLength: Int = 4096,
                 _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void,
                 oversized: (UnsafeBufferPointer<UInt8>, Int) -> Void = { _, _ in }) {
    let reader = LineReader(MemoryByteStream(Array(bytes), maxChunk: max(1, chunk)), bufferSize: 64, maxLineLength: maxLineLength)
    try! reader.forEachLine({ line, number in body(line, number); return true },
                            oversized: { number, prefix, total in
                                precondition(prefix.count <= maxLineLength && total > maxLineLength, "oversized line out of bounds")
                                oversized(prefix, number)
                            })
}

/// Checks what a parser left in `record`: every field it set lies inside the record's bytes, and the
/// typed readers of every field work.
func checkRecord(_ record: AccessLogRecord) {
    let count = record.count
    for field in AccessLogField.allCases {
        guard record.has(field) else { continue }
        let start = Int(record.starts[field.rawValue]), end = Int(record.ends[field.rawValue])
        precondition(start <= end && end <= count, "field \(field) outside the record: \(start)..<\(end) of \(count)")
        _ = record.integer(field)
        _ = record.text(field)
    }
    for extra in record.extras {
        precondition(extra.start >= 0 && extra.start <= extra.end && Int(extra.end) <= count, "extra outside the record")
    }
}

/// Parses `line` with `parser` and checks the record when it parsed.
@inline(__always)
func parseAndCheck(_ parser: AccessLogLineParser, _ line: UnsafeBufferPointer<UInt8>, _ record: AccessLogRecord) -> Bool {
    guard parser.parse(line, into: record) else { return false }
    checkRecord(record)
    return true
}
