import Foundation

/// The process's standard input as one shared, peekable `ByteStream`.
///
/// Standard input can be read only once, so format sniffing (`InputOpener.detectFormat`,
/// `InputDiscovery.isArchive`) and the later `InputOpener.open` share this stream: bytes
/// peeked by the first are replayed to the second.
final class StandardInputStream: ByteStream, @unchecked Sendable {
    /// The one instance, over file descriptor 0.
    static let shared = StandardInputStream()

    private let lock = NSLock()
    private let stream = PeekableByteStream(FileByteStream(fileDescriptor: 0, path: "-"))

    private init() {}

    /// Peeks at the next `count` bytes without consuming them.
    func peek(_ count: Int) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return try stream.peek(count)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        return try stream.read(into: buffer)
    }

    var rawBytesRead: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return stream.rawBytesRead
    }
}
