/// Reads a tar archive (ustar, pax or GNU) from a stream, one regular member at a time.
///
/// The archive is never extracted or held in memory: each member is handed out as a bounded
/// `ByteStream` over the archive stream. Pass the archive's decompressed bytes (for a
/// `.tar.gz`, the stream from `InputOpener.open`). Members that are themselves gzipped
/// (recognised by their magic bytes, whatever their name) are decompressed.
///
/// Long names (pax `path` records, GNU `L` entries, ustar prefixes) and large sizes (pax
/// `size`, GNU base-256) are supported. Directories, links, devices and other special
/// entries are skipped, and so are hidden members (a path component starting with "."),
/// as `InputDiscovery` does for directories.
public final class TarReader {
    /// The name of the archive, used as the prefix of member names and in errors.
    public let archiveName: String
    private let stream: ByteStream
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 16)
    /// Bytes of tar data consumed so far (decompressed offset in the archive).
    public private(set) var archiveOffset: Int64 = 0

    /// The largest pax header or GNU long name accepted (larger ones mean a corrupt archive).
    private static let maxMetadataSize: Int64 = 1 << 20
    /// The largest member size accepted (an exabyte; larger ones, up to what base-256 or pax can
    /// write, mean a corrupt archive, and their padding would not fit an Int64).
    static let maxMemberSize: Int64 = 1 << 60

    /// Reads the tar archive streamed by `stream`, naming it `archiveName`.
    public init(_ stream: ByteStream, archiveName: String) {
        self.stream = stream
        self.archiveName = archiveName
    }

    deinit {
        block.deallocate()
    }

    /// Bytes consumed from the underlying archive file (compressed bytes for a `.tar.gz`).
    public var rawBytesRead: Int64 { stream.rawBytesRead }

    /// Calls `body` for each regular, non-hidden member, in archive order.
    ///
    /// - Parameters:
    ///   - body: gets the member's name (`"archive.tar.gz:path/in/archive"`, a leading "./"
    ///     or "/" removed), its size as stored in the archive (compressed size for a gzipped
    ///     member), and a stream of its (decompressed) content, valid only during the call.
    ///     Bytes of the member left unread are skipped.
    /// - Throws: `InputError.truncatedTar` when the archive ends inside a header or member
    ///   or has a damaged header (members before it were delivered), errors of the
    ///   underlying stream (such as `InputError.corruptGzip`), and errors thrown by `body`.
    public func forEachMember(_ body: (_ name: String, _ size: Int64, _ stream: ByteStream) throws -> Void) throws {
        var longName: String?
        var paxPath: String?
        var paxSize: Int64?
        while true {
            let headerOffset = archiveOffset
            let got = try readFully(block)
            if got == 0 { return }  // no end-of-archive blocks: accepted
            if got < 512 {
                throw InputError.truncatedTar(
                    path: archiveName, reason: "the archive ends inside the header at byte \(headerOffset)")
            }
            let header = UnsafeRawBufferPointer(block)
            if header.allSatisfy({ $0 == 0 }) {
                try drain()
                return
            }
            guard Self.checksumMatches(header) else {
                throw InputError.truncatedTar(
                    path: archiveName,
                    reason: "the header at byte \(headerOffset) is damaged (checksum mismatch) or this is not a tar archive")
            }
            let type = header[156]
            guard let headerSize = Self.number(header, 124, 12), headerSize <= Self.maxMemberSize else {
                throw InputError.truncatedTar(
                    path: archiveName, reason: "the header at byte \(headerOffset) has an invalid size field")
            }
            let size = paxSize ?? headerSize
            let name = paxPath ?? longName ?? Self.headerName(header)

            switch type {
            case UInt8(ascii: "x"):  // pax header for the next entry
                let records = try readMetadata(size: headerSize, at: headerOffset)
                for (key, value) in Self.paxRecords(records) {
                    if key == "path" {
                        paxPath = value
                    } else if key == "size" {
                        guard let size = Int64(value), (0...Self.maxMemberSize).contains(size) else {
                            throw InputError.truncatedTar(
                                path: archiveName, reason: "the pax header at byte \(headerOffset) has an invalid size '\(value)'")
                        }
                        paxSize = size
                    }
                }
                continue
            case UInt8(ascii: "g"):  // pax global header: nothing we use
                _ = try readMetadata(size: headerSize, at: headerOffset)
                continue
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                let data = try readMetadata(size: headerSize, at: headerOffset)
                longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "K"):  // GNU long link name
                _ = try readMetadata(size: headerSize, at: headerOffset)
                continue
            default:
                break
            }
            longName = nil
            paxPath = nil
            paxSize = nil

            let isRegular = type == 0 || type == UInt8(ascii: "0") || type == UInt8(ascii: "7")
            let path = Self.normalized(name)
            if !isRegular || path.isEmpty || Self.isHidden(path) {
                try skip(Self.padded(size), member: path, size: size)
                continue
            }
            let member = TarMemberStream(archive: self, name: path, size: size)
            let peekable = PeekableByteStream(member)
            let fullName = archiveName + ":" + path
            let content: ByteStream =
                try peekable.peek(2) == [0x1f, 0x8b] ? try GzipByteStream(peekable, path: fullName) : peekable
            defer { member.invalidate() }
            try body(fullName, size, content)
            try skip(member.remaining + Self.padded(size) - size, member: path, size: size)
        }
    }

    // MARK: Reading the archive stream

    /// Reads from the archive stream (for `TarMemberStream`), counting `archiveOffset`.
    func readArchive(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try stream.read(into: buffer)
        archiveOffset += Int64(n)
        return n
    }

    /// Reads until `buffer` is full or the stream ends; returns the count read.
    private func readFully(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try readArchive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads a metadata entry's data (pax records, a long name) and its padding.
    private func readMetadata(size: Int64, at headerOffset: Int64) throws -> [UInt8] {
        guard size <= Self.maxMetadataSize else {
            throw InputError.truncatedTar(
                path: archiveName,
                reason: "the header at byte \(headerOffset) announces \(size) bytes of metadata, more than any real archive has")
        }
        var data = [UInt8](repeating: 0, count: Int(Self.padded(size)))
        let got = try data.withUnsafeMutableBytes { try readFully($0) }
        if got < data.count {
            throw InputError.truncatedTar(
                path: archiveName, reason: "the archive ends inside the metadata entry at byte \(headerOffset)")
        }
        return Array(data[..<Int(size)])
    }

    /// Reads and drops `count` bytes (the rest of a member and its padding).
    private func skip(_ count: Int64, member: String, size: Int64) throws {
        var left = count
        guard left > 0 else { return }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while left > 0 {
            let n = try readArchive(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<Int(min(left, Int64(scratch.count)))]))
            if n == 0 {
                throw InputError.truncatedTar(
                    path: archiveName,
                    reason: "the archive ends inside member '\(member)' (\(size) bytes) at byte \(archiveOffset)")
            }
            left -= Int64(n)
        }
    }

    /// Reads what follows the end-of-archive marker (padding) so that the whole stream,
    /// including a gzip trailer, is consumed and checked.
    private func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try readArchive(into: scratch) > 0 {}
    }

    // MARK: Header fields

    /// `size` rounded up to a whole number of 512-byte blocks.
    private static func padded(_ size: Int64) -> Int64 { (size + 511) & ~511 }

    /// Whether the block has the ustar magic ("ustar\0" POSIX or "ustar " GNU) at offset 257.
    static func hasUstarMagic(_ header: UnsafeRawBufferPointer) -> Bool {
        header.count >= 512 && header[257] == UInt8(ascii: "u") && header[258] == UInt8(ascii: "s")
            && header[259] == UInt8(ascii: "t") && header[260] == UInt8(ascii: "a")
            && header[261] == UInt8(ascii: "r")
    }

    /// Whether the header's checksum field matches its bytes (summed unsigned or, as some
    /// old tars did, signed, with the checksum field itself counted as spaces).
    static func checksumMatches(_ header: UnsafeRawBufferPointer) -> Bool {
        guard header.count >= 512, let stored = number(header, 148, 8) else { return false }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for i in 0..<512 {
            let byte = (148..<156).contains(i) ? UInt8(ascii: " ") : header[i]
            unsigned += Int64(byte)
            signed += Int64(Int8(bitPattern: byte))
        }
        return stored == unsigned || stored == signed
    }

    /// A numeric field: octal digits (padded with spaces or NULs), or GNU base-256 when the
    /// first byte has its high bit set. Nil if malformed.
    static func number(_ header: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Int64? {
        let field = header[offset..<(offset + length)]
        if let first = field.first, first & 0x80 != 0 {
            if first == 0xff { return nil }  // negative
            var value: Int64 = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                if value > (Int64.max >> 8) { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var index = field.startIndex
        while index < field.endIndex && (field[index] == 0x20 || field[index] == 0) { index += 1 }
        var digits = 0
        while index < field.endIndex, field[index] >= UInt8(ascii: "0"), field[index] <= UInt8(ascii: "7") {
            value = value * 8 + Int64(field[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        while index < field.endIndex {
            if field[index] != 0x20 && field[index] != 0 { return nil }
            index += 1
        }
        return digits > 0 || field.allSatisfy({ $0 == 0x20 || $0 == 0 }) ? value : nil
    }

    /// The name in the header itself, joined with the ustar prefix field when there is one.
    private static func headerName(_ header: UnsafeRawBufferPointer) -> String {
        let name = string(header, 0, 100)
        let isPosixUstar = hasUstarMagic(header) && header[262] == 0
        guard isPosixUstar else { return name }
        let prefix = string(header, 345, 155)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func string(_ header: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> String {
        let field = header[offset..<(offset + length)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Parses pax extended header records ("LEN key=value\n").
    static func paxRecords(_ data: [UInt8]) -> [(key: String, value: String)] {
        var records: [(key: String, value: String)] = []
        var index = 0
        while index < data.count {
            var length = 0
            var cursor = index
            // A length past the data ends the records (its digits are not added up further: no overflow).
            while cursor < data.count, data[cursor] >= UInt8(ascii: "0"), data[cursor] <= UInt8(ascii: "9") {
                if length <= data.count { length = length * 10 + Int(data[cursor] - UInt8(ascii: "0")) }
                cursor += 1
            }
            // The record must hold its own length, the space and the final newline.
            guard length > 0, cursor < data.count, data[cursor] == UInt8(ascii: " "),
                index + length <= data.count, cursor + 1 <= index + length - 1
            else { break }
            let record = data[(cursor + 1)..<(index + length - 1)]  // without the final "\n"
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records.append((
                    String(decoding: record[..<equals], as: UTF8.self),
                    String(decoding: record[(equals + 1)...], as: UTF8.self)
                ))
            }
            index += length
        }
        return records
    }

    /// The member path without a leading "./" or "/".
    private static func normalized(_ name: String) -> String {
        var path = Substring(name)
        while true {
            if path.hasPrefix("./") {
                path = path.dropFirst(2)
            } else if path.hasPrefix("/") {
                path = path.dropFirst()
            } else {
                break
            }
        }
        return String(path)
    }

    /// Whether a component of the path is hidden (starts with ".", other than "." and "..").
    private static func isHidden(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") && $0 != "." && $0 != ".." }
    }
}
