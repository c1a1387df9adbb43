/// Stores parsed access logs and keeps track of each input file's progress.
///
/// Implementation requirements: `write` stores a batch's rows, new dictionary strings, rejected
/// lines and the file's progress atomically (all or nothing), so an ingest killed at any point
/// resumes from `SourceRecord.linesRead` with no row lost or stored twice. Writers are used from
/// one thread at a time.
public protocol AccessLogWriter: AnyObject {
    /// Finds what the store knows of an input with this fingerprint and size.
    func findSource(fingerprint: Int64, size: Int64?, path: String) throws -> SourceRecord?
    /// Registers a new input and returns its id.
    func beginSource(path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64
    /// Stores one batch atomically with the source's progress (inside the open transaction, if any).
    func write(_ batch: AccessLogBatch) throws
    /// Opens a transaction that several `write`s share.
    func begin() throws
    /// Commits the open transaction.
    func commit() throws
    /// Rolls the open transaction back.
    func rollback()
    /// Marks a source finished with its content hash; returns the id of an older source with the
    /// same content if there is one (the new rows are then removed and the source marked duplicate).
    func finishSource(_ id: Int64, contentHash: Int64, error: String?) throws -> Int64?
    /// The largest request id in use.
    func maxRequestID() throws -> Int64
    /// The largest dictionary id in use.
    func maxDictionaryID() throws -> Int64
    /// Loads up to `limit` dictionary entries, most recent first.
    func loadDictionary(limit: Int, _ body: (Int64, String) -> Void) throws
}

/// What the store remembers about one input file.
public struct SourceRecord: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var state: SourceState
    public var linesRead: Int
    public var records: Int
    public var rejected: Int
    public var skipped: Int
    public var contentHash: Int64?
    public var format: String?
}
