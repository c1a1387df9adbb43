import Foundation
import MeshLogTestSupport
import Testing

/// Every SQL statement lives in the store (MeshLogStore): the ingest, the analysis and the two
/// executables talk to it through its contracts, so another backend is an addition, not a fork.
@Suite("the store boundary")
struct StoreBoundaryTests {
    @Test func noSQLOutsideTheStore() throws {
        // A string literal (or a multi-line literal's first line) that starts a statement.
        let statement = try NSRegularExpression(
            pattern: #"("|^\s+)(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|ATTACH|VACUUM|ANALYZE)\s"#,
            options: [.anchorsMatchLines])
        let sources = Repository.root.appendingPathComponent("Sources")
        var found: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: sources.path))
        for case let file as String in files where file.hasSuffix(".swift") && !file.hasPrefix("MeshLogStore/") {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
            for (n, line) in lines.enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                // Doc comments, and the hints that show a user a `meshlog sql` command.
                if code.hasPrefix("//") || line.contains("meshlog sql") { continue }
                if statement.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil,
                   line.contains("\"") || (n > 0 && lines[n - 1].hasSuffix("\"\"\"")) {
                    found.append("\(file):\(n + 1): \(code)")
                }
            }
        }
        #expect(found.isEmpty, "SQL outside MeshLogStore:\n\(found.joined(separator: "\n"))")
    }
}
