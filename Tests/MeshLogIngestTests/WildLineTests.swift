import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import Testing

/// Lines real proxies wrote, quoted in public issue threads, READMEs, blog posts and other
/// projects' test data (`Tests/Fixtures/wild/lines.json`, sources in its README), each ingested on
/// its own as a user would: written to a file, ingested, read back from `access_log`.
///
/// Every expected value was written by hand from the line and the format that wrote it. A line of
/// a known format must be stored with each value exactly as written, under the format named; a
/// line no format fits must be rejected (nothing stored) with a best candidate named; a mangled
/// line may be either, but is never stored with a wrong value.
@Suite("Lines from the wild, field by field")
struct WildLineTests {
    /// The columns compared, in the fixture's `fields` names.
    static let columns = ["start_time", "method", "path", "status", "flags", "duration_ms", "request_id",
                          "upstream_cluster", "upstream_host", "authority", "logged_at"]

    /// One fixture entry.
    struct WildLine: Sendable, CustomTestStringConvertible {
        enum Outcome: String, Sendable { case stored, rejected, storedOrRejected = "stored-or-rejected" }
        var index: Int
        var source: String
        var family: String
        var line: String
        var outcome: Outcome
        /// The format the ingest summary must name (wrapper + preset, or `inferred`).
        var format: String?
        /// The expected value of each of `columns` (all of them, `.null` for an empty one).
        var fields: [SQLValue]?

        var testDescription: String { "#\(index) \(family) \(source)" }
    }

    /// The fixture's entries, in order.
    static let lines: [WildLine] = {
        guard let text = try? Fixtures.text("wild/lines.json"),
              let entries = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        return entries.enumerated().map { i, e in
            var fields: [SQLValue]?
            if let f = e["fields"] as? [String: Any] {
                fields = columns.map { name in
                    switch f[name] {
                    case let s as String: return .text(s)
                    case let n as NSNumber: return .integer(n.int64Value)
                    default: return .null
                    }
                }
            }
            return WildLine(index: i, source: e["source"] as? String ?? "", family: e["family"] as? String ?? "",
                            line: e["line"] as? String ?? "", outcome: WildLine.Outcome(rawValue: e["outcome"] as? String ?? "") ?? .stored,
                            format: e["format"] as? String, fields: fields)
        }
    }()

    /// Writes the line to a file, ingests it and returns the summary and the stored rows.
    static func ingested(_ w: WildLine) throws -> (IngestSummary, [[SQLValue]]) {
        let dir = try TemporaryDirectory()
        let path = dir.path("proxy.log")
        try Data((w.line + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let db = dir.path("wild.db")
        let summary = try ingest([path], db: db)
        let rows = try SQLiteStore.openForReading(path: db)
            .rows("SELECT \(columns.joined(separator: ", ")) FROM access_log ORDER BY line")
        return (summary, rows)
    }

    /// The fixture is whole: 60+ lines from 25+ sources, each with a source, a family and an
    /// expectation that fits its outcome.
    @Test func fixtureIsComplete() {
        #expect(Self.lines.count >= 60)
        #expect(Set(Self.lines.map(\.source)).count >= 25)
        for w in Self.lines {
            #expect(w.source.hasPrefix("https://"), "\(w.testDescription)")
            #expect(!w.line.isEmpty, "\(w.testDescription)")
            if w.outcome != .rejected {
                #expect(w.fields != nil && w.format != nil, "\(w.testDescription) has no expected fields or format")
            }
        }
    }

    @Test(arguments: lines)
    func eachLineAsWritten(_ w: WildLine) throws {
        let (summary, rows) = try Self.ingested(w)
        let report = try #require(summary.reports.first)
        let stored = summary.recordsStored > 0
        switch w.outcome {
        case .stored:
            #expect(summary.recordsStored == 1, "\(report.error ?? "")")
            #expect(summary.linesRejected == 0)
            #expect(report.format == w.format)
        case .rejected:
            #expect(!stored, "stored \(rows)")
            #expect(rows.isEmpty)
        case .storedOrRejected:
            if stored { #expect(report.format == w.format) }
        }
        if stored {
            #expect(rows.count == 1)
            // Column by column, so a failure names the column.
            if let expected = w.fields, let row = rows.first {
                for (k, name) in Self.columns.enumerated() {
                    #expect(row[k] == expected[k], "\(name)")
                }
            }
        } else {
            #expect(summary.linesRejected + summary.linesSkipped >= 1)
            // Rejected with a message naming the best candidate format.
            #expect(report.error?.contains("best candidate: --format '") == true, "\(report.error ?? "no error")")
        }
    }
}
