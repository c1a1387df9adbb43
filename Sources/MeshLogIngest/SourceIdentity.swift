import Foundation
import MeshLogCore

/// How an input is recognised as one the store has seen: a cheap fingerprint, then its content hash.
enum SourceIdentity {
    /// Fingerprint of a regular file: its size with its first and last 64 KiB.
    static func fingerprint(path: String, size: Int64) throws -> Int64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError.notFound(path: path) }
        defer { try? handle.close() }
        var hasher = ContentHasher(seed: UInt64(bitPattern: size))
        let head = try handle.read(upToCount: 65_536) ?? Data()
        head.withUnsafeBytes { hasher.update($0) }
        if size > 131_072 {
            try handle.seek(toOffset: UInt64(size - 65_536))
            let tail = try handle.read(upToCount: 65_536) ?? Data()
            tail.withUnsafeBytes { hasher.update($0) }
        }
        return Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// The content hash of an input's decompressed lines, as ingest computes it.
    static func contentHash(of input: InputFile) throws -> Int64 {
        let reader = LineReader(try InputOpener.open(input))
        var hasher = ContentHasher()
        let newline: [UInt8] = [10]
        try reader.forEachLine({ line, _ in
            line.withUnsafeBytes { hasher.update($0) }
            newline.withUnsafeBytes { hasher.update($0) }
            return true
        }, oversized: { _, _, _ in newline.withUnsafeBytes { hasher.update($0) } })
        return Int64(bitPattern: hasher.finalize() & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
