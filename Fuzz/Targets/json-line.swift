// The JSON access-log parser (`JSONAccessLogParser`) under each JSON preset's key map, on lines split
// by `LineReader`; `classify` as the ingest calls it.
//
// Input: the first byte picks the preset, the rest is the log.
@testable import MeshLogCore

let jsonParsers: [JSONAccessLogParser] = FormatCatalog.presets.filter(\.isJSON).map { try! $0.makeParser() as! JSONAccessLogParser }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let parser = jsonParsers[Int(first) % jsonParsers.count]
    let record = AccessLogRecord()
    forEachLine(UnsafeBufferPointer(rebasing: input[1...]), chunk: 1 + Int(first) % 61) { line, _ in
        if parser.classify(line, into: record) == .record { checkRecord(record) }
    }
    return 0
}
