import Foundation
import Testing
@testable import MeshLogCore
import MeshLogTestSupport

/// Inferring formats from lines rendered by `OperatorLineRenderer`.
///
/// Equivalence: an inferred format equals the true one when both have the same literal text
/// between operators and each inferred operator fills the same typed column as the true one
/// (spellings of one column, like `%UPSTREAM_CLUSTER_RAW%` and `%UPSTREAM_CLUSTER%`, are equal).
/// A `%UNNAMED_n%` placeholder where the true operator is typed is incomplete but not wrong (its
/// values go to `extra`); a typed operator where the true one has another column, or none, is wrong.
@Suite("Format inference")
struct FormatInferenceTests {
    /// The pieces random formats are made of: each a list of spellings to pick from; the first two always come.
    static let units: [[String]] = [
        ["[%START_TIME%]", "%START_TIME%"],
        ["%RESPONSE_CODE% %RESPONSE_FLAGS%", "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"],
        [#""%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%""#, "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%"],
        ["%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%", "%BYTES_RECEIVED% %BYTES_SENT% %DURATION%"],
        [#""%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%""#, #""%REQ(USER-AGENT)%""#],
        [#""%REQ(X-REQUEST-ID)%""#, "%REQ(X-REQUEST-ID)%"],
        [#""%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%""#],
        ["%UPSTREAM_CLUSTER%"],
        ["%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%"],
        [#""%REQ(X-TENANT)%""#],
        ["%REQ(X-FEATURE)%"],
        [#""%REQ(X-B3-SPANID)%""#],
    ]

    /// A random format: the time and the status always, other pieces with even odds, in random order.
    static func randomFormat(seed: UInt64) -> String {
        var random = SplitMix64(seed: seed &* 7919)
        var pieces: [String] = []
        for (i, unit) in units.enumerated() where i < 2 || Bool.random(using: &random) {
            pieces.append(unit.randomElement(using: &random)!)
        }
        return pieces.shuffled(using: &random).joined(separator: " ")
    }

    /// Literal text and operators' columns, position by position; nil when the two do not line up.
    static func comparison(inferred: String, truth: String) throws -> (wrong: [String], unnamed: Int)? {
        let a = try EnvoyFormatTokenizer.tokenize(inferred), b = try EnvoyFormatTokenizer.tokenize(truth)
        guard a.count == b.count else { return nil }
        var wrong: [String] = []
        var unnamed = 0
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.literal(let s), .literal(let t)): if s != t { return nil }
            case (.command(let c), .command(let d)):
                if c.name.hasPrefix(FormatInference.placeholderPrefix) {
                    unnamed += 1
                } else if c.field == nil || c.field != d.field {
                    wrong.append("\(c) for \(d)")
                }
            default: return nil
            }
        }
        return (wrong, unnamed)
    }

    static func infer(_ lines: [String]) -> FormatInference { FormatInference.infer(lines.map { Array($0.utf8) }) }

    static func spellings(_ format: String) throws -> [String] {
        try EnvoyFormatTokenizer.tokenize(format).map {
            switch $0 {
            case .literal(let text): text
            case .command(let command): command.description.replacingOccurrences(of: "UPSTREAM_CLUSTER_RAW", with: "UPSTREAM_CLUSTER")
            }
        }
    }

    /// Istio's default, piece by piece (the request line is one piece).
    static let istioPieces: [String] = {
        let words = FormatCatalog.istioFormat.replacingOccurrences(of: "\\n", with: "").split(separator: " ").map(String.init)
        return [words[0], words[1...3].joined(separator: " ")] + words[4...]
    }()

    /// Istio's default with each piece but the time, the request line and the status dropped at
    /// one in four, and a custom header inserted at a random place half the time.
    static func defaultLikeFormat(seed: UInt64) -> String {
        var random = SplitMix64(seed: seed &* 104_729)
        var pieces = istioPieces.enumerated().filter { $0.offset < 3 || Int.random(in: 0..<4, using: &random) > 0 }.map(\.element)
        if Bool.random(using: &random) {
            let header = [#""%REQ(X-TENANT)%""#, "%REQ(X-FEATURE)%", #""%REQ(X-B3-SPANID)%""#].randomElement(using: &random)!
            pieces.insert(header, at: Int.random(in: 1...pieces.count, using: &random))
        }
        return pieces.joined(separator: " ")
    }

    /// Infers the format of lines rendered from each seed's format; returns how many were accepted and named completely.
    static func property(_ seeds: Range<UInt64>, _ format: (UInt64) -> String) throws -> (accepted: Int, complete: Int, named: Double) {
        var accepted = 0, complete = 0, typed = 0, unnamed = 0
        for seed in seeds {
            let truth = format(seed)
            var renderer = OperatorLineRenderer(seed: seed)
            let inference = infer(try renderer.lines(truth, count: 48))
            guard inference.isSure else { continue }
            accepted += 1
            let comparison = try #require(try Self.comparison(inferred: inference.format, truth: truth),
                                          "seed \(seed): \(inference.format) does not line up with \(truth)")
            #expect(comparison.wrong.isEmpty, "seed \(seed): \(comparison.wrong) in \(inference.format) for \(truth)")
            #expect(inference.matched == 48)
            if comparison.unnamed == 0 { complete += 1 }
            unnamed += comparison.unnamed
            typed += try EnvoyFormatTokenizer.tokenize(inference.format).count { if case .command = $0 { true } else { false } }
        }
        return (accepted, complete, typed == 0 ? 0 : Double(typed - unnamed) / Double(typed))
    }

    @Test func randomOperatorOrdersAreNamedRightOrRejected() throws {
        let result = try Self.property(1..<101, Self.randomFormat)
        // Not vacuous: formats with the request line (or a duration in its place) are accepted.
        #expect(result.accepted >= 40, "only \(result.accepted) of 100 accepted")
    }

    @Test func defaultLikeFormatsAreNamedRightOrRejected() throws {
        let result = try Self.property(1..<101, Self.defaultLikeFormat)
        #expect(result.accepted >= 90, "only \(result.accepted) of 100 accepted")
        // Most operators get their column (about three in four with these seeds; the rest go to `extra`).
        #expect(result.named >= 0.65, "only \(result.named) of the operators named")
    }

    @Test func everyOperatorSpellingMapsBackToItsColumn() throws {
        for field in AccessLogField.allCases {
            let tokens = try EnvoyFormatTokenizer.tokenize(FormatInference.operatorText(field))
            guard case .command(let command) = tokens.first else { Issue.record("\(field)"); continue }
            #expect(command.field == field)
        }
    }

    @Test func envoyDefaultWithDetailsAfterTheFlags() throws {
        let truth = FormatCatalog.envoyFormat.replacingOccurrences(of: "%RESPONSE_FLAGS%", with: "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%")
        var renderer = OperatorLineRenderer(seed: 7)
        let inference = Self.infer(try renderer.lines(truth, count: 64))
        #expect(inference.problem == nil)
        #expect(try Self.spellings(inference.format) == Self.spellings(truth))
        #expect(inference.matched == 64 && inference.sampled == 64)
    }

    @Test func istioDefaultWithTwoQuotedHeadersAppended() throws {
        let truth = FormatCatalog.istioFormat.replacingOccurrences(of: "\\n", with: "") + #" "%REQ(X-TENANT)%" "%REQ(X-B3-SPANID)%""#
        var renderer = OperatorLineRenderer(seed: 11)
        let inference = Self.infer(try renderer.lines(truth, count: 64))
        #expect(inference.problem == nil)
        // Everything but the route name (no shape of its own) and the two headers is named.
        let expected = try Self.spellings(truth).map {
            $0 == "%ROUTE_NAME%" ? "%UNNAMED_1%" : $0 == "%REQ(X-TENANT)%" ? "%UNNAMED_2%" : $0 == "%REQ(X-B3-SPANID)%" ? "%UNNAMED_3%" : $0
        }
        #expect(try Self.spellings(inference.format) == expected)
        #expect(inference.columns.suffix(2).allSatisfy { $0.field == nil && $0.evidence == .unnamed })
    }

    @Test func aColumnThatIsADashThroughoutIsNamedByPositionOrLeftUnnamed() throws {
        // Flags and x-forwarded-for are `-` in every line: where they are in Envoy's default names them.
        let truth = FormatCatalog.envoyFormat.replacingOccurrences(of: "%RESPONSE_FLAGS%", with: "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%")
        var renderer = OperatorLineRenderer(seed: 3, dashes: ["RESPONSE_FLAGS", "REQ(X-FORWARDED-FOR)"])
        let inference = Self.infer(try renderer.lines(truth, count: 40))
        #expect(inference.problem == nil)
        #expect(try Self.spellings(inference.format) == Self.spellings(truth))
        let flags = try #require(inference.columns.first { $0.field == .flags })
        #expect(flags.evidence == .position && flags.example == "-")
        // A dash column no default explains stays a placeholder.
        let custom = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%" %RESPONSE_CODE% "%REQ(X-ALWAYS-EMPTY)%" %UPSTREAM_CLUSTER%"#
        var other = OperatorLineRenderer(seed: 5)
        let second = Self.infer(try other.lines(custom, count: 40))
        #expect(second.problem == nil)
        #expect(second.format == #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% "%UNNAMED_1%" %UPSTREAM_CLUSTER%"#)
    }

    @Test func garbageIsRejected() {
        let garbage = Self.infer(["hello world", "Dec  6 15:41:32 host sshd[811]: Accepted publickey", "{\"a\": 1}", "x"])
        #expect(!garbage.isSure)
        #expect(garbage.problem?.isEmpty == false)
        #expect(!Self.infer([]).isSure)
        // Timestamps and numbers alone are not an access log: no status, no request.
        let metrics = Self.infer(["2026-11-25T08:00:00Z cpu 0.5", "2026-11-25T08:00:01Z cpu 0.7"])
        #expect(!metrics.isSure)
    }

    @Test func anAmbiguousStatusIsRejectedWithTheBestCandidate() {
        // Two bare columns of three-digit codes and nothing that says which one is the status.
        let lines = (0..<10).map { "2026-11-25T08:00:0\($0)Z host\($0).example.com:80 \(200 + $0) \(300 + $0) 12" }
        let inference = Self.infer(lines)
        #expect(!inference.isSure)
        #expect(inference.problem?.contains("status") == true)
        #expect(inference.format.hasPrefix("%START_TIME% "))
    }

    @Test func numbersThatContradictTheirPositionMakeItUnsure() throws {
        // Duration and upstream service time swapped: the run's position says one thing, the values another.
        let swapped = FormatCatalog.envoyFormat.replacingOccurrences(of: "%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
                                                                    with: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% %DURATION%")
        var renderer = OperatorLineRenderer(seed: 21)
        let lines = try renderer.lines(swapped, count: 40).filter { !$0.contains(" - \"") }
        let inference = Self.infer(lines)
        #expect(!inference.isSure)
        #expect(inference.problem?.contains("upstream service time exceeds the duration") == true)
    }

    @Test func lineNotFittingTheCandidateMakesItUnsure() {
        var renderer = OperatorLineRenderer(seed: 9)
        var lines = (try? renderer.lines(FormatCatalog.envoyFormat, count: 20)) ?? []
        lines.append("[2026-11-25T08:00:00.000Z] something else entirely")
        let inference = Self.infer(lines)
        #expect(!inference.isSure)
        #expect(inference.matched == 20 && inference.sampled == 21)
        #expect(inference.problem?.contains("1 of 21 sampled lines do not fit") == true)
    }

    @Test(arguments: ["istio", "istio-1.3", "envoy"])
    func presetSamplesNeverGetAWrongColumn(name: String) throws {
        let preset = try #require(FormatCatalog.preset(named: name))
        let inference = Self.infer(preset.samples)
        let comparison = try #require(try Self.comparison(inferred: inference.format, truth: preset.formatDescription))
        #expect(comparison.wrong.isEmpty, "\(comparison.wrong)")
    }
}
