import Foundation
import MeshLogTestSupport
import Testing

/// `meshlog formats --infer` and the ingest of a file no preset fits, through the CLI.
@Suite("inferred formats on the command line", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct InferCommandTests {
    /// Envoy's default with `%RESPONSE_CODE_DETAILS%` after the flags.
    static let custom = [
        #"[2026-11-25T08:00:00.125Z] "GET /courses/42 HTTP/1.1" 200 - via_upstream 0 2291 14 13 "-" "curl/8.5.0" "0f4c1d2e-8b3a-4f6e-9d21-7a5c3e9b1f08" "lms.example.com" "10.244.0.30:8080""#,
        #"[2026-11-25T08:00:01.900Z] "POST /payments HTTP/2" 503 UF,URX upstream_reset_before_response_started{connection_failure} 412 91 3004 - "203.0.113.7" "enrollment/2.4.1" "6b1e7f0a-33c9-4d8e-a1f2-5c6d7e8f9a0b" "payment.lms.svc.cluster.local:8080" "10.244.3.5:8080""#,
    ].joined(separator: "\n") + "\n"

    static let format = #"[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%""#

    @Test func inferPrintsTheFormatItsFitAndTheMapping() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("custom.log", Self.custom)
        let text = try MeshLogBinary.run(["formats", "--infer", path])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix(Self.format + "\n2 of the first 2 lines fit.\n"))
        let detailsRow = text.stdout.split(separator: "\n").first { $0.contains("%RESPONSE_CODE_DETAILS%") && !$0.hasPrefix("[") }
        #expect(detailsRow?.split(separator: " ").map(String.init) == ["7", "%RESPONSE_CODE_DETAILS%", "details", "value", "via_upstream"])
        let json = try MeshLogBinary.run(["formats", "--infer", path, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["format"] as? String == Self.format)
        #expect(report["sure"] as? Bool == true && report["matched"] as? Int == 2 && report["sampled"] as? Int == 2)
        let columns = try #require(report["columns"] as? [[String: Any]])
        #expect(columns.map { $0["column"] as? String ?? "" }.prefix(5) == ["start_time", "method", "path", "protocol", "status"])
        // The format it prints is ready for --format, and the ingest infers the same one by itself.
        let given = try MeshLogBinary.run(["ingest", path, "--format", Self.format, "--db", dir.path("given.db")])
        #expect(given.status == 0)
        let inferred = try MeshLogBinary.run(["ingest", path, "--db", dir.path("inferred.db")])
        #expect(inferred.status == 0)
        #expect(inferred.stderr.contains("custom.log: inferred format (2 of the first 2 lines fit): --format '\(Self.format)'"))
    }

    @Test func anUnsureInferenceFailsWithTheBestCandidate() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("notes.log", "hello there\nthis is not an access log\n")
        let result = try MeshLogBinary.run(["formats", "--infer", path, "--json"])
        #expect(result.status != 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["sure"] as? Bool == false)
        #expect((report["problem"] as? String)?.contains("start time") == true)
        #expect(result.stderr.contains("the inferred format is unsure"))
    }
}
