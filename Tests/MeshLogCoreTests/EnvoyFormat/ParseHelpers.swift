import MeshLogCore

/// Parses a line with a parser and returns the record, or nil.
func parse(_ parser: AccessLogLineParser, _ line: String) -> AccessLogRecord? {
    let record = AccessLogRecord()
    var bytes = Array(line.utf8)
    let ok = bytes.withUnsafeMutableBufferPointer { parser.parse(UnsafeBufferPointer($0), into: record) }
    return ok ? record : nil
}
