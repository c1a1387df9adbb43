// The line unwrappers (CRI with `P` fragments, Docker json-file, `docker compose logs`, `kubectl logs
// --timestamps` and `--prefix`, `ACCESS ` prefix, log-store records via `LogStoreRecord`) and
// `EmbeddedAccessLog`, on lines split by `LineReader`, then the payloads parsed as the ingest does:
// the file's wrapper, each other wrapper alone, and access logs that start inside the line.
//
// Input: the first byte picks the wrapper (or detection from the first lines), the rest is the log.
@testable import MeshLogCore

let istio: AccessLogLineParser = try! FormatCatalog.preset(named: "istio")!.makeParser()
let istioJSON: AccessLogLineParser = try! FormatCatalog.presets.first(where: \.isJSON)!.makeParser()
let wrapperChoices: [LineWrapper?] = LineWrapper.allCases + [nil]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let rest = UnsafeBufferPointer(rebasing: input[1...])
    var lines: [[UInt8]] = []
    forEachLine(rest, chunk: 1 + Int(first) % 53) { line, _ in lines.append(Array(line)) }
    let wrapper = wrapperChoices[Int(first) % wrapperChoices.count] ?? LineUnwrapper.detect(Array(lines.prefix(64)))
    _ = LineUnwrapper.payloads(Array(lines.prefix(64)), wrapper: wrapper)
    let unwrapper = LineUnwrapper(wrapper)
    let record = AccessLogRecord()
    var scratch: [UInt8] = []
    func attempt(_ payload: UnsafeBufferPointer<UInt8>) -> Bool {
        parseAndCheck(istio, payload, record) || parseAndCheck(istioJSON, payload, record)
    }
    for (index, line) in lines.enumerated() {
        line.withUnsafeBufferPointer { line in
            _ = unwrapper.unwrap(line, lineNumber: index + 1) { payload in
                if let pod = unwrapper.podRange {
                    precondition(pod.lowerBound >= 0 && pod.upperBound <= line.count, "pod range outside the line")
                    _ = LineUnwrapper.isProxyContainer(line[pod])
                }
                if let container = unwrapper.containerRange {
                    precondition(container.lowerBound >= 0 && container.upperBound <= line.count, "container range outside the line")
                }
                if attempt(payload) { return }
                for other in LineWrapper.detectionOrder + [.none] where other != wrapper {
                    _ = LineUnwrapper.fits(other, line)
                    if LineUnwrapper.unwrapAlone(other, line, scratch: &scratch, { candidate, _ in attempt(candidate) }) { return }
                }
                _ = EmbeddedAccessLog.forEachStart(in: payload) { start in
                    precondition(start > 0 && start < payload.count, "start outside the line")
                    _ = EmbeddedAccessLog.time(in: UnsafeBufferPointer(rebasing: payload[0..<start]))
                    return attempt(UnsafeBufferPointer(rebasing: payload[start...]))
                }
            }
            _ = unwrapper.openFragmentLine
        }
    }
    unwrapper.finish { payload, _, _ in _ = attempt(payload) }
    return 0
}
