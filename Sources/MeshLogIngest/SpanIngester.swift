import Foundation
import MeshLogCore
import MeshLogStore

/// What happened to one span file.
public struct SpanIngestReport: Sendable, Codable, Equatable {
    /// How the file ended.
    public enum State: String, Sendable, Codable {
        /// Spans were stored.
        case ingested
        /// The same content was stored before (same content hash): nothing was kept.
        case alreadyIngested = "already ingested"
        /// The file is not a span file or not JSON; `error` says why. Spans decoded before the error are kept.
        case failed
    }

    public var path: String
    public var format: String
    public var state: State
    /// Spans stored.
    public var spans: Int
    /// Spans skipped with a reason (see the `rejected` table).
    public var rejected: Int
    /// The last line the decoder reached.
    public var lines: Int
    /// Decompressed bytes read.
    public var bytes: Int64
    public var seconds: Double
    /// The `source` row of this ingest.
    public var sourceID: Int64
    /// Why the file failed, or which earlier source it duplicates.
    public var error: String?
}

/// Ingests one span file (Zipkin v2, Jaeger, OTLP or Tempo JSON) into the store's `span_entry` table.
///
/// Spans stream from the decoder into SQLite in transactions of `batchSize` spans, so memory stays bounded
/// whatever the file size. Each file gets a `source` row (`path`, `format`, `state`, `records`, `rejected`,
/// `lines_read`, `content_hash`) like access logs do; spans the decoder steps over go to `rejected` with the
/// decoder's reason. Re-ingesting content already stored (same content hash) keeps nothing and reports
/// `already ingested`.
///
/// For example:
/// ```swift
/// let db = try SQLiteStore.openForWriting(path: "meshlog.db")
/// let report = try SpanIngester(db: db).ingest(name: "trace.json", stream: stream, format: .zipkinV2)
/// ```
public final class SpanIngester {
    private let writer: SpanWriter
    /// Spans per transaction.
    public var batchSize = 10_000

    /// Prepares an ingest into `db` (opened with `SQLiteStore.openForWriting`, so migration `002-spans` is applied).
    public init(db: Database) throws {
        writer = try SpanWriter(db: db)
    }

    /// Ingests one span file read from `stream` (already decompressed), decoded as `format`.
    ///
    /// - Throws: database errors and errors thrown by `stream`; decode errors end the file as `failed` instead.
    public func ingest(name: String, stream: ByteStream, format: SpanFormat) throws -> SpanIngestReport {
        let started = Date()
        let sourceID = try writer.beginSource(path: name, format: format.rawValue)
        var hasher = ContentHasher()
        var bytes: Int64 = 0
        var spans = 0
        var rejected = 0
        var pending = 0
        var lastLine = 0
        var failure: String?
        let ownTransaction = !writer.isInTransaction

        func begin() throws { if ownTransaction { try writer.begin() } }
        func commit() throws {
            try writer.recordProgress(source: sourceID, spans: spans, rejected: rejected, linesRead: lastLine)
            if ownTransaction { try writer.commit() }
        }

        try begin()
        do {
            try SpanDecoder(format: format).decode(
                read: { buffer in
                    let n = try stream.read(into: buffer)
                    if n > 0 {
                        hasher.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<n]))
                        bytes += Int64(n)
                    }
                    return n
                },
                onSpan: { span in
                    try writer.insert(span, sourceID: sourceID)
                    spans += 1
                    pending += 1
                    lastLine = max(lastLine, span.line)
                    if pending >= batchSize {
                        try commit()
                        try begin()
                        pending = 0
                    }
                },
                onWarning: { warning in
                    // Repairs ("kept") are not rejections: the span was stored.
                    guard !warning.reason.contains("kept") else { return }
                    do {
                        try writer.reject(sourceID: sourceID, line: warning.line, reason: warning.reason,
                                          text: warning.excerpt)
                        rejected += 1
                    } catch {
                        failure = "cannot record a rejected span: \(error)"
                    }
                    lastLine = max(lastLine, warning.line)
                })
        } catch let error as SpanDecodeError {
            failure = error.description
        } catch {
            if ownTransaction { writer.rollback() }
            throw error
        }
        try commit()

        // Drain what the decoder left unread (trailing whitespace) so the hash covers the whole file.
        if failure == nil {
            var scratch = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = try scratch.withUnsafeMutableBytes { try stream.read(into: $0) }
                if n == 0 { break }
                scratch.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                bytes += Int64(n)
            }
        }
        let contentHash = Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
        var state = SpanIngestReport.State.ingested
        var message = failure
        if let older = try writer.finishSource(sourceID, contentHash: contentHash, bytes: bytes, format: format.rawValue,
                                               failure: failure) {
            state = .alreadyIngested
            message = "same content as source \(older)"
        } else if failure != nil {
            state = .failed
        }
        return SpanIngestReport(
            path: name, format: format.rawValue, state: state,
            spans: state == .alreadyIngested ? 0 : spans, rejected: state == .alreadyIngested ? 0 : rejected,
            lines: lastLine, bytes: bytes, seconds: Date().timeIntervalSince(started), sourceID: sourceID,
            error: message)
    }

    /// Sniffs and ingests a span file from disk (plain or gzipped); nil when the file is not a span file, with
    /// the sniffer's reason in `reason`.
    public func ingest(path: String) throws -> (report: SpanIngestReport?, reason: String?) {
        let input = InputFile(path: path)
        let head = try InputOpener.open(input)
        var buffer = [UInt8](repeating: 0, count: SpanFormatSniffer.recommendedHeadSize)
        var filled = 0
        while filled < buffer.count {
            let n = try buffer.withUnsafeMutableBytes {
                try head.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
            }
            if n == 0 { break }
            filled += n
        }
        let format = buffer.withUnsafeBytes { SpanFormatSniffer.sniff(UnsafeRawBufferPointer(rebasing: $0[0..<filled])) }
        guard let format else {
            let reason = buffer.withUnsafeBytes {
                SpanFormatSniffer.rejectionReason(UnsafeRawBufferPointer(rebasing: $0[0..<filled]))
            }
            return (nil, reason ?? "not a span file")
        }
        return (try ingest(name: path, stream: try InputOpener.open(input), format: format), nil)
    }
}
