import Foundation
import MeshLogTestSupport
import Testing
import MeshLogCore
import MeshLogGenerate
import MeshLogStore

/// Writes a generated mesh dump (one file per pod) and returns its folder.
func writeDump(_ dir: TemporaryDirectory, lines: Int, seed: UInt64) throws -> String {
    let options = GeneratorOptions(lines: lines, seed: seed, startMicros: GeneratorOptions.defaultStartMicros,
                                   durationSeconds: 3600, errorRateScale: 2, format: .istio, diurnal: false)
    let generator = TrafficGenerator(topology: .learningPlatform, options: options)
    let writer = try GeneratedLogSplitWriter(directory: dir.path("dump"), gzip: false)
    try generator.forEachLineInCompletionOrder { try writer.write($0) }
    try writer.finish()
    return dir.path("dump")
}

/// A digest of everything stored, independent of row ids and of how many runs it took.
func storedContent(_ db: String) throws -> [String] {
    try SQLiteStore.openForReading(path: db).rows("""
        SELECT source || ':' || line || ' ' || coalesce(status, '-') || ' ' || coalesce(duration_ms, '-') || ' ' ||
               coalesce(request_id, '-') || ' ' || coalesce(service, '-') || ' ' || coalesce(flags, '-')
        FROM access_log ORDER BY source, line
        """).map { $0[0].string ?? "" }
}

@Suite("Crash safety", .enabled(if: MeshLogBinary.url != nil), .serialized)
struct CrashSafetyTests {
    @Test func killedAtRandomPointsOverAndOverEndsWithExactlyTheRowsOfACleanRun() throws {
        let dir = try TemporaryDirectory()
        let dump = try writeDump(dir, lines: 40_000, seed: 17)
        let clean = dir.path("clean.db")
        let first = try MeshLogBinary.start(["ingest", dump, "--db", clean, "--quiet"])
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let expected = try storedContent(clean)
        #expect(expected.count > 35_000)

        let killed = dir.path("killed.db")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<8 {
            let run = try MeshLogBinary.start(["ingest", dump, "--db", killed, "--quiet", "--batch-size", "2000"])
            usleep(UInt32.random(in: 30_000...600_000, using: &generator))
            if run.isRunning {
                kill(run.processIdentifier, SIGKILL)
                kills += 1
            }
            run.waitUntilExit()
        }
        let last = try MeshLogBinary.start(["ingest", dump, "--db", killed, "--quiet"])
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        #expect(kills > 0)
        let got = try storedContent(killed)
        #expect(got.count == expected.count)
        #expect(got == expected)
        let reader = try SQLiteStore.openForReading(path: killed)
        #expect(try reader.scalar("SELECT count(*) FROM source WHERE state = 'done'").int64 == Int64(try FileManager.default.contentsOfDirectory(atPath: dump).count))
    }

    @Test func concurrentReadersNeverSeeAnErrorOrAHalfWrittenBatch() throws {
        let dir = try TemporaryDirectory()
        let dump = try writeDump(dir, lines: 40_000, seed: 23)
        let db = dir.path("live.db")
        // Create the store first so readers find it.
        let empty = try dir.write("empty/none.log", IstioLines.file(1))
        let setup = try MeshLogBinary.start(["ingest", empty, "--db", db, "--quiet"])
        setup.waitUntilExit()
        let ingest = try MeshLogBinary.start(["ingest", dump, "--db", db, "--quiet", "--batch-size", "1000"])
        var reads = 0
        var sawRows = Set<String>()
        while ingest.isRunning || reads < 3 {
            // Rows and their files' progress commit together: every snapshot agrees.
            let r = try MeshLogBinary.run(["sql", """
                SELECT (SELECT count(*) FROM log_entry) - (SELECT coalesce(sum(records), 0) FROM source) AS gap,
                       (SELECT count(*) FROM log_entry) AS n
                """, "--csv", "--db", db])
            #expect(r.status == 0, "reader failed: \(r.stderr)")
            let fields = r.stdout.split(separator: "\r\n").dropFirst().first?.split(separator: ",") ?? []
            #expect(fields.first == "0", "half-written batch visible: \(r.stdout)")
            if let n = fields.last { sawRows.insert(String(n)) }
            reads += 1
            if reads > 400 { break }
        }
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 0)
        #expect(reads >= 3)
    }
}
