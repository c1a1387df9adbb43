import MeshLogGenerate
import Foundation
import Testing
@testable import MeshLogCore

@Suite("Generate: determinism and volume")
struct GeneratorDeterminismTests {
    @Test(arguments: GeneratedLogFormat.allCases)
    func sameSeedGivesIdenticalOutput(format: GeneratedLogFormat) {
        let a = GeneratorTestSupport.completionOrderedLines(lines: 3_000, seed: 7, format: format).map(\.text)
        let b = GeneratorTestSupport.completionOrderedLines(lines: 3_000, seed: 7, format: format).map(\.text)
        #expect(a.count >= 3_000)
        #expect(a == b)
    }

    @Test func differentSeedGivesDifferentOutput() {
        let a = GeneratorTestSupport.completionOrderedLines(lines: 2_000, seed: 7).map(\.text)
        let b = GeneratorTestSupport.completionOrderedLines(lines: 2_000, seed: 8).map(\.text)
        #expect(a != b)
        #expect(Set(a).isDisjoint(with: Set(b)))
    }

    @Test func writerOutputIsByteIdenticalAcrossRuns() throws {
        try GeneratorTestSupport.withTempDir { dir in
            var files: [Data] = []
            for run in 0..<2 {
                let path = dir + "/run\(run).log"
                let generator = TrafficGenerator(options: GeneratorOptions(lines: 1_500, seed: 11))
                let writer = try GeneratedLogWriter(path: path, gzip: false)
                try generator.forEachLineInCompletionOrder { try writer.write($0.text) }
                try writer.finish()
                files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            #expect(files[0] == files[1])
            #expect(files[0].last == UInt8(ascii: "\n"))
        }
    }

    @Test(arguments: [1, 500, 5_000, 20_000])
    func lineCountStopsJustAfterTheTarget(target: Int) {
        let requests = GeneratorTestSupport.requests(lines: target)
        let total = requests.reduce(0) { $0 + $1.lines.count }
        let lastSize = requests.last?.lines.count ?? 0
        #expect(total >= target)
        #expect(total - lastSize < target, "stops after the request that crosses the target")
        #expect(total <= target + 60)
    }

    @Test func requestsAreSpreadOverTheWindow() {
        let options = GeneratorOptions(lines: 20_000, seed: 3, durationSeconds: 1_800)
        let generator = TrafficGenerator(options: options)
        var starts: [Int64] = []
        while let request = generator.nextRequest() { starts.append(request.startMicros) }
        let window = Int64(1_800 * 1_000_000)
        #expect(starts == starts.sorted(), "arrival order")
        #expect(starts.first! >= options.startMicros)
        #expect(starts.first! < options.startMicros + window / 50)
        #expect(starts.last! > options.startMicros + window * 8 / 10)
        #expect(starts.last! < options.startMicros + window * 12 / 10)
        // Roughly uniform: each half of the window holds 35–65% of the requests.
        let firstHalf = starts.filter { $0 < options.startMicros + window / 2 }.count
        #expect(Double(firstHalf) / Double(starts.count) > 0.35)
        #expect(Double(firstHalf) / Double(starts.count) < 0.65)
    }

    @Test func requestIDsAreLowercaseUUIDv4AndShared() throws {
        let requests = GeneratorTestSupport.requests(lines: 3_000)
        let pattern = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        var seen = Set<String>()
        for request in requests {
            #expect(request.requestID.wholeMatch(of: pattern) != nil, "\(request.requestID)")
            #expect(seen.insert(request.requestID).inserted)
            for line in request.lines {
                #expect(line.record.requestID == request.requestID)
                #expect(line.text.contains("\"\(request.requestID)\""))
            }
        }
    }

    @Test func optionsParseDurationsAndStartTimes() {
        #expect(GeneratorOptions.parseDuration("1h") == 3_600)
        #expect(GeneratorOptions.parseDuration("90m") == 5_400)
        #expect(GeneratorOptions.parseDuration("2h30m") == 9_000)
        #expect(GeneratorOptions.parseDuration("1d") == 86_400)
        #expect(GeneratorOptions.parseDuration("45s") == 45)
        #expect(GeneratorOptions.parseDuration("500ms") == 0.5)
        #expect(GeneratorOptions.parseDuration("120") == 120)
        #expect(GeneratorOptions.parseDuration("1x") == nil)
        #expect(GeneratorOptions.parseDuration("h") == nil)
        #expect(GeneratorOptions.parseDuration("") == nil)
        #expect(GeneratorOptions.parseStart("2026-11-25T00:00:00Z") == GeneratorOptions.defaultStartMicros)
        #expect(GeneratorOptions.parseStart("2026-11-25T01:00:00.5+01:00") == GeneratorOptions.defaultStartMicros + 500_000)
        #expect(GeneratorOptions.parseStart("1795564800") == GeneratorOptions.defaultStartMicros)
        #expect(GeneratorOptions.parseStart("yesterday") == nil)
    }

    @Test func seededRandomIsStable() {
        var rng = SeededRandom(seed: 42)
        let first = (0..<3).map { _ in rng.next() }
        var again = SeededRandom(seed: 42)
        #expect((0..<3).map { _ in again.next() } == first)
        var other = SeededRandom(seed: 43)
        #expect(other.next() != first[0])
        for _ in 0..<1_000 {
            let x = rng.nextInt(below: 7)
            #expect((0..<7).contains(x))
            let d = rng.nextDouble()
            #expect(d >= 0 && d < 1)
        }
    }
}
