import Foundation
import MeshLogTestSupport
import MeshLogStore
import Testing

/// A running `meshlog ingest --follow` and the database it writes.
final class FollowRun {
    let process: Process
    let db: String

    /// Starts following `paths` into `db`, polling every 50 ms.
    init(_ paths: [String], db: String, extra: [String] = []) throws {
        self.db = db
        process = try MeshLogBinary.start(["ingest", "--follow", "--poll-interval", "0.05", "--quiet", "--db", db] + paths + extra)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The value of `sql` on a separate read-only connection, or nil while the store is not there yet.
    func value(_ sql: String) -> Int64? {
        guard FileManager.default.fileExists(atPath: db), let reader = try? Database(path: db, readOnly: true) else { return nil }
        return try? reader.scalar(sql).int64
    }

    /// Rows stored so far.
    var rows: Int64 { value("SELECT count(*) FROM log_entry") ?? 0 }

    /// Waits (up to `timeout` seconds) until `rows` is `count`; returns the last count seen.
    @discardableResult
    func waitForRows(_ count: Int64, timeout: Double = 30) -> Int64 {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = rows
        while seen != count, Date() < deadline, process.isRunning {
            usleep(20_000)
            seen = rows
        }
        return seen
    }

    /// Sends SIGTERM and waits for the exit status.
    func terminate(timeout: Double = 30) -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// Appends text to a file (creating it).
func append(_ path: String, _ text: String) throws {
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}

@Suite("ingest --follow", .enabled(if: MeshLogBinary.url != nil))
struct FollowTests {
    @Test func appendedLinesAreStoredAndAPartialLineWaitsForItsNewline() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("logs/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(10))
        let run = try FollowRun([dir.path("logs")], db: dir.path("f.db"))
        #expect(run.waitForRows(10) == 10)
        try append(log, IstioLines.file(5, from: 10))
        let partial = IstioLines.outbound(15)
        try append(log, String(partial.prefix(80)))
        #expect(run.waitForRows(15) == 15)
        // Past a commit interval and several polls, the half-written line is still not stored.
        usleep(1_200_000)
        #expect(run.rows == 15)
        try append(log, String(partial.dropFirst(80)) + "\n")
        #expect(run.waitForRows(16) == 16)
        #expect(run.value("SELECT count(*) FROM access_log WHERE path = '/courses/15/lessons/15'") == 1)
        #expect(run.value("SELECT count(*) FROM rejected") == 0)
        #expect(run.terminate() == 0)
        #expect(run.value("SELECT lines_read FROM source") == 16)
        #expect(run.value("SELECT count(*) FROM source WHERE state = 'partial'") == 1)
    }

    @Test func aFileIngestedBeforeIsFollowedAfterItsLines() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("logs/course-v1-7c9d8f6b5-x2kqp.log", IstioLines.file(10))
        try ingest([log], db: dir.path("f.db"))
        let run = try FollowRun([dir.path("logs")], db: dir.path("f.db"))
        waitUntilFollowed(run)
        try append(log, IstioLines.file(5, from: 10))
        #expect(run.waitForRows(15) == 15)
        #expect(run.terminate() == 0)
        #expect(run.value("SELECT count(*) FROM source") == 1)
        #expect(run.value("SELECT count(DISTINCT line) FROM log_entry") == 15)
    }

    /// A file stored before as a copy of a bundle's member (`duplicate`: its lines are the
    /// member's) is followed after its lines too, not read again.
    @Test func aFileStoredAsADuplicateIsFollowedAfterItsLines() throws {
        let dir = try TemporaryDirectory()
        let bundle = try RunPipelineTests.tarball(dir, [("pod/0.log", IstioLines.file(10))])
        let log = dir.path("dump/pod/0.log")
        try ingest([bundle], db: dir.path("f.db"))
        #expect(try ingest([log], db: dir.path("f.db")).reports.map(\.state) == [.duplicate])
        let run = try FollowRun([log], db: dir.path("f.db"))
        waitUntilFollowed(run)
        try append(log, IstioLines.file(3, from: 10))
        #expect(run.waitForRows(13) == 13)
        usleep(500_000)
        #expect(run.rows == 13)
        #expect(run.terminate() == 0)
        #expect(run.value("SELECT count(DISTINCT request_id) FROM access_log") == 13)
    }

    /// Waits until the follower has taken up a file (its source has a head).
    private func waitUntilFollowed(_ run: FollowRun) {
        let deadline = Date().addingTimeInterval(30)
        while run.value("SELECT count(*) FROM source WHERE follow_head IS NOT NULL") != 1, Date() < deadline { usleep(20_000) }
        #expect(run.value("SELECT count(*) FROM source WHERE follow_head IS NOT NULL") == 1)
    }

    @Test func aNewFileInAFollowedDirectoryIsRead() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path("pods"), withIntermediateDirectories: true)
        let run = try FollowRun([dir.path("pods")], db: dir.path("f.db"))
        // Wait for the store to exist (the follower is running), then a pod's log appears.
        let deadline = Date().addingTimeInterval(30)
        while run.value("SELECT count(*) FROM source") == nil, Date() < deadline { usleep(20_000) }
        let log = try dir.write("pods/lms_course-v1-7c9d8f6b5-x2kqp_0d8e7c6b/istio-proxy/0.log", IstioLines.file(7))
        #expect(run.waitForRows(7) == 7)
        try append(log, IstioLines.file(3, from: 7))
        #expect(run.waitForRows(10) == 10)
        #expect(run.value("SELECT count(DISTINCT line) FROM log_entry") == 10)
        #expect(run.value("SELECT count(*) FROM access_log WHERE reporter = 'course-v1-7c9d8f6b5-x2kqp' AND workload = 'course-v1'") == 10)
        #expect(run.terminate() == 0)
    }

    @Test func rotationByRenameAndCreateReadsBothFilesOnce() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("pod/0.log", IstioLines.file(20))
        let run = try FollowRun([dir.path("pod")], db: dir.path("f.db"))
        #expect(run.waitForRows(20) == 20)
        // kubelet-style rotation: lines 20..<30 land, the file is renamed, a new one is created at
        // the path, and the writer still appends a last few lines to the renamed file.
        try append(log, IstioLines.file(10, from: 20))
        let rotated = dir.path("pod/0.log.20261125-101500")
        try FileManager.default.moveItem(atPath: log, toPath: rotated)
        try append(log, IstioLines.file(10, from: 100))
        try append(rotated, IstioLines.file(5, from: 30))
        #expect(run.waitForRows(45) == 45)
        // The renamed file is finished once it has been quiet for a while.
        let deadline = Date().addingTimeInterval(30)
        while run.value("SELECT count(*) FROM source WHERE state = 'done'") != 1, Date() < deadline { usleep(20_000) }
        #expect(run.value("SELECT lines_read FROM source WHERE state = 'done'") == 35)
        try append(log, IstioLines.file(5, from: 110))
        #expect(run.waitForRows(50) == 50)
        #expect(run.terminate() == 0)
        #expect(run.value("SELECT count(DISTINCT req) FROM log_entry") == 50)
        #expect(run.value("SELECT lines_read FROM source WHERE state = 'partial'") == 15)

        // A later run finds the rotated file already read, and the live one where it stopped.
        try append(log, IstioLines.file(5, from: 115))
        let again = try FollowRun([dir.path("pod")], db: dir.path("f.db"))
        #expect(again.waitForRows(55) == 55)
        usleep(500_000)
        #expect(again.terminate() == 0)
        #expect(again.rows == 55)
        #expect(again.value("SELECT count(DISTINCT req) FROM log_entry") == 55)
    }

    @Test func copytruncateKeepsWhatWasReadAndReadsTheNewContent() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("pod/0.log", IstioLines.file(20))
        let run = try FollowRun([dir.path("pod")], db: dir.path("f.db"))
        #expect(run.waitForRows(20) == 20)
        try append(log, IstioLines.file(5, from: 20))
        // logrotate copytruncate: copy the file aside, then truncate it in place and go on writing.
        let copy = dir.path("pod/0.log.1")
        try FileManager.default.copyItem(atPath: log, toPath: copy)
        try FileHandle(forWritingTo: URL(fileURLWithPath: log)).truncate(atOffset: 0)
        try append(log, IstioLines.file(10, from: 1000))
        #expect(run.waitForRows(35) == 35)
        usleep(500_000)
        #expect(run.rows == 35)
        #expect(run.value("SELECT count(DISTINCT req) FROM log_entry") == 35)
        #expect(run.value("SELECT count(*) FROM access_log WHERE path = '/courses/30/lessons/1000'") == 1)
        #expect(run.terminate() == 0)
    }

    @Test func sigtermStoresEveryWrittenLineOnceAndARestartContinues() throws {
        let dir = try TemporaryDirectory()
        let log = try dir.write("pod/0.log", IstioLines.file(1_000))
        let run = try FollowRun([dir.path("pod")], db: dir.path("f.db"))
        #expect(run.waitForRows(1_000) == 1_000)
        for chunk in 0..<20 { try append(log, IstioLines.file(100, from: 1_000 + chunk * 100)) }
        // Terminated right after writing: what the file holds is read, stored and committed.
        #expect(run.terminate() == 0)
        #expect(run.rows == 3_000)
        #expect(run.value("SELECT lines_read FROM source") == 3_000)

        try append(log, IstioLines.file(500, from: 3_000))
        let again = try FollowRun([dir.path("pod")], db: dir.path("f.db"))
        #expect(again.waitForRows(3_500) == 3_500)
        #expect(again.terminate() == 0)
        #expect(again.rows == 3_500)
        #expect(again.value("SELECT count(DISTINCT req) FROM log_entry") == 3_500)
        #expect(again.value("SELECT max(line) FROM log_entry") == 3_500)
        #expect(again.value("SELECT count(*) FROM source") == 1)
    }

    @Test func criFragmentsSpanReadsAndAStopBetweenThem() throws {
        let dir = try TemporaryDirectory()
        func cri(_ i: Int, _ tag: String, _ text: Substring) -> String {
            "2026-11-25T10:15:\(String(format: "%02d", i % 60)).123456789Z stdout \(tag) \(text)\n"
        }
        let lines = (0..<5).map { cri($0, "F", Substring(IstioLines.outbound($0))) }.joined()
        let log = try dir.write("pods/lms_course-v1-7c9d8f6b5-x2kqp_0d8e7c6b/istio-proxy/0.log", lines)
        let run = try FollowRun([dir.path("pods")], db: dir.path("f.db"))
        #expect(run.waitForRows(5) == 5)
        // A long line split by the runtime: its first fragment now, the rest later.
        let long = IstioLines.outbound(5)
        try append(log, cri(5, "P", long.prefix(100)))
        try append(log, "2024-03-21T07:52:44.407739Z stderr F [2024-03-21 07:52:44.407][15][info][main] envoy's own line\n")
        usleep(1_200_000)
        #expect(run.rows == 5)
        // Stopped while the line is open: it is neither stored half nor lost.
        #expect(run.terminate() == 0)
        #expect(run.rows == 5)
        try append(log, cri(5, "F", long.dropFirst(100)))
        let again = try FollowRun([dir.path("pods")], db: dir.path("f.db"))
        #expect(again.waitForRows(6) == 6)
        #expect(again.value("SELECT count(*) FROM access_log WHERE path = '/courses/5/lessons/5' AND line = 6") == 1)
        try append(log, cri(6, "P", Substring(IstioLines.outbound(6).prefix(50))))
        usleep(300_000)
        try append(log, cri(6, "F", Substring(IstioLines.outbound(6).dropFirst(50))))
        #expect(again.waitForRows(7) == 7)
        usleep(300_000)
        #expect(again.terminate() == 0)
        #expect(again.rows == 7)
        #expect(again.value("SELECT count(*) FROM rejected") == 0)
    }

    @Test func stdinIsReadUntilItEnds() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("f.db")
        let result = try MeshLogBinary.run(["ingest", "--follow", "-", "--reporter", "edge-7", "--db", db, "--quiet"], stdin: Data(IstioLines.file(12).utf8))
        #expect(result.status == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE reporter = 'edge-7'").int64 == 12)
    }
}
