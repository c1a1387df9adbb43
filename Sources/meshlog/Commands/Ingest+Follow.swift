import MeshLogTerminal
import Dispatch
import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore

extension MeshLog.Ingest {
    /// `meshlog ingest --follow`: tails the inputs until SIGINT or SIGTERM, then prints the summary and exits 0.
    func runFollow(_ ingester: Ingester) throws {
        let stop = FollowStop()
        // The first signal stops following (what was read is committed); a second one exits at once.
        let handlers = [Int32(SIGINT), Int32(SIGTERM)].map { (number: Int32) -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isStopped { Foundation.exit(128 + number) }
                stop.stop()
            }
            source.resume()
            return source
        }
        defer { handlers.forEach { $0.cancel() } }

        let showProgress = !quiet && Terminal.stderrIsTTY
        var progressShown = false
        var last: (records: Int, seconds: Double) = (0, 0)
        /// One line on stderr; it quotes file names and lines, so its control characters are shown escaped.
        func say(_ line: String) {
            if progressShown { Terminal.err("\r\u{1B}[K"); progressShown = false }
            Terminal.err(TerminalText.escaped(line) + "\n")
        }
        let options = FollowOptions(pollInterval: pollInterval, fromEnd: fromEnd)
        let summary = try Follower(ingester: ingester, options: options, stop: stop).run(paths) { event in
            switch event {
            case .follow(.started(let path, let fromLine)):
                if !quiet { say("following \(path)\(fromLine > 0 ? " from line \(Terminal.count(fromLine + 1))" : "")") }
            case .follow(.rotated(let path)):
                if !quiet { say("\(path): rotated away, read to its end") }
            case .follow(.waiting(let holder)):
                if !quiet { say("meshlog: waiting: \(database.path) is being written by \(holder)") }
            case .follow(.truncated(let path)):
                if !quiet { say("\(path): truncated, reading it again from the start") }
            case .follow(.progress(let files, let lines, let records, let seconds)):
                guard showProgress else { return }
                let rate = seconds > last.seconds ? Double(records - last.records) / (seconds - last.seconds) : 0
                last = (records, seconds)
                Terminal.err("\r\u{1B}[K following \(files) file(s): \(Terminal.count(lines)) lines read, \(Terminal.count(records)) rows stored, \(Terminal.count(Int(rate))) rows/s")
                progressShown = true
            case .formatChosen(let file, let format, let matched, let sampled, let inferred):
                if !quiet, sampled > 0 { say(Self.formatNote(file, format, matched, sampled, inferred)) }
            case .fileFinished(let report):
                if let error = report.error { say("meshlog: warning: \(report.path): \(error)") }
                if !quiet, let recovered = report.recovered { for note in recovered.notes { say("\(report.path): \(note)") } }
                if !quiet, let pods = report.podsByAddress { for note in pods.notes { say("\(report.path): \(note)") } }
            case .fileStarted, .progress, .indexing:
                break
            }
        }
        if progressShown { Terminal.err("\r\u{1B}[K") }
        try printSummary(summary)
    }
}
