import Foundation
import MeshLogTestSupport
import Testing

/// `meshlog ingest` on almost-right lines: what the user is told, and the rows `meshlog sql` reads back.
@Suite("meshlog ingest: second tries", .enabled(if: MeshLogBinary.url != nil))
struct SecondTryCommandTests {
    /// `meshlog ingest` notes the lines stored on a second try on stderr and in `--json`; `meshlog sql` reads them back.
    @Test func commandLineNotesSecondTries() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("export.log")
        var lines = (0..<6).map { IstioLines.outbound($0) }
        lines[2] = "INFO 2026-11-25T10:00:02.500Z [resource.labels.containerName: istio-proxy] " + lines[2]
        lines[4] = "ACCESS " + lines[4]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let db = dir.path("m.db")
        let result = try MeshLogBinary.run(["ingest", path, "--json", "--db", db])
        #expect(result.status == 0)
        #expect(result.stderr.contains("\(path): 1 line stored after a prefix was taken off"))
        #expect(result.stderr.contains("\(path): 1 line stored after a wrapper other than the file's was taken off"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let report = try #require((summary["reports"] as? [[String: Any]])?.first)
        let recovered = try #require(report["recovered"] as? [String: Int])
        #expect(recovered == ["other_wrapper": 1, "other_format": 0, "prefix_removed": 1])
        let rows = try MeshLogBinary.run(["sql", "SELECT line, logged_at, start_time, path, duration_ms FROM access_log WHERE line IN (3, 5) ORDER BY line",
                                          "--csv", "--db", db])
        #expect(rows.stdout == "line,logged_at,start_time,path,duration_ms\r\n"
            + "3,2026-11-25T10:00:02.500Z,2026-11-25T10:00:02.002Z,/courses/2/lessons/2,7\r\n"
            + "5,,2026-11-25T10:00:04.004Z,/courses/4/lessons/4,9\r\n")
    }
}
