#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns command-line paths into the list of inputs to read.
public enum InputDiscovery {
    /// Expands files, directories and `"-"` (standard input) into input files.
    ///
    /// - A file (or a symbolic link to one, or a pipe such as `/dev/fd/63`) is kept as given.
    /// - A directory is walked recursively, following symbolic links (each directory once),
    ///   and every regular file in it is kept, whatever its name, except hidden entries
    ///   (names starting with "."), which are skipped along with everything under them.
    ///   The files of one directory argument are sorted by path (byte order).
    /// - `"-"` stands for standard input.
    ///
    /// Arguments keep their order; a path listed twice is kept once (its first place).
    ///
    /// - Throws: `InputError.notFound(path)` for a missing path, `InputError.unreadable`
    ///   for a directory that cannot be listed.
    public static func expand(_ paths: [String]) throws -> [InputFile] {
        var result: [InputFile] = []
        var seen = Set<String>()
        func add(_ file: InputFile) {
            if seen.insert(file.path).inserted { result.append(file) }
        }
        for path in paths {
            if path == "-" {
                add(.stdin)
                continue
            }
            var info = stat()
            if stat(path, &info) != 0 {
                let code = errno
                if code == ENOENT || code == ENOTDIR { throw InputError.notFound(path: path) }
                throw InputError.unreadable(path: path, reason: FileByteStream.systemErrorMessage(code))
            }
            if isDirectory(info) {
                var files: [InputFile] = []
                var visited = Set<DirectoryID>()
                try walk(directory: path, info: info, into: &files, visited: &visited)
                files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
                files.forEach(add)
            } else {
                add(InputFile(path: path, size: isRegular(info) ? Int64(info.st_size) : nil))
            }
        }
        return result
    }

    /// Whether `file` is a tar archive (plain or gzipped), recognised by its content: the
    /// ustar magic at offset 257 of the first header, after gunzip if the file is gzipped.
    ///
    /// For standard input the sniffed bytes are kept and replayed by `InputOpener.open`.
    public static func isArchive(_ file: InputFile) throws -> Bool {
        try InputOpener.detectFormat(file).isArchive
    }

    private struct DirectoryID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private static func walk(
        directory: String, info: stat, into files: inout [InputFile], visited: inout Set<DirectoryID>
    ) throws {
        let id = DirectoryID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard visited.insert(id).inserted else { return }  // symbolic link loop
        guard let handle = opendir(directory) else {
            throw InputError.unreadable(path: directory, reason: FileByteStream.systemErrorMessage(errno))
        }
        defer { closedir(handle) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") { continue }  // ".", ".." and hidden entries
            let path = prefix + name
            var child = stat()
            // A dangling symbolic link (e.g. to a rotated-away log) is skipped.
            guard stat(path, &child) == 0 else { continue }
            if isDirectory(child) {
                try walk(directory: path, info: child, into: &files, visited: &visited)
            } else if isRegular(child) {
                files.append(InputFile(path: path, size: Int64(child.st_size)))
            }
        }
    }

    private static func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }
    private static func isRegular(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }
}
