import Foundation
import MeshLogCore
import MeshLogStore

/// Measures the parsing side of ingest alone: read, split, match the format, normalise and
/// intern into row batches, with no SQLite.
public enum ParseBenchmark {
    /// The outcome of one parse-only pass.
    public struct Result: Sendable {
        public var lines: Int
        public var records: Int
        public var bytes: Int64
        public var seconds: Double
        public var format: String
    }

    /// Parses every line of `path` (plain or gzipped), detecting its format from the first lines.
    public static func run(path: String, encode: Bool = true) throws -> Result {
        let start = Date()
        let reader = LineReader(try InputOpener.open(InputFile(path: path)))
        var sample: [[UInt8]] = []
        var parser: AccessLogLineParser?
        var formatName = "?"
        let record = AccessLogRecord()
        let interner = StringInterner()
        var encoder: AccessLogRowEncoder?
        let batch = AccessLogBatch(capacity: 8192)
        var lines = 0, records = 0
        func handle(_ line: UnsafeBufferPointer<UInt8>, _ n: Int) {
            guard let parser else { return }
            if parser.parse(line, into: record) {
                records += 1
                if let encoder {
                    encoder.encode(record, line: n, reporter: 1, into: batch)
                    if batch.rowCount >= 8192 {
                        batch.reset()
                        _ = interner.takePending()
                        _ = encoder.destinationIDs.takePending()
                        _ = encoder.variantIDs.takePending()
                        interner.trimIfNeeded()
                        encoder.syncGeneration()
                    }
                }
            }
        }
        try reader.forEachLine({ line, n in
            lines += 1
            if parser == nil {
                sample.append(Array(line))
                if sample.count == FormatDetector.sampleSize {
                    guard let d = FormatDetector.detect(sample) else { return false }
                    parser = d.parser
                    formatName = d.preset.name
                    if encode {
                        encoder = AccessLogRowEncoder(interner: interner, requests: StringInterner(), cache: DestinationCache(),
                                                      destinationIDs: TupleInterner(arity: 5), variantIDs: TupleInterner(arity: 9),
                                                      extraNames: { [] })
                    }
                    for (i, s) in sample.enumerated() { s.withUnsafeBufferPointer { handle($0, i + 1) } }
                }
                return true
            }
            handle(line, n)
            return true
        }, oversized: { _, _, _ in lines += 1 })
        return Result(lines: lines, records: records, bytes: reader.bytesConsumed,
                      seconds: Date().timeIntervalSince(start), format: formatName)
    }
}
