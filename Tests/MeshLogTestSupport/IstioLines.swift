import Foundation

/// Builds Istio-format lines with distinct request ids and known values.
public enum IstioLines {
    /// One outbound line from frontend to course with a given index (varies id, path, duration).
    public static func outbound(_ i: Int, status: Int = 200, flags: String = "-", subset: String = "v1") -> String {
        let id = String(format: "%08x-0000-4000-8000-%012x", i, i)
        let ms = 5 + i % 40
        let second = i % 60, minute = (i / 60) % 60
        return #"[2026-11-25T10:\#(String(format: "%02d:%02d", minute, second)).\#(String(format: "%03d", i % 1000))Z] "GET /courses/\#(i % 97)/lessons/\#(i) HTTP/1.1" \#(status) \#(flags) via_upstream - "-" 0 \#(100 + i % 900) \#(ms) \#(ms - 1) "-" "frontend/1.0" "\#(id)" "course.lms.svc.cluster.local:8080" "10.244.2.\#(i % 200):8080" outbound|8080|\#(subset)|course.lms.svc.cluster.local 10.244.1.9:\#(30000 + i % 30000) 10.96.14.22:8080 10.244.1.9:40112 - default"#
    }

    /// `count` outbound lines joined with newlines (and a final newline).
    public static func file(_ count: Int, from start: Int = 0) -> String {
        (start..<(start + count)).map { outbound($0) }.joined(separator: "\n") + "\n"
    }
}
