import MeshLogGenerate
import Foundation
@testable import MeshLogCore
import Testing

/// `--slow`, `--drop-edge` and `--error`: traffic with a known change, for `meshlog compare`'s tests.
@Suite("Generate: edge changes")
struct GeneratorEdgeChangeTests {
    static func calls(_ options: GeneratorOptions) -> [GeneratedCall] {
        let generator = TrafficGenerator(topology: .learningPlatform, options: options)
        var out: [GeneratedCall] = []
        while let r = generator.nextRequest() { out += r.calls }
        return out
    }

    static func median(_ values: [Int64]) -> Double {
        let v = values.sorted()
        return Double(v[v.count / 2])
    }

    @Test func edgesParse() {
        #expect(GeneratorOptions.Edge(parsing: "frontend->course") == GeneratorOptions.Edge(caller: "frontend", service: "course"))
        #expect(GeneratorOptions.Edge(parsing: "frontend") == nil)
        #expect(GeneratorOptions.Edge(parsing: "->course") == nil)
        #expect(GeneratorOptions.InjectedError(parsing: "501:0.03") == GeneratorOptions.InjectedError(status: 501, rate: 0.03))
        #expect(GeneratorOptions.InjectedError(parsing: "501:2") == nil)
        #expect(GeneratorOptions.InjectedError(parsing: "abc") == nil)
        let edge = GeneratorOptions.Edge(caller: "course", service: "grading")
        #expect(edge.matches(callerWorkload: "course-v2", service: "grading"))
        #expect(edge.matches(callerWorkload: "course", service: "grading"))
        #expect(!edge.matches(callerWorkload: "coursework-v1", service: "grading"))
        #expect(!edge.matches(callerWorkload: "course-v1", service: "user"))
    }

    @Test func changesLeaveOtherEdgesAndDefaultsAlone() {
        // A factor of 1 changes nothing: the same bytes as no option at all.
        var options = GeneratorOptions(lines: 3000, seed: 8)
        let plain = Self.calls(options).map(\.clientDurationMicros)
        options.slowEdges = [GeneratorOptions.Edge(caller: "frontend", service: "course"): 1]
        #expect(Self.calls(options).map(\.clientDurationMicros) == plain)
    }

    @Test func slowDropAndError() {
        var options = GeneratorOptions(lines: 40_000, seed: 3)
        let before = Self.calls(options)
        options.slowEdges = [GeneratorOptions.Edge(caller: "enrollment", service: "payment"): 1.3]
        options.droppedEdges = [GeneratorOptions.Edge(caller: "grading", service: "user")]
        options.injectedErrors = [GeneratorOptions.Edge(caller: "frontend", service: "user"): .init(status: 501, rate: 0.05)]
        let after = Self.calls(options)

        func on(_ calls: [GeneratedCall], _ caller: String, _ service: String) -> [GeneratedCall] {
            calls.filter { $0.callerWorkload.hasPrefix(caller + "-") && $0.calleeService == service }
        }
        // Dropped: grading never calls user; it still calls nothing else it did not call before.
        #expect(!on(before, "grading", "user").isEmpty)
        #expect(on(after, "grading", "user").isEmpty)
        // Injected: 501 only on frontend → user, at about the rate asked for.
        let frontendUser = on(after, "frontend", "user")
        let share = Double(frontendUser.filter { $0.statusCode == 501 }.count) / Double(frontendUser.count)
        #expect(share > 0.035 && share < 0.065, "501 share \(share)")
        #expect(before.allSatisfy { $0.statusCode != 501 })
        #expect(after.filter { $0.statusCode == 501 }.allSatisfy { $0.callerWorkload.hasPrefix("frontend-") && $0.calleeService == "user" })
        // Slowed: the callee's time on enrollment → payment about 1.3 times as long at the median; other edges not.
        func serverMedian(_ calls: [GeneratedCall]) -> Double {
            Self.median(calls.filter { $0.statusCode < 400 }.compactMap(\.serverDurationMicros))
        }
        let ratio = serverMedian(on(after, "enrollment", "payment")) / serverMedian(on(before, "enrollment", "payment"))
        #expect(ratio > 1.2 && ratio < 1.4, "payment ratio \(ratio)")
        let user = serverMedian(on(after, "frontend", "user")) / serverMedian(on(before, "frontend", "user"))
        #expect(user > 0.95 && user < 1.05, "user ratio \(user)")
    }
}
