import Foundation
import MeshLogTestSupport
import Testing

/// Every answer and trace command with every window (`--since`/`--until`, relative and RFC 3339),
/// with and without `--service`, in every output format it offers, on stores with spans and
/// without: each must run, and a window must hold only what it covers.
@Suite("windows, services and formats on every command", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct WindowMatrixTests {
    /// A command under test: its arguments before the shared options, and the outputs it offers.
    struct Command: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var formats: [[String]] = [[], ["--json"], ["--csv"], ["--markdown"]]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    /// The commands that take `--since`/`--until` and `--service`.
    static let commands: [Command] = [
        Command(arguments: ["status"]),
        Command(arguments: ["status", "--by", "edge,code", "--side", "both", "--explain"]),
        Command(arguments: ["status", "--by", "code,flag", "--exact"]),
        Command(arguments: ["hops"]),
        Command(arguments: ["hops", "--exact", "--explain"]),
        Command(arguments: ["timeline", "--bucket", "1m"]),
        Command(arguments: ["timeline", "--side", "inbound", "--exact", "--explain"]),
        Command(arguments: ["slow", "--limit", "3"]),
        Command(arguments: ["slow", "--exact", "--explain"]),
        Command(arguments: ["graph", "--failing-above", "5"],
                formats: [[], ["--format", "mermaid"], ["--format", "json"], ["--json"], ["--csv"], ["--markdown"]]),
        Command(arguments: ["graph", "--exact", "--explain"], formats: [[], ["--json"]]),
        Command(arguments: ["query", "error_edges", "--param", "min_errors=2"]),
        Command(arguments: ["query", "canary_compare", "--exact", "--explain"]),
        Command(arguments: ["traces", "--status", "5xx", "--limit", "5"]),
        Command(arguments: ["traces", "--flag", "URX", "--min-duration", "5ms", "--explain"]),
        Command(arguments: ["compare", "--service", "course", "--baseline-subset", "v1", "--candidate-subset", "v2",
                            "--confidence", "0.9", "--min-requests", "10"]),
        Command(arguments: ["compare", "--baseline-until", "30m", "--candidate-since", "30m", "--by", "route", "--exact", "--explain"]),
        Command(arguments: ["critical-path", "--by", "route", "--explain"]),
        Command(arguments: ["critical-path", "--route", "GET /api/courses", "--limit", "50"]),
    ]

    /// Windows: none, relative, open-ended each way, and an RFC 3339 pair.
    static let windows: [[String]] = [
        [], ["--since", "30m"], ["--until", "20m"],
        ["--since", "2026-11-25T00:10:00Z", "--until", "2026-11-25T00:40:00Z"],
    ]

    /// Services: none, and one.
    static let services: [[String]] = [[], ["--service", "course"]]

    @Test(arguments: commands)
    func everyWindowServiceAndFormatRuns(_ command: Command) throws {
        let store = try SamplesStore.shared.get()
        for window in Self.windows {
            for service in Self.services where !(command.arguments.contains("--service") && !service.isEmpty) {
                for format in command.formats {
                    let args = command.arguments + window + service + format + ["--db", store.database]
                    let run = try MeshLogBinary.run(args)
                    #expect(run.status == 0, "meshlog \(args.joined(separator: " ")) exited \(run.status): \(run.stderr)")
                    if format == ["--json"] || format == ["--format", "json"] {
                        #expect((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) != nil,
                                "meshlog \(args.joined(separator: " ")) printed no JSON: \(run.stdout.prefix(200))")
                    }
                }
            }
        }
    }

    /// Stores of part of the samples: access logs only, and spans only.
    static let partialStores: [String] = ["access logs only", "spans only"]

    @Test(arguments: partialStores)
    func everyCommandRunsOnAPartialStore(_ kind: String) throws {
        let dir = try TemporaryDirectory()
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.samples)
            .filter { ($0.contains("spans") == (kind == "spans only")) }
            .map { Repository.samples + "/" + $0 }
        let db = dir.path("part.db")
        #expect(try MeshLogBinary.run(["ingest"] + files + ["--db", db, "--quiet"]).status == 0)
        for command in Self.commands {
            for window in Self.windows {
                for format in [command.formats[0], command.formats[1]] {
                    let args = command.arguments + window + format + ["--db", db]
                    let run = try MeshLogBinary.run(args)
                    #expect(run.status == 0, "\(kind): meshlog \(args.joined(separator: " ")) exited \(run.status): \(run.stderr)")
                }
            }
        }
    }

    @Test func tracesKeepToTheirWindow() throws {
        let store = try SamplesStore.shared.get()
        let all = try rows(["traces", "--limit", "10000", "--json", "--db", store.database])
        let since = "2026-11-25T00:10:00.000Z", until = "2026-11-25T00:40:00.000Z"
        let inside = try rows(["traces", "--limit", "10000", "--since", since, "--until", until, "--json", "--db", store.database])
        let expected = all.filter { ($0["start"] as? String ?? "") >= since && ($0["start"] as? String ?? "") < until }
        #expect(!inside.isEmpty && inside.count < all.count)
        #expect(inside.map { $0["id"] as? String } == expected.map { $0["id"] as? String })
        // Relative: the last 30 minutes before the newest line.
        let recent = try rows(["traces", "--limit", "10000", "--since", "30m", "--json", "--db", store.database])
        let newest = try #require(all.compactMap { $0["start"] as? String }.max())
        #expect(!recent.isEmpty && recent.count < all.count)
        #expect(recent.allSatisfy { ($0["start"] as? String ?? "") >= "2026-11-25T00:30" && ($0["start"] as? String ?? "") <= newest })
        // Every filter with a window, as `meshlog help traces` shows it.
        let failing = try rows(["traces", "--service", "payment", "--status", "5xx", "--since", "2h", "--json", "--db", store.database])
        #expect(!failing.isEmpty)
        #expect(failing.allSatisfy { !($0["first_error"] as? String ?? "").isEmpty })
    }

    @Test func statusCountsOnlyItsWindow() throws {
        let store = try SamplesStore.shared.get()
        func requests(_ extra: [String]) throws -> Int {
            try rows(["status", "--json", "--db", store.database] + extra).reduce(0) { $0 + ($1["requests"] as? Int ?? 0) }
        }
        let whole = try requests([])
        let first = try requests(["--until", "2026-11-25T00:30:00Z"])
        let second = try requests(["--since", "2026-11-25T00:30:00Z"])
        #expect(first > 0 && second > 0)
        #expect(first + second == whole)
    }

    @Test func serviceNamesAreBoundNotQuotedIn() throws {
        let store = try SamplesStore.shared.get()
        for hostile in ["x' OR 1=1 --", "course'", "*/ SELECT 1 /*"] {
            let run = try MeshLogBinary.run(["status", "--service", hostile, "--json", "--explain", "--db", store.database])
            #expect(run.status == 0, "\(hostile): \(run.stderr)")
            #expect(try rows(["status", "--service", hostile, "--json", "--db", store.database]).isEmpty)
        }
        let run = try MeshLogBinary.run(["status", "--service", "course'", "--explain", "--db", store.database])
        // --explain shows the statement runnable, the value written in as an SQL literal.
        #expect(run.stderr.contains("WHERE value IN ('course''')"))
        #expect(try rows(["status", "--service", "course", "--json", "--db", store.database]).count == 1)
    }

    /// The rows of a command's `--json` array.
    private func rows(_ arguments: [String]) throws -> [[String: Any]] {
        let run = try MeshLogBinary.run(arguments)
        try #require(run.status == 0, "meshlog \(arguments.joined(separator: " ")): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    }
}
