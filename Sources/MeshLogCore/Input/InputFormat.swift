/// How an input's bytes are stored, as recognised from its content (never its name).
public enum InputFormat: Sendable, Hashable {
    /// Plain bytes (log text, or anything not recognised below).
    case plain
    /// Gzip-compressed data that is not a tar archive.
    case gzip
    /// An uncompressed tar archive.
    case tar
    /// A gzip-compressed tar archive (`.tar.gz`, `.tgz`).
    case tarGzip

    /// Whether the input is a tar archive (plain or gzipped), to be read with `TarReader`.
    public var isArchive: Bool { self == .tar || self == .tarGzip }

    /// Whether the stored bytes are gzip-compressed.
    public var isGzip: Bool { self == .gzip || self == .tarGzip }

    /// Recognises the format from the first bytes of an input.
    ///
    /// - Parameter peek: returns up to the requested number of leading raw bytes (fewer only
    ///   at the end of the input). It is asked for small counts first and larger ones only
    ///   when needed (a gzipped tar needs enough compressed bytes to decode a tar header).
    public static func detect(peek: (Int) throws -> [UInt8]) throws -> InputFormat {
        let magic = try peek(2)
        guard magic == [0x1f, 0x8b] else {
            return isTarHeader(try peek(tarMagicEnd)) ? .tar : .plain
        }
        var want = 1024
        while true {
            let compressed = try peek(want)
            let decoded = gunzipPrefix(compressed, count: tarMagicEnd)
            if decoded.count >= tarMagicEnd || compressed.count < want || want >= 1 << 20 {
                return isTarHeader(decoded) ? .tarGzip : .gzip
            }
            want *= 4
        }
    }

    /// The bytes needed to recognise a tar archive: one header block.
    static let tarMagicEnd = 512

    /// Whether `header` is a 512-byte tar header block with the ustar magic at offset 257
    /// ("ustar\0" for POSIX, "ustar " for GNU) and a correct checksum.
    static func isTarHeader(_ header: [UInt8]) -> Bool {
        guard header.count >= 512 else { return false }
        return header.withUnsafeBytes { raw in
            TarReader.hasUstarMagic(UnsafeRawBufferPointer(rebasing: raw[0..<512]))
                && TarReader.checksumMatches(UnsafeRawBufferPointer(rebasing: raw[0..<512]))
        }
    }

    /// Decodes up to `count` bytes from the start of the gzip data `compressed`, stopping
    /// quietly where the data ends or breaks.
    static func gunzipPrefix(_ compressed: [UInt8], count: Int) -> [UInt8] {
        guard let stream = try? GzipByteStream(MemoryByteStream(compressed), path: "", inputBufferSize: 4096) else {
            return []
        }
        var output = [UInt8](repeating: 0, count: count)
        var filled = 0
        output.withUnsafeMutableBytes { raw in
            while filled < count {
                guard let n = try? stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...])), n > 0
                else { break }
                filled += n
            }
        }
        return Array(output[..<filled])
    }
}
