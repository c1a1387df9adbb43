import Foundation
import MeshLogStore
import MeshLogTestSupport
import Testing

/// Several writers on one store: they take turns through the store's writer lock, none hands
/// out an id another one stored, and every row is stored once with its own values.
@Suite("several writers on one store", .enabled(if: MeshLogBinary.url != nil), .serialized)
struct StoreWritersTests {
    /// Starts `meshlog ARGS` with its stderr in a pipe.
    static func start(_ arguments: [String]) throws -> (process: Process, stderr: Pipe) {
        let process = Process()
        process.executableURL = MeshLogBinary.url
        process.arguments = arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, stderr)
    }

    /// Each line's path and request id, as stored.
    static func paths(_ db: String) throws -> [String] {
        let reader = try Database(path: db, readOnly: true)
        return try reader.rows("SELECT path || ' ' || request_id FROM access_log ORDER BY 1").compactMap { $0[0].string }
    }

    /// What `IstioLines.file(count, from:)` stores: the same, by path and request id.
    static func expected(_ ranges: [(count: Int, from: Int)], in dir: TemporaryDirectory) throws -> [String] {
        let db = dir.path("expected-\(ranges.map { "\($0.from)" }.joined(separator: "-")).db")
        for (i, range) in ranges.enumerated() {
            let file = try dir.write("expected-\(i)/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(range.count, from: range.from))
            #expect(try MeshLogBinary.run(["ingest", file, "--db", db, "-q"]).status == 0)
        }
        return try paths(db)
    }

    @Test func anIngestWaitsForTheWriterAndSaysForWhom() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("store.db")
        let file = try dir.write("logs/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(50))
        let lock = try #require(StoreWriteLock(storePath: db, holder: "meshlog ingest yesterday.tar.gz (pid 1)"))
        try lock.acquire()
        let (process, stderr) = try Self.start(["ingest", file, "--db", db])
        // It waits, and says so, while the lock is held.
        var said = ""
        let deadline = Date().addingTimeInterval(20)
        while !said.contains("\n"), Date() < deadline, process.isRunning {
            said += String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
        }
        #expect(said.hasPrefix("meshlog: waiting: \(db) is being written by meshlog ingest yesterday.tar.gz (pid 1) since 20"), "\(said)")
        usleep(300_000)
        #expect(process.isRunning)
        #expect(!FileManager.default.fileExists(atPath: db))
        lock.release()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try Self.paths(db).count == 50)
    }

    @Test func twoIngestsStartedTogetherBothStoreEveryRow() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("store.db")
        // Different strings in each (paths and request ids), so both hand out new ids.
        let a = try dir.write("a/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(3000))
        let b = try dir.write("b/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(3000, from: 5000))
        let first = try Self.start(["ingest", a, "--db", db, "-q"])
        let second = try Self.start(["ingest", b, "--db", db, "-q"])
        first.process.waitUntilExit()
        second.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0)
        #expect(second.process.terminationStatus == 0)
        #expect(try Self.paths(db) == (try Self.expected([(3000, 0), (3000, 5000)], in: dir)))
    }

    @Test func aFollowerKeepsFollowingThroughOtherIngests() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("store.db")
        let live = try dir.write("live/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(10))
        let run = try FollowRun([dir.path("live")], db: db)
        #expect(run.waitForRows(10) == 10)
        var total: Int64 = 10
        for round in 0..<3 {
            // Another ingest adds strings the follower has never seen...
            let other = try dir.write("other-\(round)/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(200, from: 10_000 * (round + 1)))
            #expect(try MeshLogBinary.run(["ingest", other, "--db", db, "-q"]).status == 0)
            total += 200
            // ...and the follower stores what comes next, with new strings of its own.
            try append(live, IstioLines.file(20, from: 10 + 20 * round))
            total += 20
            #expect(run.waitForRows(total) == total)
        }
        #expect(run.terminate() == 0)
        #expect(try Self.paths(db) == (try Self.expected([(70, 0), (200, 10_000), (200, 20_000), (200, 30_000)], in: dir)))
    }

    @Test func twoFollowersOnOneStore() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("store.db")
        let one = try dir.write("one/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(5))
        let two = try dir.write("two/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(5, from: 50_000))
        let first = try FollowRun([dir.path("one")], db: db)
        let second = try FollowRun([dir.path("two")], db: db)
        #expect(first.waitForRows(10) == 10)
        for round in 0..<5 {
            try append(one, IstioLines.file(30, from: 5 + 30 * round))
            try append(two, IstioLines.file(30, from: 50_005 + 30 * round))
            usleep(100_000)
        }
        #expect(first.waitForRows(310) == 310)
        #expect(first.terminate() == 0)
        #expect(second.terminate() == 0)
        #expect(try Self.paths(db) == (try Self.expected([(155, 0), (155, 50_000)], in: dir)))
    }
}

/// A fault of the machine mid-ingest is said plainly, and the same command run again stores every row once.
@Suite("faults said plainly", .enabled(if: MeshLogBinary.url != nil && FileManager.default.isExecutableFile(atPath: "/bin/bash")))
struct StoreFaultTests {
    @Test func aFileSizeLimitMidIngestIsSaidPlainlyAndTheRerunStoresEveryRowOnce() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("store.db")
        var files: [String] = []
        for pod in 0..<6 {
            files.append(try dir.write("logs/course-v1-7c9d8f6b5-pod\(pod).log", IstioLines.file(2000, from: pod * 2000)))
        }
        let meshlog = try #require(MeshLogBinary.url).path
        // SIGXFSZ ignored, so a write past the limit fails (EFBIG) instead of killing the process.
        let limited = try runTool("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f 1500; exec \"$0\" ingest \"$1\" --db \"$2\" -q 2>&1",
                                                meshlog, dir.path("logs"), db])
        #expect(limited.status == 1)
        let message = limited.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message.hasPrefix("Error: file size limit reached writing \(db): "), "\(message)")
        #expect(message.contains(" rows of this run committed"))
        #expect(message.hasSuffix("raise the file size limit (ulimit -f) and run the same command to continue"))
        #expect(!message.contains("INSERT") && !message.contains("?,?") && message.count < 400, "\(message)")
        let rerun = try MeshLogBinary.run(["ingest", dir.path("logs"), "--db", db, "-q"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try StoreWritersTests.paths(db) == (try StoreWritersTests.expected([(12_000, 0)], in: dir)))
    }
}
