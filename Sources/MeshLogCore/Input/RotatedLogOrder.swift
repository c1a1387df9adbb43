/// Orders kubelet-rotated logs so one container's stream reads in time order:
/// `0.log.20261125-091500.gz`, `0.log.20261125-101500`, then the live `0.log`.
public enum RotatedLogOrder {
    /// The live file a path rotates from, and its rotation stamp (nil for the live file itself).
    public static func key(_ path: String) -> (live: String, stamp: String?) {
        var p = Substring(path)
        if p.hasSuffix(".gz") { p = p.dropLast(3) }
        // `<name>.log.<YYYYMMDD-HHMMSS>`
        if let dot = p.lastIndex(of: ".") {
            let stamp = p[p.index(after: dot)...]
            if stamp.count == 15, stamp.dropFirst(8).first == "-",
               stamp.allSatisfy({ $0.isNumber || $0 == "-" }), p[..<dot].hasSuffix(".log") {
                return (String(p[..<dot]), String(stamp))
            }
        }
        return (String(p), nil)
    }

    /// Sorts inputs so rotated generations of a file come oldest first, right before the live file;
    /// other files keep their order.
    public static func sort(_ files: [InputFile]) -> [InputFile] {
        let keyed = files.enumerated().map { (index: $0.offset, file: $0.element, key: key($0.element.path)) }
        // Each live name takes the position of its first appearance.
        var firstIndex: [String: Int] = [:]
        for k in keyed where firstIndex[k.key.live] == nil { firstIndex[k.key.live] = k.index }
        return keyed.sorted { a, b in
            let fa = firstIndex[a.key.live]!, fb = firstIndex[b.key.live]!
            if fa != fb { return fa < fb }
            switch (a.key.stamp, b.key.stamp) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.index < b.index
            }
        }.map(\.file)
    }
}
