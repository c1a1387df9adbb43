/// Turns one raw access-log line into an `AccessLogRecord`.
///
/// Implementation requirements: `parse` must not allocate per line on success, must leave every
/// field it did not find missing, and must be callable for millions of lines from one thread.
public protocol AccessLogLineParser: AnyObject {
    /// Names of the values that go to the `extra` JSON column, indexed by `AccessLogRecord.extras[i].name`.
    var extraNames: [String] { get }
    /// Parses `line` (no trailing newline) into `record`; returns false when the line does not fit.
    func parse(_ line: UnsafeBufferPointer<UInt8>, into record: AccessLogRecord) -> Bool
}
