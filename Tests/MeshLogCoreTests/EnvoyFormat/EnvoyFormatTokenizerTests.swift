import Testing
@testable import MeshLogCore

@Suite("Envoy format tokenizer")
struct EnvoyFormatTokenizerTests {
    @Test func splitsLiteralsAndCommands() throws {
        let tokens = try EnvoyFormatTokenizer.tokenize(#"[%START_TIME%] "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH):64%" 100%%\n"#)
        #expect(tokens == [
            .literal("["),
            .command(EnvoyCommand(name: "START_TIME", argument: nil, maxLength: nil, position: 1)),
            .literal("] \""),
            .command(EnvoyCommand(name: "REQ", argument: "X-ENVOY-ORIGINAL-PATH?:PATH", maxLength: 64, position: 16)),
            .literal("\" 100%"),
        ])
    }

    @Test func startTimePatternMayContainPercent() throws {
        let tokens = try EnvoyFormatTokenizer.tokenize("%START_TIME(%s.%3f)% %DURATION%")
        guard case .command(let c) = tokens[0] else { Issue.record("expected a command"); return }
        #expect(c.name == "START_TIME")
        #expect(c.argument == "%s.%3f")
        #expect(tokens.count == 3)
    }

    @Test(arguments: [
        ("%START_TIME", EnvoyFormatError.unterminatedCommand(position: 0)),
        ("x %start_time%", .invalidCommandName(position: 2, found: "%start_time%")),
        ("a %REQ(USER-AGENT%", .unterminatedArgument(command: "REQ", position: 2)),
        ("%REQ(USER-AGENT):x%", .invalidLength(command: "REQ", position: 0)),
        ("%REQ(USER-AGENT):0%", .invalidLength(command: "REQ", position: 0)),
        ("%DURATION% %", .unterminatedCommand(position: 11)),
    ])
    func rejectsBadFormats(format: String, expected: EnvoyFormatError) {
        #expect(throws: expected) { _ = try EnvoyFormatTokenizer.tokenize(format) }
    }

    @Test func compilerRejectsAdjacentCommandsWithPosition() {
        #expect(throws: EnvoyFormatError.adjacentCommands(first: "DURATION", second: "BYTES_SENT", position: 10)) {
            _ = try CompiledAccessLogFormat(format: "%DURATION%%BYTES_SENT%")
        }
    }

    @Test func protocolRightAfterACommandIsAnchoredByHTTP() throws {
        let format = try CompiledAccessLogFormat(format: #""%REQ(:METHOD)% %REQ(:PATH)%%PROTOCOL%" %RESPONSE_CODE%"#)
        let r = try #require(parse(format, #""GET /a/bHTTP/2" 204"#))
        #expect(r.text(.path) == "/a/b")
        #expect(r.text(.protocol) == "HTTP/2")
        #expect(r.integer(.status) == 204)
        #expect(parse(format, #""GET /a/b HTTP/2" 204"#)?.text(.path) == "/a/b ")
        #expect(throws: EnvoyFormatError.adjacentCommands(first: "PROTOCOL", second: "PROTOCOL", position: 23)) {
            _ = try CompiledAccessLogFormat(format: "%REQ(:PATH)% %PROTOCOL%%PROTOCOL%")
        }
    }

    @Test func compilerRejectsFormatWithoutCommands() {
        #expect(throws: EnvoyFormatError.noCommands) { _ = try CompiledAccessLogFormat(format: "just text\n") }
    }

    @Test func errorMessagesNamePositionAndFix() {
        let message = EnvoyFormatError.unterminatedCommand(position: 7).description
        #expect(message.contains("position 7"))
        #expect(message.contains("%%"))
    }

    @Test func commandsMapToTypedFields() {
        func field(_ name: String, _ arg: String? = nil) -> AccessLogField? {
            EnvoyCommand(name: name, argument: arg, maxLength: nil, position: 0).field
        }
        #expect(field("REQ", "X-ENVOY-ORIGINAL-PATH?:PATH") == .path)
        #expect(field("REQUEST_HEADER", ":authority") == .authority)
        #expect(field("RESP", "X-ENVOY-UPSTREAM-SERVICE-TIME") == .upstreamServiceTime)
        #expect(field("UPSTREAM_CLUSTER_RAW") == .upstreamCluster)
        #expect(field("REQ", "TRACEPARENT") == .traceID)
        #expect(field("UPSTREAM_REQUEST_ATTEMPT_COUNT") == nil)
        #expect(field("REQ", "X-CUSTOM") == nil)
    }
}
