import Foundation

/// The store as an ingest run sees it: sources and their progress, the ids handed out before,
/// batches written in transactions, and the run's upkeep (indexes, statistics, the log). SQLite
/// implements it (``SQLiteAccessLogWriter``); another backend implements the same pieces, and the
/// ingest runs no SQL of its own.
///
/// Implementation requirements: `write` stores a batch's rows, new dictionary strings, rejected
/// lines and the file's progress atomically (all or nothing), so an ingest killed at any point
/// resumes from `SourceRecord.linesRead` with no row lost or stored twice. Writers are used from
/// one thread at a time.
public protocol AccessLogWriter: SourceCatalog, IdentifierCatalog, BatchWriter, IngestUpkeep {
    /// Where the rows go, as the summary names it (a path, or a URL).
    var location: String { get }
}

/// Each input's row in `source`: what is known of it, and how a run records its progress.
public protocol SourceCatalog: AnyObject {
    /// Finds what the store knows of an input with this fingerprint and size.
    func findSource(fingerprint: Int64, size: Int64?, path: String) throws -> SourceRecord?
    /// Registers a new input and returns its id.
    func beginSource(path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64
    /// Registers a new input under an id the caller handed out (nil: the next one); returns it.
    @discardableResult
    func beginSource(id: Int64?, path: String, size: Int64?, fingerprint: Int64?, format: String?) throws -> Int64
    /// Records the format detected for a source.
    func setFormat(_ id: Int64, format: String) throws
    /// Marks a source finished with its content hash; returns the id of an older source with the
    /// same content if there is one (the new rows are then removed and the source marked duplicate).
    func finishSource(_ id: Int64, contentHash: Int64, error: String?) throws -> Int64?
    /// An older finished source with the same content as `id`, if any.
    func olderCopy(of id: Int64, contentHash: Int64) throws -> Int64?
    /// The largest source id in use.
    func maxSourceID() throws -> Int64
    /// Recounts the summaries of the minutes a source's rows touch (after a killed run).
    func rebuildSummaries(source id: Int64) throws
}

/// The ids earlier runs handed out: dictionary strings, dimension tuples, requests.
public protocol IdentifierCatalog: AnyObject {
    /// The largest request id in use.
    func maxRequestID() throws -> Int64
    /// The largest dictionary id in use.
    func maxDictionaryID() throws -> Int64
    /// Loads up to `limit` dictionary entries, most recent first.
    func loadDictionary(limit: Int, _ body: (Int64, String) -> Void) throws
    /// The largest id of a dimension (`destination` or `variant`).
    func maxTupleID(_ table: String) throws -> Int64
    /// Loads up to `limit` rows of a dimension, newest first (`TupleInterner.null` for NULL).
    func loadTuples(_ table: String, columns: [String], limit: Int, _ body: (Int64, [Int64]) -> Void) throws
    /// A reader of stored request ids that works beside the writer, or nil where the store has none.
    func makeRequestLookup() throws -> (any RequestLookup)?
}

/// Finds request ids stored before, beside the writer.
public protocol RequestLookup: AnyObject {
    /// The stored id of a request id (16 UUID bytes, or text), or nil.
    func find(_ value: UnsafeBufferPointer<UInt8>, isBlob: Bool) -> Int64?
    /// Lets the next lookups see what the writer committed since the last refresh.
    func refresh()
}

/// Batches of rows, written in transactions that several batches share.
public protocol BatchWriter: AnyObject {
    /// Stores one batch atomically with the source's progress (inside the open transaction, if any).
    func write(_ batch: AccessLogBatch) throws
    /// Opens a transaction that several `write`s share.
    func begin() throws
    /// Commits the open transaction.
    func commit() throws
    /// Rolls the open transaction back.
    func rollback()
}

/// Indexes a run may leave out while it loads and build at its end.
public enum DeferredIndexes: Sendable {
    /// The indexes on the rows (a bulk load).
    case rows
    /// The index on request ids (a run into a store without requests builds it once, later).
    case requestIDs
}

/// A run's upkeep of the store around its batches.
public protocol IngestUpkeep: AnyObject {
    /// Leaves out the given indexes until ``buildIndexes(_:)`` or ``ensureIndexes()``.
    func dropIndexes(_ which: DeferredIndexes) throws
    /// Builds the given indexes if they are missing.
    func buildIndexes(_ which: DeferredIndexes) throws
    /// Builds every missing index; returns their names.
    @discardableResult
    func ensureIndexes() throws -> [String]
    /// Refreshes what the query planner knows of the data.
    func refreshStatistics() throws
    /// Starts moving the write-ahead log into the store beside the writer for the length of a
    /// run, or nil where the store has no such log.
    func startCheckpoints() throws -> (any LogCheckpointer)?
    /// Keeps each commit's log work small (a follow run, which commits four times a second).
    func useShortCheckpoints() throws
}

/// Moves a write-ahead log into the store beside the writer.
public protocol LogCheckpointer: AnyObject, Sendable {
    /// Asks for a checkpoint soon (the writer has just committed a lot).
    func hurry()
    /// Waits, up to `patience`, while the log is too long (before the writer's next transaction).
    func waitIfLogIsLong(patience: TimeInterval)
    /// Copies what is left, gives the log's space back, and stops.
    func stop()
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
