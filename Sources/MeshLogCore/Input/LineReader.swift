#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a `ByteStream` into lines without copying line bytes.
///
/// Lines are handed out as pointers into one reusable buffer, valid only during the callback.
/// The only copy is of a line that straddles two buffer fills, which is moved to the buffer
/// start before the next fill. A line longer than `maxLineLength` is never held whole: only
/// its first `maxLineLength` bytes are kept, the rest is counted and dropped, so memory stays
/// below `maxLineLength + bufferSize` plus a little, whatever the input.
///
/// Line rules: a line is the bytes before a `"\n"`, minus one trailing `"\r"` (CRLF files).
/// A final line without a newline is still a line; the empty chunk after the last `"\n"`
/// is not. Empty lines are lines.
public final class LineReader {
    /// What `nextRecord` found.
    private enum Record {
        case line(UnsafeBufferPointer<UInt8>)
        case oversized(prefix: UnsafeBufferPointer<UInt8>, totalLength: Int)
    }

    private let stream: ByteStream
    private let bufferSize: Int
    /// The longest line (in bytes, without "\n" and trailing "\r") handed to `body`.
    public let maxLineLength: Int
    @exclusivity(unchecked) private var storage: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    /// First byte not yet handed out.
    @exclusivity(unchecked) private var start = 0
    /// One past the last valid byte.
    @exclusivity(unchecked) private var end = 0
    /// Where the newline search resumes ([start, scan) holds no newline).
    @exclusivity(unchecked) private var scan = 0
    @exclusivity(unchecked) private var ended = false
    @exclusivity(unchecked) private var consumed: Int64 = 0
    /// The number of lines handed out (or skipped) so far; the last line's 1-based number.
    @exclusivity(unchecked) public private(set) var lineNumber = 0

    /// For a stream that grows (a followed file): when true, the stream running dry pauses
    /// reading instead of ending it. `forEachLine` returns, the bytes of an unfinished last line
    /// are kept until a later call finds its newline, and no final line is made of them. Set it
    /// back to false and call `forEachLine` again to read to the end with the usual rules.
    ///
    /// A line longer than `maxLineLength` that is still unfinished when the stream runs dry is
    /// handed to `oversized` with the bytes seen so far; its remainder then counts as a new line.
    @exclusivity(unchecked) public var pausesAtEnd = false

    /// Bytes read from the stream but not handed out yet: the start of an unfinished line.
    public var bufferedBytes: Int { end - start }

    /// Reads lines from `stream`.
    ///
    /// - Parameters:
    ///   - bufferSize: bytes asked of the stream per read (the buffer grows past this only to
    ///     hold a line longer than it).
    ///   - maxLineLength: longer lines go to the `oversized` callback instead of `body`.
    public init(_ stream: ByteStream, bufferSize: Int = 1 << 20, maxLineLength: Int = 1 << 20) {
        precondition(bufferSize > 0, "bufferSize must be positive")
        precondition(maxLineLength > 0, "maxLineLength must be positive")
        self.stream = stream
        self.bufferSize = bufferSize
        self.maxLineLength = maxLineLength
        self.capacity = bufferSize
        self.storage = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Decompressed bytes handed out so far (lines, oversized lines and skipped lines),
    /// including their newlines.
    public var bytesConsumed: Int64 { consumed }

    /// Bytes consumed from the underlying file (compressed bytes for gzip), for progress.
    public var rawBytesRead: Int64 { stream.rawBytesRead }

    /// The current size of the line buffer (for tests of the memory bound).
    var bufferCapacity: Int { capacity }

    /// Calls `body` for each line, with its 1-based line number, until the stream ends or
    /// `body` returns false.
    ///
    /// The line excludes its `"\n"` and a trailing `"\r"`; its bytes are valid only during
    /// the call. A line longer than `maxLineLength` is not handed to `body`: `oversized` gets
    /// its line number, its first `maxLineLength` bytes and its full length instead, and
    /// reading goes on after it. Calling again after an early stop resumes at the next line.
    ///
    /// An error of the stream (such as `InputError.corruptGzip` on a truncated file) is
    /// thrown after every complete line before it was handed out; the incomplete line being
    /// read when it happened is dropped.
    public func forEachLine(
        _ body: (_ line: UnsafeBufferPointer<UInt8>, _ lineNumber: Int) throws -> Bool,
        oversized: (_ lineNumber: Int, _ prefix: UnsafeBufferPointer<UInt8>, _ totalLength: Int) throws -> Void
    ) throws {
        while let record = try nextRecord() {
            switch record {
            case .line(let line):
                if try !body(line, lineNumber) { return }
            case .oversized(let prefix, let totalLength):
                try oversized(lineNumber, prefix, totalLength)
            }
        }
    }

    /// Skips the next `n` lines (oversized ones included) without handing them out, to
    /// resume a partly ingested input. Returns how many were skipped: fewer than `n` only if
    /// the stream ended. Line numbers go on counting from the skipped lines.
    public func skipLines(_ n: Int) throws -> Int {
        var skipped = 0
        while skipped < n, try nextRecord() != nil {
            skipped += 1
        }
        return skipped
    }

    /// Finds the next line, reading more input when needed; nil at the end of the stream.
    private func nextRecord() throws -> Record? {
        while true {
            if scan < end, let newline = memchr(storage + scan, 0x0A, end - scan) {
                let newlineIndex = storage.distance(to: newline)
                let lineStart = start
                var lineEnd = newlineIndex
                start = newlineIndex + 1
                scan = start
                consumed += Int64(start - lineStart)
                lineNumber += 1
                if lineEnd > lineStart && storage.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D {
                    lineEnd -= 1
                }
                return record(at: lineStart, length: lineEnd - lineStart)
            }
            scan = end
            if ended {
                guard start < end else { return nil }
                // The final line, without a newline.
                let lineStart = start
                var lineEnd = end
                consumed += Int64(end - start)
                start = end
                lineNumber += 1
                if storage.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
                return record(at: lineStart, length: lineEnd - lineStart)
            }
            if end - start > maxLineLength + 1 {
                return try readOversizedLine()
            }
            if try !fill() {
                if pausesAtEnd { return nil }
                ended = true
            }
        }
    }

    private func record(at lineStart: Int, length: Int) -> Record {
        let base = (storage + lineStart).assumingMemoryBound(to: UInt8.self)
        if length > maxLineLength {
            return .oversized(prefix: UnsafeBufferPointer(start: base, count: maxLineLength), totalLength: length)
        }
        return .line(UnsafeBufferPointer(start: base, count: length))
    }

    /// Moves the unfinished line to the buffer start (growing the buffer if it is full) and
    /// reads more after it. Returns false at the end of the stream.
    private func fill() throws -> Bool {
        let pending = end - start
        if start > 0 {
            if pending > 0 { storage.copyMemory(from: storage + start, byteCount: pending) }
            start = 0
            end = pending
            scan = pending
        }
        if end == capacity {
            grow(to: min(max(capacity * 2, capacity + 1), maxLineLength + 2))
        }
        let space = min(bufferSize, capacity - end)
        assert(space > 0, "nextRecord hands lines longer than the buffer to readOversizedLine")
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(start: storage + end, count: space))
        end += n
        return n > 0
    }

    private func grow(to newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage, byteCount: end)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Called when the unfinished line in [start, end) is already longer than
    /// `maxLineLength + 1` bytes: keeps its first `maxLineLength` bytes at the buffer start,
    /// then reads and drops the rest up to its newline (or the end of the stream).
    private func readOversizedLine() throws -> Record {
        lineNumber += 1
        var total = end - start  // line bytes seen so far, excluding "\n"
        var lastByte = storage.load(fromByteOffset: end - 1, as: UInt8.self)
        if start > 0 { storage.copyMemory(from: storage + start, byteCount: maxLineLength) }
        start = 0
        end = maxLineLength
        grow(to: maxLineLength + bufferSize)
        let readArea = storage + maxLineLength
        let readSize = min(bufferSize, capacity - maxLineLength)
        while true {
            let n = try stream.read(into: UnsafeMutableRawBufferPointer(start: readArea, count: readSize))
            if n == 0 {
                if !pausesAtEnd { ended = true }
                consumed += Int64(total)
                start = end
                scan = end
                break
            }
            if let newline = memchr(readArea, 0x0A, n) {
                let k = readArea.distance(to: newline)
                total += k
                if k > 0 { lastByte = readArea.load(fromByteOffset: k - 1, as: UInt8.self) }
                consumed += Int64(total + 1)
                start = maxLineLength + k + 1
                end = maxLineLength + n
                scan = start
                break
            }
            total += n
            lastByte = readArea.load(fromByteOffset: n - 1, as: UInt8.self)
        }
        let length = lastByte == 0x0D ? total - 1 : total
        let prefix = UnsafeBufferPointer(start: storage.assumingMemoryBound(to: UInt8.self), count: maxLineLength)
        return .oversized(prefix: prefix, totalLength: length)
    }
}
