import Foundation
import MeshLogCore
import MeshLogIngest
import MeshLogStore
@_exported import MeshLogTestSupport

/// Builds Istio-format lines with distinct request ids and known values.
enum IstioLines {
    /// One outbound line from frontend to course with a given index (varies id, path, duration).
    static func outbound(_ i: Int, status: Int = 200, flags: String = "-", subset: String = "v1") -> String {
        let id = String(format: "%08x-0000-4000-8000-%012x", i, i)
        let ms = 5 + i % 40
        let second = i % 60, minute = (i / 60) % 60
        return #"[2026-11-25T10:\#(String(format: "%02d:%02d", minute, second)).\#(String(format: "%03d", i % 1000))Z] "GET /courses/\#(i % 97)/lessons/\#(i) HTTP/1.1" \#(status) \#(flags) via_upstream - "-" 0 \#(100 + i % 900) \#(ms) \#(ms - 1) "-" "frontend/1.0" "\#(id)" "course.lms.svc.cluster.local:8080" "10.244.2.\#(i % 200):8080" outbound|8080|\#(subset)|course.lms.svc.cluster.local 10.244.1.9:\#(30000 + i % 30000) 10.96.14.22:8080 10.244.1.9:40112 - default"#
    }

    /// `count` outbound lines joined with newlines (and a final newline).
    static func file(_ count: Int, from start: Int = 0) -> String {
        (start..<(start + count)).map { outbound($0) }.joined(separator: "\n") + "\n"
    }
}

/// Ingests paths into a database file and returns the summary.
@discardableResult
func ingest(_ paths: [String], db: String, options: IngestOptions = IngestOptions()) throws -> IngestSummary {
    let database = try SQLiteStore.openForWriting(path: db)
    let ingester = try Ingester(db: database, options: options)
    return try ingester.run(try InputDiscovery.expand(paths))
}

/// Runs a query and returns the first column of the first row.
func scalar(_ db: String, _ sql: String) throws -> SQLValue {
    try SQLiteStore.openForReading(path: db).scalar(sql)
}

/// Runs a system tool (`/usr/bin/tar`, `/bin/gzip`) and returns its exit status and output.
@discardableResult
func runTool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// gzips a file with the system gzip, returning the new path.
func gzip(_ path: String) throws -> String {
    try runTool("/bin/gzip", ["-kf", path])
    return path + ".gz"
}
