import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
import MeshLogTestSupport
import Testing

/// The ingest runs through the `AccessLogWriter` contract only: into a writer of another kind
/// (``DiscardingWriter``) it reads, detects and counts exactly as into SQLite.
@Suite("the writer boundary")
struct WriterBoundaryTests {
    @Test func anotherWriterSeesTheSameRun() throws {
        let logs = try FileManager.default.contentsOfDirectory(atPath: Repository.samples)
            .filter { !$0.contains("spans") }.sorted().map { InputFile(path: Repository.samples + "/" + $0) }
        let dir = try TemporaryDirectory()
        let sqlite = try Ingester(db: SQLiteStore.openForWriting(path: dir.path("s.db")), options: IngestOptions()).run(logs)
        let discarding = DiscardingWriter()
        let other = try Ingester(writer: discarding, options: IngestOptions()).run(logs)
        #expect(other.recordsStored == sqlite.recordsStored)
        #expect(discarding.rowsWritten == sqlite.recordsStored)
        #expect(sqlite.recordsStored > 2_900)
        #expect(other.reports.map(\.format) == sqlite.reports.map(\.format))
        #expect(other.reports.map(\.lines) == sqlite.reports.map(\.lines))
        #expect(other.linesRejected == sqlite.linesRejected && other.linesSkipped == sqlite.linesSkipped)
        #expect(other.database == "(discarded)")
    }

    @Test func spansAndFollowingSaySQLiteOnly() throws {
        let ingester = try Ingester(writer: DiscardingWriter(), options: IngestOptions())
        #expect(throws: IngestError.self) { try Follower(ingester: ingester, stop: FollowStop()) }
    }

    @Test func theParseBenchmarkTimesTheIngestPath() throws {
        let file = Repository.samples + "/frontend-v1-fsg6lvwr4-4jjth.log.gz"
        let encoded = try ParseBenchmark.run(path: file, encode: true)
        let parsed = try ParseBenchmark.run(path: file, encode: false)
        #expect(encoded.records == 393 && parsed.records == 393)
        #expect(encoded.format == "istio" && parsed.format == "istio")
    }
}
