import Foundation

/// Paths in this repository, for tests that read its samples, README and sources.
public enum Repository {
    /// The repository's top folder.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `samples/`: the generated pod logs and spans the README's commands run on.
    public static var samples: String { root.appendingPathComponent("samples").path }

    /// The path of `relative` in the repository.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `../shared/corpus` beside the repository, when present (a fresh clone has none).
    public static var corpus: String? {
        let p = root.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }
}
