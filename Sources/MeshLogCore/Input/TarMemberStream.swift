/// The content of one tar member: a `ByteStream` bounded by the member's size.
final class TarMemberStream: ByteStream {
    private unowned let archive: TarReader
    private let name: String
    private let size: Int64
    /// Member bytes not read yet.
    private(set) var remaining: Int64
    private var valid = true

    init(archive: TarReader, name: String, size: Int64) {
        self.archive = archive
        self.name = name
        self.size = size
        self.remaining = size
    }

    /// Ends the stream once the member's callback returned.
    func invalidate() { valid = false }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard valid, remaining > 0, buffer.count > 0 else { return 0 }
        let want = Int(min(Int64(buffer.count), remaining))
        let n = try archive.readArchive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]))
        if n == 0 {
            throw InputError.truncatedTar(
                path: archive.archiveName,
                reason: "the archive ends inside member '\(name)' after \(size - remaining) of its \(size) bytes")
        }
        remaining -= Int64(n)
        return n
    }

    /// Member bytes read so far (compressed bytes for a gzipped member), out of its size.
    var rawBytesRead: Int64 { size - remaining }
}
