import Foundation

/// `Tests/Fixtures/`: the small hand-written logs and span files the tests read on any clone.
public enum Fixtures {
    /// The folder.
    public static var root: String { Repository.path("Tests/Fixtures") }

    /// The path of `relative` (such as `spans/tempo-trace.json`) in the folder.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// The text of a fixture file.
    public static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// The span files the README's table lists, with the spans each holds (nil: not a span file, rejected).
    public static func spanFiles() throws -> [(file: String, spans: Int?)] {
        var out: [(String, Int?)] = []
        for row in try text("README.md").split(separator: "\n") where row.hasPrefix("| `spans/") {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            out.append((cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), Int(cells[1])))
        }
        return out
    }

    /// Every file in the folder, as paths relative to it (`logs/…`, `spans/…`), sorted.
    public static func allFiles() throws -> [String] {
        try ["logs", "spans"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: path(folder)).map { folder + "/" + $0 }
        }.sorted()
    }
}
