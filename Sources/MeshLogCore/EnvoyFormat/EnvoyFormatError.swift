/// A problem in an Envoy access-log format string, with the position where it was found.
public enum EnvoyFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A `%` opens a command that never closes.
    case unterminatedCommand(position: Int)
    /// A `%` is followed by something that is not a command name (upper-case letters, digits, `_`).
    case invalidCommandName(position: Int, found: String)
    /// A command's `(` argument has no closing `)`.
    case unterminatedArgument(command: String, position: Int)
    /// The `:LEN` suffix is not a positive number of at most 32 bits.
    case invalidLength(command: String, position: Int)
    /// Two operators touch with no literal text between them, so a line cannot be split between them.
    case adjacentCommands(first: String, second: String, position: Int)
    /// The format string has no command operator at all.
    case noCommands
    /// A `START_TIME` pattern that cannot be parsed back.
    case unsupportedTimePattern(pattern: String, position: Int)

    public var description: String {
        switch self {
        case .unterminatedCommand(let p):
            "format error at position \(p): '%' starts a command that is never closed; write %% for a literal percent sign"
        case .invalidCommandName(let p, let found):
            "format error at position \(p): '\(found)' is not a command operator; operators are upper-case like %START_TIME% or %REQ(:METHOD)%"
        case .unterminatedArgument(let c, let p):
            "format error at position \(p): the argument of %\(c)(...)% has no closing ')'"
        case .invalidLength(let c, let p):
            "format error at position \(p): the length after %\(c)...:% must be a positive number, as in %REQ(USER-AGENT):64%"
        case .adjacentCommands(let a, let b, let p):
            "format error at position \(p): %\(a)% and %\(b)% touch with no text between them, so lines cannot be split; put a separator between them"
        case .noCommands:
            "format error: the format string has no command operator such as %START_TIME%"
        case .unsupportedTimePattern(let pattern, let p):
            "format error at position \(p): START_TIME pattern '\(pattern)' is not supported; use %Y %m %d %H %M %S %s %f %3f..%9f %z and literals"
        }
    }
}
