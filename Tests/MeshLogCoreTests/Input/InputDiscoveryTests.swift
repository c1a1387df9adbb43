import Foundation
import Testing
@testable import MeshLogCore

@Suite("Input: InputDiscovery")
struct InputDiscoveryTests {
    @Test func expandsDirectoriesRecursivelySorted() throws {
        try InputTestSupport.withTempDir { dir in
            let files = ["b/2.log", "a/1.log", "a/sub/x.log", "a.log", "c.log.gz", "Z-upper.txt", ".hidden/skip.log",
                         "a/.hidden-file", "b/.git/config"]
            for (index, file) in files.enumerated() {
                try InputTestSupport.write(String(repeating: "l\n", count: index + 1), to: dir + "/logs/" + file)
            }
            try FileManager.default.createDirectory(atPath: dir + "/logs/empty-dir", withIntermediateDirectories: true)
            let expanded = try InputDiscovery.expand([dir + "/logs"])
            #expect(expanded.map { String($0.path.dropFirst(dir.count + 6)) } == [
                "Z-upper.txt", "a.log", "a/1.log", "a/sub/x.log", "b/2.log", "c.log.gz",
            ])
            #expect(expanded.first { $0.path.hasSuffix("/a/sub/x.log") }?.size == 6)

            // A trailing slash does not double the separator.
            #expect(try InputDiscovery.expand([dir + "/logs/"]).first?.path == dir + "/logs/Z-upper.txt")
        }
    }

    @Test func keepsArgumentOrderStdinAndExplicitFiles() throws {
        try InputTestSupport.withTempDir { dir in
            try InputTestSupport.write("x\n", to: dir + "/z.log")
            try InputTestSupport.write("y\n", to: dir + "/d/a.log")
            try InputTestSupport.write("h\n", to: dir + "/.explicit-hidden")
            let expanded = try InputDiscovery.expand([dir + "/z.log", "-", dir + "/d", dir + "/.explicit-hidden", dir + "/z.log"])
            #expect(expanded.map(\.path) == [dir + "/z.log", "-", dir + "/d/a.log", dir + "/.explicit-hidden"])
            #expect(expanded[1] == .stdin)
            #expect(expanded[1].size == nil)
            #expect(expanded[0].size == 2)
        }
    }

    @Test func throwsNotFoundForMissingPath() throws {
        try InputTestSupport.withTempDir { dir in
            #expect(throws: InputError.notFound(path: dir + "/nope")) {
                _ = try InputDiscovery.expand([dir + "/nope"])
            }
        }
    }

    @Test func followsSymlinksWithoutLooping() throws {
        try InputTestSupport.withTempDir { dir in
            try InputTestSupport.write("x\n", to: dir + "/real/a.log")
            try FileManager.default.createSymbolicLink(atPath: dir + "/real/loop", withDestinationPath: dir + "/real")
            try FileManager.default.createSymbolicLink(atPath: dir + "/real/link.log", withDestinationPath: dir + "/real/a.log")
            try FileManager.default.createSymbolicLink(atPath: dir + "/real/dangling.log", withDestinationPath: dir + "/gone")
            let expanded = try InputDiscovery.expand([dir + "/real"])
            #expect(expanded.map { String($0.path.dropFirst(dir.count + 6)) } == ["a.log", "link.log"])
        }
    }

    @Test func detectsArchivesByContent() throws {
        try InputTestSupport.withTempDir { dir in
            try InputTestSupport.write(InputTestSupport.sampleLog(lines: 10), to: dir + "/src/a.log")
            try InputTestSupport.run("tar", ["-cf", dir + "/plain-archive", "-C", dir + "/src", "a.log"])
            try InputTestSupport.run("tar", ["-czf", dir + "/zipped-archive", "-C", dir + "/src", "a.log"])
            let gz = try InputTestSupport.gzip(dir + "/src/a.log")
            #expect(try InputDiscovery.isArchive(InputFile(path: dir + "/plain-archive")))
            #expect(try InputDiscovery.isArchive(InputFile(path: dir + "/zipped-archive")))
            #expect(try !InputDiscovery.isArchive(InputFile(path: dir + "/src/a.log")))
            #expect(try !InputDiscovery.isArchive(InputFile(path: gz)))
            #expect(try InputOpener.detectFormat(InputFile(path: dir + "/plain-archive")) == .tar)
            #expect(try InputOpener.detectFormat(InputFile(path: dir + "/zipped-archive")) == .tarGzip)
            #expect(try InputOpener.detectFormat(InputFile(path: gz)) == .gzip)
        }
    }
}
