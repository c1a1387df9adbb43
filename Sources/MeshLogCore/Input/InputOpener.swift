/// Opens inputs as byte streams, decompressing gzip data recognised by its magic bytes.
public enum InputOpener {
    /// Opens a file or standard input (`"-"`), sniffing gzip by its magic bytes `1f 8b` and zstd by
    /// `28 b5 2f fd` (not by file name) and returning a decompressing stream when needed.
    ///
    /// A tar archive is returned as its (decompressed) tar bytes: use `openDetectingFormat`
    /// or `InputDiscovery.isArchive` to route it to `TarReader`.
    ///
    /// - Throws: `InputError.notFound` or `InputError.unreadable`.
    public static func open(_ file: InputFile) throws -> ByteStream {
        try openDetectingFormat(file, detectArchives: false).stream
    }

    /// Opens `file` like `open`, and also tells its format, in a single pass (so standard
    /// input is read only once).
    ///
    /// - Parameter detectArchives: when false, only gzip is sniffed and `format` is `.plain`
    ///   or `.gzip`; when true, tar archives are recognised too.
    public static func openDetectingFormat(
        _ file: InputFile, detectArchives: Bool = true
    ) throws -> (stream: ByteStream, format: InputFormat) {
        let peekable: ByteStream
        let peek: (Int) throws -> [UInt8]
        if file.isStdin {
            let stdin = StandardInputStream.shared
            peekable = stdin
            peek = stdin.peek
        } else {
            let stream = PeekableByteStream(try FileByteStream(path: file.path))
            peekable = stream
            peek = stream.peek
        }
        let format: InputFormat
        if detectArchives {
            format = try InputFormat.detect(peek: peek)
        } else {
            format = try peek(2) == [0x1f, 0x8b] ? .gzip : .plain
        }
        if format.isGzip {
            return (try GzipByteStream(peekable, path: file.path), format)
        }
        // zstd (the Collector file exporter's `compression: zstd` with native compression), by its magic number.
        if format == .plain, try peek(4) == Zstd.magic {
            return (try ZstdByteStream(peekable, path: file.path), format)
        }
        return (peekable, format)
    }

    /// Tells the format of `file` from its content, without consuming it: a regular file is
    /// read separately, standard input is peeked and its bytes kept for a later `open`.
    public static func detectFormat(_ file: InputFile) throws -> InputFormat {
        if file.isStdin {
            return try InputFormat.detect(peek: StandardInputStream.shared.peek)
        }
        let stream = PeekableByteStream(try FileByteStream(path: file.path))
        return try InputFormat.detect(peek: stream.peek)
    }
}
