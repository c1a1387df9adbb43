// The gzip stream (`GzipByteStream` over `MemoryByteStream`): concatenated members, padding, truncated
// and corrupt data, with zlib or ISA-L (when libisal.so.2 loads), small input buffers and short reads.
//
// Input: the first byte picks the inflater, the buffer sizes and the read size; the rest is the gzip data.
@testable import MeshLogCore

let isalAvailable = GzipInflater.isal.isAvailable

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let inflater: GzipInflater = (first & 1 == 1 && isalAvailable) ? .isal : .zlib
    let source = MemoryByteStream(Array(input[1...]), maxChunk: 1 + Int(first >> 1) * 5)
    let stream = try! GzipByteStream(source, path: "fuzz.gz", inputBufferSize: 64 + Int(first >> 4) * 100, inflater: inflater)
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 + Int(first >> 2) * 31, alignment: 1)
    defer { out.deallocate() }
    var total = 0
    do {
        while total < 1 << 24 {
            let n = try stream.read(into: out)
            precondition(n >= 0 && n <= out.count, "read returned \(n) for a buffer of \(out.count)")
            if n == 0 { break }
            total += n
        }
    } catch let error as InputError {
        _ = error.description
        // The error is sticky.
        do { _ = try stream.read(into: out); preconditionFailure("a read after an error succeeded") } catch {}
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    _ = stream.compressedOffset
    return 0
}
