// The tar reader (`TarReader`, `TarMemberStream`): ustar, pax and GNU headers, long names, base-256
// sizes, gzipped members, over a stream with short reads; each member's lines read by `LineReader`
// (or only its start, so the rest is skipped).
//
// Input: the first byte picks the read size and which members are read whole; the rest is the archive.
@testable import MeshLogCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let archive = TarReader(MemoryByteStream(Array(input[1...]), maxChunk: 1 + Int(first) * 7), archiveName: "fuzz.tar")
    var members = 0
    do {
        try archive.forEachMember { name, size, stream in
            precondition(!name.isEmpty && size >= 0, "member without a name or with a negative size")
            members += 1
            if (Int(first) >> members) & 1 == 0 {
                var budget = 1 << 22
                let reader = LineReader(stream, bufferSize: 512, maxLineLength: 2048)
                try reader.forEachLine({ line, _ in budget -= line.count + 1; return budget > 0 }, oversized: { _, _, _ in })
            } else {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
                defer { buffer.deallocate() }
                _ = try stream.read(into: buffer)
            }
        }
    } catch let error as InputError {
        _ = error.description
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    return 0
}
