import MeshLogCore
import CZlib
import Foundation

/// Errors from writing generated logs.
public enum GeneratedLogWriterError: Error, CustomStringConvertible {
    /// The output file could not be created or opened.
    case cannotCreateFile(path: String)
    /// The output directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// zlib reported an error while compressing.
    case compression(path: String, code: Int32)
    /// Writing failed (disk full, closed pipe, …).
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateFile(let path):
            "cannot create \(path): check that the directory exists and is writable"
        case .cannotCreateDirectory(let path, let reason):
            "cannot create directory \(path): \(reason)"
        case .compression(let path, let code):
            "gzip compression of \(path) failed (zlib error \(code))"
        case .writeFailed(let path, let reason):
            "cannot write \(path): \(reason)"
        }
    }
}

/// Writes generated lines to one stream (a file or standard output), newline-terminated, optionally gzipped.
///
/// Output is buffered in 1 MiB chunks; call `finish()` to flush (and to write the gzip trailer).
///
/// For example:
/// ```swift
/// let writer = try GeneratedLogWriter(path: "/tmp/mesh.log.gz", gzip: true)
/// try generator.forEachLineInCompletionOrder { try writer.write($0.text) }
/// try writer.finish()
/// ```
public final class GeneratedLogWriter {
    /// The file path, or `<stdout>`, used in error messages.
    public let label: String
    /// Lines written so far.
    public private(set) var linesWritten = 0

    private let handle: FileHandle
    private let closeWhenFinished: Bool
    private let flushThreshold: Int
    private var buffer: [UInt8] = []
    private var deflater: GzipDeflater?
    private var finished = false

    /// Writes to an already open handle (e.g. `FileHandle.standardOutput`), which `finish()` leaves open.
    ///
    /// `compressionLevel` is zlib's 1…9; the default 3 is about twice as fast as gzip's usual 6, for ~30% more bytes.
    public init(fileHandle: FileHandle, gzip: Bool, label: String = "<stdout>", flushThreshold: Int = 1 << 20,
                compressionLevel: Int = 3) throws {
        self.handle = fileHandle
        self.label = label
        self.closeWhenFinished = false
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
        if gzip { deflater = try GzipDeflater(label: label, level: Int32(clamping: compressionLevel)) }
    }

    /// Creates (or truncates) the file at `path`; `finish()` closes it.
    public init(path: String, gzip: Bool, flushThreshold: Int = 1 << 20, compressionLevel: Int = 3) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw GeneratedLogWriterError.cannotCreateFile(path: path) }
        self.handle = handle
        self.label = path
        self.closeWhenFinished = true
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
        if gzip { deflater = try GzipDeflater(label: path, level: Int32(clamping: compressionLevel)) }
    }

    /// Appends `text` and a newline.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        linesWritten += 1
        if buffer.count >= flushThreshold { try flush(final: false) }
    }

    /// Flushes everything, completes the gzip stream and closes the file (not a handle passed in). Idempotent.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try flush(final: true)
        if closeWhenFinished {
            do { try handle.close() } catch { throw GeneratedLogWriterError.writeFailed(path: label, reason: "\(error)") }
        }
    }

    private func flush(final: Bool) throws {
        if let deflater {
            try deflater.compress(buffer, finish: final) { try self.writeRaw($0) }
        } else if !buffer.isEmpty {
            try writeRaw(buffer[...])
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeRaw(_ bytes: ArraySlice<UInt8>) throws {
        do { try handle.write(contentsOf: Data(bytes)) } catch {
            throw GeneratedLogWriterError.writeFailed(path: label, reason: "\(error)")
        }
    }
}

/// Writes each pod's lines to its own file, `<directory>/<pod>.log` (or `.log.gz`), as a mesh log dump would.
///
/// Lines arrive in completion order and keep it within each file.
public final class GeneratedLogSplitWriter {
    /// The output directory.
    public let directory: String
    /// Whether files are gzipped.
    public let gzip: Bool
    private var writers: [String: GeneratedLogWriter] = [:]

    /// Creates `directory` (and parents) if needed.
    public init(directory: String, gzip: Bool) throws {
        self.directory = directory
        self.gzip = gzip
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw GeneratedLogWriterError.cannotCreateDirectory(path: directory, reason: "\(error)")
        }
    }

    /// The paths of the files created so far, sorted.
    public var filePaths: [String] { writers.values.map(\.label).sorted() }

    /// Lines written so far, over all files.
    public var linesWritten: Int { writers.values.reduce(0) { $0 + $1.linesWritten } }

    /// Appends `line` to its pod's file.
    public func write(_ line: GeneratedLine) throws {
        if let writer = writers[line.pod] {
            try writer.write(line.text)
            return
        }
        let name = line.pod + (gzip ? ".log.gz" : ".log")
        let path = (directory as NSString).appendingPathComponent(name)
        let writer = try GeneratedLogWriter(path: path, gzip: gzip, flushThreshold: 256 << 10)
        writers[line.pod] = writer
        try writer.write(line.text)
    }

    /// Flushes and closes every file.
    public func finish() throws {
        for pod in writers.keys.sorted() {
            try writers[pod]?.finish()
        }
    }
}

extension GeneratedLogWriter {
    /// A streaming gzip (RFC 1952) compressor over zlib's deflate.
    final class GzipDeflater {
        private let stream: UnsafeMutablePointer<z_stream>
        private var output = [UInt8](repeating: 0, count: 1 << 18)
        private let label: String

        init(label: String, level: Int32) throws {
            self.label = label
            stream = .allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let rc = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                stream.deinitialize(count: 1)
                stream.deallocate()
                throw GeneratedLogWriterError.compression(path: label, code: rc)
            }
        }

        deinit {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }

        /// Compresses `input`, passing compressed chunks to `sink`; with `finish`, also ends the gzip member.
        func compress(_ input: [UInt8], finish: Bool, sink: (ArraySlice<UInt8>) throws -> Void) throws {
            try input.withUnsafeBufferPointer { inBuffer in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.pointee.avail_in = UInt32(inBuffer.count)
                while true {
                    var rc: Int32 = Z_OK
                    let produced = output.withUnsafeMutableBufferPointer { out -> Int in
                        stream.pointee.next_out = out.baseAddress
                        stream.pointee.avail_out = UInt32(out.count)
                        rc = deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
                        return out.count - Int(stream.pointee.avail_out)
                    }
                    if rc == Z_STREAM_ERROR { throw GeneratedLogWriterError.compression(path: label, code: rc) }
                    if produced > 0 { try sink(output[0..<produced]) }
                    if finish {
                        if rc == Z_STREAM_END { break }
                    } else if stream.pointee.avail_out != 0 {
                        break
                    }
                }
                stream.pointee.next_in = nil
            }
        }
    }
}
