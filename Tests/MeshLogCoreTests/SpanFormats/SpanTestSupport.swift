import Foundation
import MeshLogCore
import Testing

/// Helpers for the span decoder tests: in-memory decoding, file decoding through `read(2)`, and corpus paths.
enum SpanTestSupport {
    /// What a decode produced.
    struct Outcome {
        var spans: [Span] = []
        var warnings: [SpanDecodeWarning] = []
        var error: SpanDecodeError?
    }

    /// Decodes `text` as `format` (sniffed when nil), feeding at most `chunk` bytes per read.
    static func decode(_ text: String, as format: SpanFormat? = nil, chunk: Int = .max) -> Outcome {
        let bytes = Array(text.utf8)
        return decode(bytes: bytes, as: format, chunk: chunk)
    }

    static func decode(bytes: [UInt8], as format: SpanFormat? = nil, chunk: Int = .max) -> Outcome {
        var outcome = Outcome()
        let resolved = format ?? bytes.withUnsafeBytes { SpanFormatSniffer.sniff($0) }
        guard let resolved else {
            let reason = bytes.withUnsafeBytes { SpanFormatSniffer.rejectionReason($0) } ?? "unknown"
            outcome.error = .notASpanFile(reason: reason)
            return outcome
        }
        var offset = 0
        do {
            try SpanDecoder(format: resolved).decode(
                read: { out in
                    let n = min(out.count, chunk, bytes.count - offset)
                    for i in 0..<n { out[i] = bytes[offset + i] }
                    offset += n
                    return n
                },
                onSpan: { outcome.spans.append($0) },
                onWarning: { outcome.warnings.append($0) })
        } catch let error as SpanDecodeError {
            outcome.error = error
        } catch {
            outcome.error = .notASpanFile(reason: "unexpected \(error)")
        }
        return outcome
    }

    /// The first `SpanFormatSniffer.recommendedHeadSize` bytes of a file.
    static func head(ofFile path: String) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        return Array(try handle.read(upToCount: SpanFormatSniffer.recommendedHeadSize) ?? Data())
    }

    /// Sniffs and decodes a file, streaming it through `read(2)` with `chunk`-byte reads.
    static func decodeFile(
        _ path: String, as format: SpanFormat? = nil, chunk: Int = 64 * 1024,
        onSpan: (Span) -> Void = { _ in }
    ) throws -> (format: SpanFormat?, outcome: Outcome) {
        let head = try head(ofFile: path)
        var outcome = Outcome()
        guard let resolved = format ?? head.withUnsafeBytes({ SpanFormatSniffer.sniff($0) }) else {
            outcome.error = .notASpanFile(
                reason: head.withUnsafeBytes { SpanFormatSniffer.rejectionReason($0) } ?? "unknown")
            return (nil, outcome)
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile) }
        defer { close(fd) }
        do {
            try SpanDecoder(format: resolved).decode(
                read: { out in
                    let n = read(fd, out.baseAddress!, min(out.count, chunk))
                    if n < 0 { throw CocoaError(.fileReadUnknown) }
                    return n
                },
                onSpan: { span in
                    onSpan(span)
                    outcome.spans.append(span)
                },
                onWarning: { outcome.warnings.append($0) })
        } catch let error as SpanDecodeError {
            outcome.error = error
        }
        return (resolved, outcome)
    }

    /// Expects decoding the file at `path` again in 5-byte reads to give the spans and warnings of `outcome`.
    static func expectSameInTinyReads(
        _ path: String, as outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (_, small) = try decodeFile(path, chunk: 5)
        #expect(small.spans == outcome.spans, sourceLocation: sourceLocation)
        #expect(small.warnings == outcome.warnings, sourceLocation: sourceLocation)
    }

    /// Expects the file at `path` (decoded to `outcome`) refused with a reason containing `fragment`, by every decoder.
    static func expectRejected(
        _ path: String, _ outcome: Outcome, containing fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(outcome.spans.isEmpty, sourceLocation: sourceLocation)
        guard case .notASpanFile(let reason)? = outcome.error else {
            Issue.record("expected a rejection, got \(String(describing: outcome.error))", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
        // Forcing a decoder on it must also refuse, with the same explanation.
        for forced in SpanFormat.allCases {
            let (_, f) = try decodeFile(path, as: forced)
            guard case .notASpanFile(let r)? = f.error else {
                Issue.record("\(forced.rawValue) decoder accepted \(path)", sourceLocation: sourceLocation)
                continue
            }
            #expect(r.contains(fragment), "\(forced.rawValue): \(r)", sourceLocation: sourceLocation)
        }
    }

    /// `../shared/corpus` relative to the package root.
    static let corpusDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SpanFormats
        .deletingLastPathComponent()  // MeshLogCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()
        .appendingPathComponent("shared/corpus").path

    static var corpusAvailable: Bool {
        FileManager.default.fileExists(atPath: corpusDirectory + "/SOURCES.md")
    }
}
