import Testing
@testable import MeshLogCore

/// Inputs the fuzz targets in `Fuzz/` found crashing, each minimised and fed through the API its
/// target calls, with the answer expected now. See `Fuzz/README.md`.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// format-compiler: a `:LEN` of more digits than an Int holds overflowed (a trap) while it was read.
    @Test func formatLengthTooLongForAnIntIsAnError() {
        let format = "%T:6666666666666666222226"
        #expect(throws: EnvoyFormatError.invalidLength(command: "T", position: 0)) {
            _ = try EnvoyFormatTokenizer.tokenize(format)
        }
        #expect(throws: EnvoyFormatError.invalidLength(command: "REQ", position: 0)) {
            _ = try CompiledAccessLogFormat(format: "%REQ(:PATH):99999999999999999999% %DURATION%")
        }
        // The longest length Envoy takes is still a length.
        #expect((try? EnvoyFormatTokenizer.tokenize("%REQ(:PATH):4294967295% x")) != nil)
        #expect(throws: EnvoyFormatError.invalidLength(command: "REQ", position: 0)) {
            _ = try EnvoyFormatTokenizer.tokenize("%REQ(:PATH):4294967296% x")
        }
    }

    /// format-compiler: `%E…S` in a START_TIME pattern took the byte after `E` as a digit, so a byte
    /// below `0` underflowed (a trap); only `%E0S`…`%E9S` are fractional seconds.
    @Test func startTimeFractionalSecondsNeedADigit() throws {
        #expect(throws: EnvoyFormatError.self) {
            _ = try CompiledAccessLogFormat(format: "%START_TIME(%Y-%m-%dT%H:%M:%E\u{0F}S)% %DURATION%")
        }
        #expect(throws: EnvoyFormatError.self) {
            _ = try CompiledAccessLogFormat(format: "%START_TIME(%Y-%m-%dT%H:%M:%E*S)% %DURATION%")
        }
        let parser = try CompiledAccessLogFormat(format: "%START_TIME(%Y-%m-%dT%H:%M:%E3S)% %DURATION%")
        let record = AccessLogRecord()
        let parsed = Array("2026-03-02T14:05:09.481 12".utf8).withUnsafeBufferPointer { parser.parse($0, into: record) }
        #expect(parsed)
        #expect(record.integer(.duration) == 12)
    }

    /// format-compiler: a line whose `%START_TIME(%s)%` had more digits than an Int64 holds overflowed
    /// (a trap, on a log line); more than 12 digits of epoch seconds is a line that does not fit.
    @Test func epochSecondsTooLongForAnIntDoNotFit() throws {
        let parser = try CompiledAccessLogFormat(format: "%START_TIME(%s.%3f)% %DURATION%")
        let record = AccessLogRecord()
        func parse(_ line: String) -> Bool { Array(line.utf8).withUnsafeBufferPointer { parser.parse($0, into: record) } }
        #expect(!parse("99999999999999999999999.481 12"))
        #expect(!parse("9999999999999.481 12"))
        #expect(parse("1772460309.481 12"))
        #expect(record.startMicros == 1_772_460_309_481_000)
    }

    // MARK: tar

    /// tar: a pax record whose length has more digits than an Int holds overflowed (a trap).
    @Test func paxRecordLengthTooLongForAnIntIsIgnored() throws {
        let archive = Tar.entry("PaxHeader", type: "x", data: Array("99999999999999999999999 path=x\n".utf8))
            + Tar.entry("a.log", data: Array("line\n".utf8)) + Tar.end
        #expect(try Tar.members(archive).map(\.name) == ["t.tar:a.log"])
        #expect(TarReader.paxRecords(Array("99999999999999999999999 path=x\n".utf8)).isEmpty)
    }

    /// tar: a pax record whose length is shorter than its own length digits, space and newline made
    /// an invalid range (a trap).
    @Test func paxRecordShorterThanItsPrefixIsIgnored() throws {
        #expect(TarReader.paxRecords(Array("1 path=x\n".utf8)).isEmpty)
        #expect(TarReader.paxRecords(Array("2 \n".utf8)).isEmpty)
        #expect(TarReader.paxRecords(Array("3 \n".utf8)).isEmpty)  // no "=": no record, no trap
        #expect(TarReader.paxRecords(Array("9 path=x\n".utf8)).map(\.value) == ["x"])
        let archive = Tar.entry("PaxHeader", type: "x", data: Array("1 path=x\n".utf8))
            + Tar.entry("b.log", data: Array("line\n".utf8)) + Tar.end
        #expect(try Tar.members(archive).map(\.name) == ["t.tar:b.log"])
    }

    /// tar: a negative pax size was taken as the member's size (handed out as -1); a base-256 size near
    /// Int64.max overflowed while rounding to whole blocks to skip a member left unread (a trap). Both
    /// are damaged archives now.
    @Test func memberSizesOutOfRangeAreDamagedArchives() throws {
        let negative = Tar.entry("PaxHeader", type: "x", data: Array("11 size=-1\n".utf8))
            + Tar.entry("c.log", data: []) + Tar.end
        #expect { try Tar.members(negative) } throws: { "\($0)".contains("invalid size") }
        var huge = Tar.entry("d.log", data: [])
        huge.replaceSubrange(124..<136, with: [0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        Tar.sign(&huge)
        #expect { try Tar.members(huge + Tar.end, read: false) } throws: { "\($0)".contains("invalid size") }
    }
}

/// Builds small tar archives byte by byte (ustar headers), for inputs no `tar` tool writes.
enum Tar {
    /// A header block for `name` of `type` and the data padded to whole blocks.
    static func entry(_ name: String, type: Character = "0", data: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
        func octal(_ value: Int, _ offset: Int, _ width: Int) {
            let digits = Array(String(value, radix: 8).utf8)
            let field = [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
            header.replaceSubrange(offset..<(offset + width), with: field)
        }
        octal(0o644, 100, 8)
        octal(data.count, 124, 12)
        octal(0, 136, 12)
        header[156] = type.asciiValue!
        header.replaceSubrange(257..<265, with: Array("ustar\u{0}00".utf8))
        sign(&header)
        let padding = (512 - data.count % 512) % 512
        return header + data + [UInt8](repeating: 0, count: padding)
    }

    /// Writes the header's checksum (the checksum field counted as spaces).
    static func sign(_ header: inout [UInt8]) {
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 32, count: 8))
        let sum = header[0..<512].reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        header.replaceSubrange(148..<156, with: [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, 32])
    }

    /// The end-of-archive marker.
    static let end = [UInt8](repeating: 0, count: 1024)

    /// The members `TarReader` hands out for `archive`, with their contents (or, when `read` is
    /// false, none: the reader skips them).
    static func members(_ archive: [UInt8], read: Bool = true) throws -> [(name: String, size: Int64, bytes: [UInt8])] {
        var found: [(name: String, size: Int64, bytes: [UInt8])] = []
        try TarReader(MemoryByteStream(archive), archiveName: "t.tar").forEachMember { name, size, stream in
            var bytes: [UInt8] = []
            guard read else { found.append((name, size, bytes)); return }
            var buffer = [UInt8](repeating: 0, count: 64)
            while case let n = try buffer.withUnsafeMutableBytes({ try stream.read(into: $0) }), n > 0 { bytes += buffer[..<n] }
            found.append((name, size, bytes))
        }
        return found
    }
}
