import Foundation

/// Runs a system tool (`/usr/bin/tar`, `/bin/gzip`) and returns its exit status and output.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
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
public func gzip(_ path: String) throws -> String {
    try runTool("/bin/gzip", ["-kf", path])
    return path + ".gz"
}
