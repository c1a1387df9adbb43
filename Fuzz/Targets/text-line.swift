// The text line parser under each text preset of `FormatCatalog.presets` (Istio's releases, Envoy,
// Kuma, …), on lines split by `LineReader` as the ingest splits them.
//
// Input: the first byte picks the preset, the rest is the log.
@testable import MeshLogCore

let textParsers: [AccessLogLineParser] = FormatCatalog.presets.filter { !$0.isJSON }.map { try! $0.makeParser() }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let parser = textParsers[Int(first) % textParsers.count]
    let record = AccessLogRecord()
    forEachLine(UnsafeBufferPointer(rebasing: input[1...]), chunk: 1 + Int(first) % 61) { line, _ in
        _ = parseAndCheck(parser, line, record)
    }
    return 0
}
