#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MeshLogStore

/// `meshlog bench --follow`: a writer appends Istio lines to a file at a set rate while a
/// `meshlog ingest --follow` child process follows it, and a separate read-only connection
/// watches for the rows; reports the rate kept up and the lag from write to visible row.
enum FollowBench {
    /// What one run measured.
    struct Result {
        var linesWritten = 0
        var writeSeconds = 0.0
        var linesVisible = 0
        /// Seconds from the writer's last line to that line being visible.
        var catchUpSeconds = 0.0
        /// Lag from a line being written to its row being visible (sampled every 20 ms).
        var maxLag = 0.0
        var p50Lag = 0.0
        var p99Lag = 0.0
        var followerPeakRSSMegabytes = 0.0
    }

    /// Lines appended so far and when, shared by the writer thread and the watcher.
    private final class WriteLog: @unchecked Sendable {
        private let lock = NSLock()
        private var marks: [(line: Int, at: Double)] = []
        private(set) var done = false

        func mark(_ line: Int, at time: Double) {
            lock.lock()
            marks.append((line, time))
            lock.unlock()
        }

        func finish() {
            lock.lock()
            done = true
            lock.unlock()
        }

        var isDone: Bool {
            lock.lock()
            defer { lock.unlock() }
            return done
        }

        var lastLine: Int {
            lock.lock()
            defer { lock.unlock() }
            return marks.last?.line ?? 0
        }

        /// When `line` was written: the first mark at or after it.
        func writtenAt(_ line: Int) -> Double? {
            lock.lock()
            defer { lock.unlock() }
            var lo = 0, hi = marks.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if marks[mid].line < line { lo = mid + 1 } else { hi = mid }
            }
            return lo < marks.count ? marks[lo].at : nil
        }
    }

    /// Runs the benchmark: copies lines of `source` into a fresh file under `dir` at `rate` lines/s
    /// for `seconds`, with `meshlog ingest --follow` (the binary at `executable`) following it.
    static func run(source: String, dir: String, rate: Int, seconds: Double, executable: String) throws -> Result {
        let logDir = (dir as NSString).appendingPathComponent("follow-bench")
        let db = (dir as NSString).appendingPathComponent("follow-bench.db")
        try? FileManager.default.removeItem(atPath: logDir)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        let target = (logDir as NSString).appendingPathComponent("course-v1-7c9d8f6b5-x2kqp.log")
        _ = FileManager.default.createFile(atPath: target, contents: nil)

        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: executable)
        follower.arguments = ["ingest", "--follow", logDir, "--db", db, "--quiet"]
        follower.standardOutput = FileHandle.nullDevice
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        // The follower is ready once its store exists.
        let ready = Date().addingTimeInterval(30)
        while (try? Database(path: db, readOnly: true).scalar(BenchmarkQueries.sourceCount)) == nil, Date() < ready {
            usleep(10_000)
        }

        let log = WriteLog()
        let clock = Date()
        @Sendable func now() -> Double { Date().timeIntervalSince(clock) }
        let total = Int(Double(rate) * seconds)
        let writer = Thread {
            defer { log.finish() }
            guard let input = FileHandle(forReadingAtPath: source), let output = FileHandle(forWritingAtPath: target) else { return }
            var pending = Data()
            var written = 0
            let start = now()
            while written < total {
                let due = min(total, Int(Double(rate) * (now() - start)))
                var chunk = Data()
                var lines = 0
                while written + lines < due {
                    if pending.isEmpty {
                        guard let more = try? input.read(upToCount: 1 << 20), !more.isEmpty else {
                            try? input.seek(toOffset: 0)  // wrap around the source
                            continue
                        }
                        pending = more
                    }
                    // Whole lines only: the follower must never see a half-written line here.
                    guard let newline = pending.firstIndex(of: 10) else {
                        guard let more = try? input.read(upToCount: 1 << 20), !more.isEmpty else { pending.removeAll(); continue }
                        pending.append(more)
                        continue
                    }
                    chunk.append(pending[pending.startIndex...newline])
                    pending = pending[(newline + 1)...]
                    lines += 1
                }
                if lines > 0 {
                    output.write(chunk)
                    written += lines
                    log.mark(written, at: now())
                }
                usleep(2_000)
            }
            try? output.close()
        }
        writer.start()

        // Watch from a separate read-only connection, as `meshlog sql` would.
        var result = Result()
        var lags: [Double] = []
        var visible = 0
        let reader = try Database(path: db, readOnly: true)
        var writerEnd: Double?
        while true {
            usleep(20_000)
            let seen = Int((try? reader.scalar(BenchmarkQueries.newestLine).int64) ?? 0)
            let t = now()
            if seen > visible {
                // The oldest line that just became visible waited longest.
                if let at = log.writtenAt(visible + 1) { lags.append(t - at) }
                visible = seen
            }
            if log.isDone {
                if writerEnd == nil { writerEnd = t }
                if visible >= log.lastLine {
                    result.catchUpSeconds = t - (log.writtenAt(log.lastLine) ?? t)
                    break
                }
                if t - writerEnd! > 60 { break }
            }
        }
        result.linesWritten = log.lastLine
        result.writeSeconds = (log.writtenAt(log.lastLine) ?? 0)
        result.linesVisible = visible
        lags.sort()
        result.maxLag = lags.last ?? 0
        result.p50Lag = lags.isEmpty ? 0 : lags[lags.count / 2]
        result.p99Lag = lags.isEmpty ? 0 : lags[min(lags.count - 1, lags.count * 99 / 100)]
        result.followerPeakRSSMegabytes = peakRSS(pid: follower.processIdentifier)
        kill(follower.processIdentifier, SIGTERM)
        follower.waitUntilExit()
        return result
    }

    /// VmHWM of a running process, in MB (Linux; 0 elsewhere).
    static func peakRSS(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
