import Foundation
import MeshLogCore
import MeshLogStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a `Follower` watches its inputs.
public struct FollowOptions: Sendable {
    /// Seconds to wait before looking at the files again when none had anything new.
    public var pollInterval: Double
    /// Seconds a follower with lines coming all the time writes before it lets another writer of
    /// the store have a turn.
    public var turnSeconds: Double = 1
    /// Seconds between rescans of the followed directories for new files.
    public var rescanInterval: Double
    /// Seconds after which the writer commits rows it holds, so other connections see them.
    public var commitInterval: Double
    /// Seconds a file that was renamed away or deleted must stay unchanged before it is
    /// finished (its writer may still append a last line after the rename).
    public var rotationGrace: Double
    /// Start files that no earlier run has seen at their current end, instead of their start.
    public var fromEnd: Bool
    /// Lines read from one file before the others get their turn.
    public var linesPerTurn: Int

    public init(pollInterval: Double = 0.2, rescanInterval: Double = 1, commitInterval: Double = 0.25,
                rotationGrace: Double = 1, fromEnd: Bool = false, linesPerTurn: Int = 100_000) {
        self.pollInterval = pollInterval
        self.rescanInterval = rescanInterval
        self.commitInterval = commitInterval
        self.rotationGrace = rotationGrace
        self.fromEnd = fromEnd
        self.linesPerTurn = linesPerTurn
    }
}

/// Asks a running `Follower` to stop. Any thread may call `stop()` (e.g. a signal handler's queue).
public final class FollowStop: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    public init() {}

    /// Makes the follower store what it read and return.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether `stop()` was called.
    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Waits up to `seconds`, returning early when stopped.
    func sleep(_ seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        while !stopped, condition.wait(until: deadline) {}
        condition.unlock()
    }
}

/// `meshlog ingest --follow`: tails growing files, and files that appear in followed directories,
/// until stopped; handles rotation (rename and create, or copytruncate) and truncation.
///
/// Each followed file is a source read line by line through the ingest's usual parsing; all files
/// share one writer thread, which commits at least every `commitInterval` seconds, so rows are
/// visible to other connections about a second after their line was written. A line without its
/// newline waits for it. Rows and each file's progress (`lines_read`) commit together, and a file
/// is recognised by a hash of its first KiB (see `FollowedSources`), so a follow run stopped or
/// killed at any point continues where it left off: no line stored twice, none skipped.
///
/// Polls with `stat` and `read` every `pollInterval`; no inotify, so it works on any file system.
///
/// For example:
/// ```swift
/// let stop = FollowStop()   // call stop.stop() on SIGINT/SIGTERM
/// let follower = try Follower(ingester: try Ingester(db: db, options: IngestOptions()), stop: stop)
/// let summary = try follower.run(["/var/log/pods/lms_course-v1-7c9d8f6b5-x2kqp_…/istio-proxy"]) { event in … }
/// ```
public final class Follower {
    private let ingester: Ingester
    private let options: FollowOptions
    private let stopSignal: FollowStop
    private let sources: FollowedSources
    private var pipeline: BatchPipeline!
    private var onEvent: (IngestEvent) -> Void = { _ in }
    private var roots: [String] = []
    /// Files being read, in the order they were found.
    private var files: [FollowedFile] = []
    /// Files read to their end in this run (by inode and head), not to be read again.
    private var finished: Set<FinishedFile> = []
    private var stdin: FollowedStdin?
    private var endedBytes: Int64 = 0
    private var scanSoon = true

    /// Follows with `ingester` (its options choose the format and reporter) until `stop` is stopped.
    ///
    /// - Throws: ``IngestError/followNeedsSQLite`` for an ingester into another kind of writer.
    public init(ingester: Ingester, options: FollowOptions = FollowOptions(), stop: FollowStop) throws {
        guard let db = ingester.db else { throw IngestError.followNeedsSQLite }
        self.ingester = ingester
        self.options = options
        self.stopSignal = stop
        self.sources = FollowedSources(db: db)
    }

    /// Follows `paths` (files, directories read recursively as by `InputDiscovery`, `-` for stdin)
    /// until stopped, or until stdin ends when it is the only input; returns the summary, in which
    /// files still growing have the state `following`.
    ///
    /// - Throws: `InputError.notFound` for a path missing at the start, store errors.
    public func run(_ paths: [String], onEvent: @escaping (IngestEvent) -> Void = { _ in }) throws -> IngestSummary {
        self.onEvent = onEvent
        roots = paths.filter { $0 != "-" }
        _ = try InputDiscovery.expand(roots)  // the paths themselves must exist; files under them may come later
        pipeline = try ingester.beginFollow(commitInterval: options.commitInterval, onEvent: onEvent)
        defer { pipeline.close() }
        if paths.contains("-") { try startStdin() }
        let start = Date()
        var lastScan = Date.distantPast
        var lastProgress = start
        var initial = true
        var heldSince: Date?
        while !stopSignal.isStopped {
            // Write only while holding the store's lock (another ingest may write between turns).
            try ingester.holdStore()
            if heldSince == nil { heldSince = Date() }
            let now = Date()
            if scanSoon || now.timeIntervalSince(lastScan) >= options.rescanInterval {
                scanSoon = false
                lastScan = now
                try scan(initial: initial)
                initial = false
            }
            var busy = false
            for file in files {
                if try poll(file) { busy = true }
            }
            files.removeAll { $0.ended }
            if let stdin {
                if try poll(stdin) { busy = true }
                if stdin.ended {
                    self.stdin = nil
                    if roots.isEmpty { break }  // only stdin: done at its end
                }
            }
            if now.timeIntervalSince(lastProgress) >= 1 {
                lastProgress = now
                reportProgress(since: start)
            }
            if !busy, !scanSoon {
                try letGoOfStore()
                heldSince = nil
                stopSignal.sleep(options.pollInterval)
            } else if let since = heldSince, ingester.storeLock != nil, now.timeIntervalSince(since) >= options.turnSeconds {
                // Lines keep coming: let a waiting writer have its turn now and then.
                try letGoOfStore()
                heldSince = nil
                stopSignal.sleep(0.05)
            }
        }
        try ingester.holdStore()
        // Stopping: store the complete lines the files hold now; they stay partial for the next run.
        for file in files where !file.ended {
            _ = try read(file.reader, file.stream, limit: .max)
            try file.stream.pause()
            try file.stream.end(.stopped)
            file.close()
            endedBytes += file.raw.rawBytesRead
        }
        files.removeAll()
        if let stdin {
            _ = try read(stdin.reader, stdin.stream, limit: .max)
            try stdin.stream.end(.stopped)
            endedBytes += stdin.input.rawBytesRead
            self.stdin = nil
        }
        try pipeline.drain()
        reportProgress(since: start)
        return ingester.endFollow(bytes: endedBytes)
    }

    /// Commits what was read and lets go of the store's writer lock (when the run took one).
    private func letGoOfStore() throws {
        guard ingester.storeLock != nil else { return }
        try pipeline.drain()
        ingester.letGoOfStore()
    }

    // MARK: - Finding files

    /// Looks for files not followed yet under the roots.
    private func scan(initial: Bool) throws {
        var found: [InputFile] = []
        for root in roots {
            // A root may go away for a while (a pod's folder); it is looked for again next time.
            if let inputs = try? InputDiscovery.expand([root]) { found += inputs }
        }
        for input in RotatedLogOrder.sort(found) {
            var info = stat()
            guard stat(input.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { continue }
            let id = FileID(info)
            if files.contains(where: { $0.id == id }) { continue }  // followed already (perhaps renamed)
            try start(path: input.path, initial: initial)
        }
    }

    /// Starts reading the file at `path`: as a new source, or continuing the source an earlier
    /// run (or ingest) left it in.
    private func start(path: String, initial: Bool) throws {
        guard let raw = try? FileByteStream(path: path) else { return }  // gone again, or unreadable
        var info = stat()
        guard fstat(raw.fileDescriptor, &info) == 0 else { return }
        let id = FileID(info)
        let size = Int64(info.st_size)
        guard let rawHead = try? raw.readHead(count: FollowedSources.headSize) else { return }
        let compressed = rawHead.starts(with: [0x1f, 0x8b])
        var input: ByteStream = raw
        var headBytes = rawHead
        if compressed {
            if (try? InputOpener.detectFormat(InputFile(path: path, size: size)))?.isArchive == true {
                // A bundle appearing in a followed folder is ingested whole, once.
                let key = FinishedFile(id: id, head: Self.hash(rawHead))
                guard !finished.contains(key) else { return }
                finished.insert(key)
                try pipeline.drain()
                do { try ingester.ingestInput(InputFile(path: path, size: size)) } catch is InputError {}
                try ingester.endRunPipeline()
                return
            }
            // A rotated generation compressed by kubelet: known by its decompressed head.
            guard let gzip = try? GzipByteStream(raw, path: path),
                  let decoded = try? PrefixedByteStream.head(of: gzip, count: FollowedSources.headSize) else { return }
            headBytes = decoded
            input = PrefixedByteStream(prefix: decoded, rest: gzip)
        }
        let head = Self.hash(headBytes)
        guard !finished.contains(FinishedFile(id: id, head: head)) else { return }

        // Everything below talks to the store: wait until the writer thread is idle.
        try pipeline.drain()
        let match = try sources.candidates(head: head, headBytes: headBytes.count).first { candidate in
            candidate.headBytes == headBytes.count
                || Self.hash(headBytes.prefix(candidate.headBytes)) == candidate.head
        }
        if let match, files.contains(where: { $0.stream.sourceID == match.id }) {
            return  // a copy of a file being followed (copytruncate under way): look again later
        }
        // The source of the file: followed before (same head), or read by a plain `meshlog ingest`.
        var known: (id: Int64, state: SourceState, linesRead: Int)?
        if let match {
            known = (match.id, match.state, match.linesRead)
        } else if !compressed, let fingerprint = try? SourceIdentity.fingerprint(path: path, size: size),
                  let found = try ingester.writer.findSource(fingerprint: fingerprint, size: size, path: path) {
            known = (found.id, found.state, found.linesRead)
        }
        var continued: (id: Int64, lines: Int)?
        if let known {
            // The file may be growing, so its content is not hashed: its head or fingerprint
            // stands for it. A file whose lines are all stored goes on after them.
            switch SourceResume.decide(state: known.state, linesRead: known.linesRead, sameContent: { true }) {
            case .alreadyIngested(let lines), .resume(let lines): continued = (known.id, lines)
            case .startNew: break
            }
        }
        var sourceID: Int64
        var resumeFrom = 0
        if let continued {
            sourceID = continued.id
            resumeFrom = continued.lines
            try sources.reopen(sourceID: sourceID)
        } else {
            sourceID = try ingester.writer.beginSource(path: path, size: nil, fingerprint: nil, format: nil)
            if options.fromEnd, initial, !compressed {
                resumeFrom = try Self.completeLines(raw, size: size)
                try sources.setLinesRead(sourceID: sourceID, resumeFrom)
            }
        }
        try sources.setHead(sourceID: sourceID, head: head, headBytes: headBytes.count, inode: Int64(bitPattern: id.inode))
        // Compressed and rotated files, and files an earlier run saw rotated, do not grow: read
        // them to their end and finish them.
        let finite = compressed || RotatedLogOrder.key(path).stamp != nil || match?.state == .done
        guard let stream = try ingester.beginStream(name: path, size: nil, fingerprint: nil, source: (sourceID, resumeFrom),
                                                    pipeline: pipeline, follow: true) else { return }
        let reader = LineReader(input)
        reader.pausesAtEnd = true
        #if canImport(Darwin)
        let modified = Date(timeIntervalSince1970: Double(info.st_mtimespec.tv_sec))
        #else
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))
        #endif
        let file = FollowedFile(path: path, id: id, raw: raw, reader: reader, stream: stream, head: head, headBytes: headBytes.count,
                                compressed: compressed, finite: finite, lastGrowth: finite ? modified : Date())
        files.append(file)
        onEvent(.follow(.started(path: path, fromLine: resumeFrom)))
    }

    /// Starts reading standard input (plain text) without blocking.
    private func startStdin() throws {
        try pipeline.drain()
        let input = PolledInput(fileDescriptor: STDIN_FILENO)
        guard let stream = try ingester.beginStream(name: "-", size: nil, fingerprint: nil, pipeline: pipeline, follow: true) else { return }
        let reader = LineReader(input, bufferSize: 1 << 18)
        reader.pausesAtEnd = true
        stdin = FollowedStdin(input: input, reader: reader, stream: stream)
        onEvent(.follow(.started(path: "-", fromLine: 0)))
    }

    // MARK: - Reading

    /// Reads what a file has gained and notices rotation and truncation; returns whether it read anything.
    private func poll(_ file: FollowedFile) throws -> Bool {
        var info = stat()
        guard fstat(file.raw.fileDescriptor, &info) == 0 else { return false }
        let size = Int64(info.st_size)
        let now = Date()
        if !file.compressed, size != file.lastSize, size < file.raw.rawBytesRead || (try? headChanged(file)) != false {
            // Truncated in place (copytruncate): the lines read stay, what comes now is a new file.
            try file.stream.end(.truncated)
            finish(file)
            onEvent(.follow(.truncated(path: file.path)))
            scanSoon = true
            return true
        }
        file.lastSize = size
        let lines: Int
        do {
            lines = try read(file.reader, file.stream, limit: options.linesPerTurn)
        } catch let error as InputError {
            // The file cannot be read any more: keep what was read, for the next run to go on.
            file.stream.streamError = error.description
            try file.stream.pause()
            try file.stream.end(.stopped)
            finished.insert(FinishedFile(id: file.id, head: file.head))
            finish(file)
            return true
        }
        try file.stream.pause()
        if lines > 0 { file.lastGrowth = now }
        if !file.compressed, file.headBytes < FollowedSources.headSize, size > Int64(file.headBytes) { try growHead(file) }
        let atEnd = lines < options.linesPerTurn
        if !file.finite, file.rotatedAt == nil {
            // Rotated: the path now names another file, or nothing; or the file was deleted.
            var current = stat()
            if stat(file.path, &current) != 0 || FileID(current) != file.id || info.st_nlink == 0 {
                file.rotatedAt = now
                scanSoon = true
            }
        }
        let quietSince = max(file.lastGrowth, file.rotatedAt ?? file.lastGrowth)
        if atEnd, file.finite || file.rotatedAt != nil, now.timeIntervalSince(quietSince) >= options.rotationGrace {
            // Read to the end, an unfinished last line included, and finish the source.
            file.reader.pausesAtEnd = false
            _ = try read(file.reader, file.stream, limit: .max)
            try file.stream.end(.endOfInput)
            finished.insert(FinishedFile(id: file.id, head: file.head))
            finish(file)
            if !file.finite { onEvent(.follow(.rotated(path: file.path))) }
        }
        return lines > 0
    }

    /// Reads standard input's waiting lines; ends the stream at the end of the input.
    private func poll(_ stdin: FollowedStdin) throws -> Bool {
        let lines = try read(stdin.reader, stdin.stream, limit: options.linesPerTurn)
        try stdin.stream.pause()
        if stdin.input.atEnd {
            stdin.reader.pausesAtEnd = false
            _ = try read(stdin.reader, stdin.stream, limit: .max)
            try stdin.stream.end(.endOfInput)
            endedBytes += stdin.input.rawBytesRead
            stdin.ended = true
        }
        return lines > 0
    }

    /// Feeds up to `limit` lines to a stream; returns how many.
    private func read(_ reader: LineReader, _ stream: AccessLogStream, limit: Int) throws -> Int {
        var count = 0
        try reader.forEachLine({ line, number in
            guard try stream.feed(line: line, number: number) else { return false }
            count += 1
            return count < limit
        }, oversized: { number, prefix, total in
            try stream.oversized(number: number, prefix: prefix, totalLength: total)
            count += 1
        })
        return count
    }

    /// Whether the file's first bytes changed (it was truncated and written again).
    private func headChanged(_ file: FollowedFile) throws -> Bool {
        let bytes = try file.raw.readHead(count: file.headBytes)
        return bytes.count < file.headBytes || Self.hash(bytes) != file.head
    }

    /// Records a longer head for a file that was shorter than a full head.
    private func growHead(_ file: FollowedFile) throws {
        let bytes = try file.raw.readHead(count: FollowedSources.headSize)
        guard bytes.count > file.headBytes, Self.hash(bytes.prefix(file.headBytes)) == file.head else { return }
        try pipeline.drain()
        let head = Self.hash(bytes)
        try sources.setHead(sourceID: file.stream.sourceID, head: head, headBytes: bytes.count, inode: Int64(bitPattern: file.id.inode))
        file.head = head
        file.headBytes = bytes.count
    }

    /// Stops watching a file whose stream ended.
    private func finish(_ file: FollowedFile) {
        endedBytes += file.raw.rawBytesRead
        file.close()
    }

    private func reportProgress(since start: Date) {
        var (lines, records) = ingester.endedCounts
        var followed = 0
        for file in files where !file.ended {
            let counts = file.stream.counts
            lines += counts.lines
            records += counts.records
            followed += 1
        }
        if let stdin, !stdin.ended {
            let counts = stdin.stream.counts
            lines += counts.lines
            records += counts.records
            followed += 1
        }
        onEvent(.follow(.progress(files: followed, lines: lines, records: records, seconds: Date().timeIntervalSince(start))))
    }

    // MARK: - Helpers

    /// The hash of a file's head.
    static func hash<C: Collection>(_ bytes: C) -> Int64 where C.Element == UInt8 {
        var hasher = ContentHasher(seed: 0x666F_6C6C_6F77)  // "follow"
        Array(bytes).withUnsafeBytes { hasher.update($0) }
        return Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// The number of complete (newline-terminated) lines in the first `size` bytes of a file.
    static func completeLines(_ file: FileByteStream, size: Int64) throws -> Int {
        var count = 0
        var offset: Int64 = 0
        while offset < size {
            let chunk = try file.readHead(count: Int(min(1 << 20, size - offset)), at: offset)
            if chunk.isEmpty { break }
            chunk.withUnsafeBufferPointer { bytes in
                for b in bytes where b == 10 { count += 1 }
            }
            offset += Int64(chunk.count)
        }
        return count
    }
}

/// A file's device and inode.
struct FileID: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// A file finished in this run: its inode and head (an inode can be reused by new content).
struct FinishedFile: Hashable {
    let id: FileID
    let head: Int64
}

/// A file being followed.
private final class FollowedFile {
    let path: String
    let id: FileID
    /// The open file (for gzip, beneath the decompressor).
    let raw: FileByteStream
    let reader: LineReader
    let stream: AccessLogStream
    var head: Int64
    var headBytes: Int
    let compressed: Bool
    /// Read to the end and finished, not tailed.
    let finite: Bool
    var lastSize: Int64 = -1
    var lastGrowth: Date
    /// When the path stopped naming this file.
    var rotatedAt: Date?
    private(set) var ended = false

    init(path: String, id: FileID, raw: FileByteStream, reader: LineReader, stream: AccessLogStream, head: Int64, headBytes: Int,
         compressed: Bool, finite: Bool, lastGrowth: Date) {
        self.path = path
        self.id = id
        self.raw = raw
        self.reader = reader
        self.stream = stream
        self.head = head
        self.headBytes = headBytes
        self.compressed = compressed
        self.finite = finite
        self.lastGrowth = lastGrowth
    }

    func close() {
        ended = true
        raw.close()
    }
}

/// Standard input being followed.
private final class FollowedStdin {
    let input: PolledInput
    let reader: LineReader
    let stream: AccessLogStream
    var ended = false

    init(input: PolledInput, reader: LineReader, stream: AccessLogStream) {
        self.input = input
        self.reader = reader
        self.stream = stream
    }
}

/// A descriptor read without blocking: `read` returns 0 when nothing is waiting, and `atEnd`
/// tells the real end of the input apart.
final class PolledInput: ByteStream {
    let fileDescriptor: Int32
    private(set) var atEnd = false
    private var bytesRead: Int64 = 0

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    var rawBytesRead: Int64 { bytesRead }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !atEnd, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var request = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, 0) > 0 else { return 0 }
        let n = systemRead(fileDescriptor, base, buffer.count)
        if n < 0 {
            let code = errno
            if code == EINTR || code == EAGAIN { return 0 }
            throw InputError.unreadable(path: "-", reason: String(cString: strerror(code)))
        }
        if n == 0 { atEnd = true }
        bytesRead += Int64(n)
        return n
    }
}
