// Format inference (`FormatInference`, `SampledColumn`, `ValueShapes`): lines of an unknown text
// format, the wrapper detected from them, the format string inferred from their payloads, which must
// compile, and the lines parsed with it.
//
// Input: the log.
@testable import MeshLogCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    var lines: [[UInt8]] = []
    forEachLine(input, chunk: 1 + size % 89) { line, _ in lines.append(Array(line)) }
    lines = Array(lines.prefix(FormatDetector.sampleSize))
    let wrapper = LineUnwrapper.detect(lines)
    let (inference, used) = FormatInference.infer(lines, wrapper: wrapper)
    precondition(inference.matched <= inference.sampled, "more lines matched than sampled")
    guard !inference.format.isEmpty else { return 0 }
    let parser: CompiledAccessLogFormat
    do {
        parser = try inference.makeParser()
    } catch {
        preconditionFailure("the inferred format does not compile: \(error): \(inference.format)")
    }
    let record = AccessLogRecord()
    for payload in LineUnwrapper.payloads(lines, wrapper: used) {
        payload.withUnsafeBufferPointer { _ = parseAndCheck(parser, $0, record) }
    }
    return 0
}
