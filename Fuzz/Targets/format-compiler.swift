// The format compiler: an arbitrary Envoy format string (as given to `--format` or found in a mesh
// config) through `EnvoyFormatTokenizer` and `CompiledAccessLogFormat`, then the lines after it
// parsed with the compiled format.
//
// Input: the format string, a newline, then lines to parse.
@testable import MeshLogCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let split = input.firstIndex(of: 10) ?? size
    let format = String(decoding: input[..<split], as: UTF8.self)
    let tokens = try? EnvoyFormatTokenizer.tokenize(format)
    let parser: CompiledAccessLogFormat
    do {
        parser = try CompiledAccessLogFormat(format: format)
    } catch {
        _ = error.description
        return 0
    }
    precondition(tokens != nil, "a format that compiles must tokenize")
    _ = FormatInference.operatorText(.status)
    guard split < size else { return 0 }
    let record = AccessLogRecord()
    forEachLine(UnsafeBufferPointer(rebasing: input[(split + 1)...]), chunk: 97) { line, _ in
        _ = parseAndCheck(parser, line, record)
    }
    return 0
}
