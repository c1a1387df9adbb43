import Foundation
import MeshLogCore
import MeshLogStore

/// Measures the parsing side of ingest alone, with no SQLite: `encode: false` reads, splits and
/// matches the format into typed values (what a log viewer does); `encode: true` runs the real
/// ingest path (``Ingester`` and its stream, detection, wrappers, encoding, summaries and the
/// writer thread) into a ``DiscardingWriter``.
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
        if encode { return try ingestDiscarding(path: path) }
        let start = Date()
        let reader = LineReader(try InputOpener.open(InputFile(path: path)))
        var sample: [[UInt8]] = []
        var parser: AccessLogLineParser?
        var formatName = "?"
        let record = AccessLogRecord()
        var lines = 0, records = 0
        func handle(_ line: UnsafeBufferPointer<UInt8>, _ n: Int) {
            guard let parser else { return }
            if parser.parse(line, into: record) { records += 1 }
        }
        try reader.forEachLine({ line, n in
            lines += 1
            if parser == nil {
                sample.append(Array(line))
                if sample.count == FormatDetector.sampleSize {
                    guard let d = FormatDetector.detect(sample) else { return false }
                    parser = d.parser
                    formatName = d.preset.name
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

    /// The ingest path itself, into a writer that keeps nothing.
    private static func ingestDiscarding(path: String) throws -> Result {
        let start = Date()
        let ingester = try Ingester(writer: DiscardingWriter(), options: IngestOptions())
        let summary = try ingester.run([InputFile(path: path)])
        return Result(lines: summary.linesRead, records: summary.recordsStored, bytes: summary.bytesRead,
                      seconds: Date().timeIntervalSince(start), format: summary.reports.first?.format ?? "?")
    }
}
