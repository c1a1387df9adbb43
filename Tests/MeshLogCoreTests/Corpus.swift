import Foundation

/// Locates the shared corpus of real sample files beside the package (`../shared/corpus`).
enum Corpus {
    /// The corpus folder, or nil when it is absent (tests then skip).
    static let root: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// Whether the corpus is present.
    static var available: Bool { root != nil }

    /// The lines of a corpus file (without newlines; a final line without newline included).
    static func lines(_ relative: String) throws -> [String] {
        guard let root else { return [] }
        let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map { String($0) }
    }
}
