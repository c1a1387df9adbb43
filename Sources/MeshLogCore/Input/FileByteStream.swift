#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `ByteStream` over a file descriptor, read with `read(2)`.
///
/// Opened by path it owns (and closes) its descriptor; over an existing descriptor (such as
/// standard input) it does not close it unless asked to.
public final class FileByteStream: ByteStream {
    /// The name used in error messages (`"-"` for standard input).
    public let path: String
    /// The file descriptor read from.
    public let fileDescriptor: Int32
    private let ownsDescriptor: Bool
    private var closed = false
    private var bytesRead: Int64 = 0

    /// Opens `path` for reading.
    ///
    /// - Throws: `InputError.notFound` if it does not exist, `InputError.unreadable` if it
    ///   cannot be opened or is a directory.
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw InputError.notFound(path: path) }
            throw InputError.unreadable(path: path, reason: Self.systemErrorMessage(code))
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            Self.closeDescriptor(fd)
            throw InputError.unreadable(path: path, reason: "it is a directory")
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        self.path = path
        self.fileDescriptor = fd
        self.ownsDescriptor = true
    }

    /// Reads from an already open descriptor, such as `STDIN_FILENO`.
    ///
    /// - Parameters:
    ///   - fileDescriptor: the descriptor to read from.
    ///   - path: the name used in error messages.
    ///   - closeOnDeinit: whether this stream closes the descriptor when released.
    public init(fileDescriptor: Int32, path: String = "-", closeOnDeinit: Bool = false) {
        self.path = path
        self.fileDescriptor = fileDescriptor
        self.ownsDescriptor = closeOnDeinit
    }

    deinit {
        if ownsDescriptor && !closed { Self.closeDescriptor(fileDescriptor) }
    }

    /// Reads up to `buffer.count` bytes with `read(2)`, retrying on `EINTR`; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if closed { return 0 }
        while true {
            let n = systemRead(fileDescriptor, base, buffer.count)
            if n >= 0 {
                bytesRead += Int64(n)
                return n
            }
            let code = errno
            if code == EINTR { continue }
            throw InputError.unreadable(path: path, reason: Self.systemErrorMessage(code))
        }
    }

    /// Bytes read from the descriptor so far.
    public var rawBytesRead: Int64 { bytesRead }

    /// Reads up to `count` bytes at `offset` with `pread(2)`, without moving the read
    /// position; fewer bytes near the end of the file. Only for seekable files.
    public func readHead(count: Int, at offset: Int64 = 0) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        try result.withUnsafeMutableBytes { raw in
            while filled < count {
                let n = pread(fileDescriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    break
                } else {
                    let code = errno
                    if code == EINTR { continue }
                    throw InputError.unreadable(path: path, reason: Self.systemErrorMessage(code))
                }
            }
        }
        result.removeSubrange(filled...)
        return result
    }

    /// Closes the descriptor now if this stream owns it; later reads return 0.
    public func close() {
        if ownsDescriptor && !closed { Self.closeDescriptor(fileDescriptor) }
        closed = true
    }

    /// The text of the C library's message for `code` (an `errno` value).
    static func systemErrorMessage(_ code: Int32) -> String {
        if let text = strerror(code) { return String(cString: text) }
        return "error \(code)"
    }

    /// Closes `fd`, ignoring errors (the C `close`, which the method `close()` shadows).
    private static func closeDescriptor(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #elseif canImport(Musl)
        _ = Musl.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }
}

/// `read(2)` from the platform's C library: up to `count` bytes of `fd` into `base`.
@inline(__always)
public func systemRead(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, base, count)
    #elseif canImport(Musl)
    Musl.read(fd, base, count)
    #else
    Darwin.read(fd, base, count)
    #endif
}
