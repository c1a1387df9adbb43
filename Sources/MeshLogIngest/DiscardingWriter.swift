import MeshLogStore

/// An ``AccessLogWriter`` that keeps nothing but counts: the ingest path with no store behind it,
/// so `ParseBenchmark` times the real stream (detection, unwrapping, parsing, encoding, summaries,
/// the hand-off to the writer thread) without SQLite.
public final class DiscardingWriter: AccessLogWriter {
    /// Rows handed to `write`.
    public private(set) var rowsWritten = 0
    private var nextSource: Int64 = 1

    public init() {}

    public var location: String { "(discarded)" }

    public func findSource(fingerprint: Int64, size: Int64?, path: String) -> SourceRecord? { nil }
    public func beginSource(path: String, size: Int64?, fingerprint: Int64?, format: String?) -> Int64 {
        beginSource(id: nil, path: path, size: size, fingerprint: fingerprint, format: format)
    }
    @discardableResult
    public func beginSource(id: Int64?, path: String, size: Int64?, fingerprint: Int64?, format: String?) -> Int64 {
        let given = id ?? nextSource
        nextSource = max(nextSource, given + 1)
        return given
    }
    public func setFormat(_ id: Int64, format: String) {}
    public func finishSource(_ id: Int64, contentHash: Int64, error: String?) -> Int64? { nil }
    public func olderCopy(of id: Int64, contentHash: Int64) -> Int64? { nil }
    public func maxSourceID() -> Int64 { nextSource - 1 }
    public func rebuildSummaries(source id: Int64) {}

    public func maxRequestID() -> Int64 { 0 }
    public func maxDictionaryID() -> Int64 { 0 }
    public func loadDictionary(limit: Int, _ body: (Int64, String) -> Void) {}
    public func maxTupleID(_ table: String) -> Int64 { 0 }
    public func loadTuples(_ table: String, columns: [String], limit: Int, _ body: (Int64, [Int64]) -> Void) {}
    public func makeRequestLookup() -> (any RequestLookup)? { nil }

    public func write(_ batch: AccessLogBatch) { rowsWritten += batch.rowCount }
    public func begin() {}
    public func commit() {}
    public func rollback() {}

    public func dropIndexes(_ which: DeferredIndexes) {}
    public func buildIndexes(_ which: DeferredIndexes) {}
    @discardableResult
    public func ensureIndexes() -> [String] { [] }
    public func refreshStatistics() {}
    public func startCheckpoints() -> (any LogCheckpointer)? { nil }
    public func useShortCheckpoints() {}
}
