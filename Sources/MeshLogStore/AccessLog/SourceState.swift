/// Where the store records an input to be (`source.state`); the raw values are what stores hold.
public enum SourceState: String, Sendable, CaseIterable {
    /// Being read, or stopped part way (killed, or a followed file still growing): `lines_read` says how far.
    case partial
    /// Read to its end.
    case done
    /// Read to its end, with the same content as an older `done` source: its rows were taken out again.
    case duplicate
    /// Ended by a read error (`error` says which).
    case failed

    /// The state as an SQL string literal, for statements that test or set it.
    public var sql: String { "'\(rawValue)'" }
}
