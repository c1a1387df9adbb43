import MeshLogStore

/// What to do with an input the store may have seen before: the one rule `Ingester` and `Follower` share.
enum SourceResume: Equatable {
    /// Its source is finished with the same content: all `lines` lines are stored already.
    case alreadyIngested(lines: Int)
    /// Its source stopped part way: continue it after the `lines` lines it holds.
    case resume(lines: Int)
    /// Read it from its first line as a new source.
    case startNew

    /// Decides from what the store knows of the input's source: its `state` (nil when no source
    /// matched) and `linesRead`. `sameContent` is asked only about a finished source, whose
    /// fingerprint may match a different file.
    ///
    /// - `partial`: resume after `linesRead` (a killed or stopped run).
    /// - `done` or `duplicate` with the same content: already ingested; else a new source.
    /// - `failed`, or no source: a new source.
    static func decide(state: SourceState?, linesRead: Int, sameContent: () throws -> Bool) rethrows -> SourceResume {
        switch state {
        case .partial?: return .resume(lines: linesRead)
        case .done?, .duplicate?: return try sameContent() ? .alreadyIngested(lines: linesRead) : .startNew
        case .failed?, nil: return .startNew
        }
    }
}
