/// A failure that ends a command with exit status 1 and a one-line message, without usage text.
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ message: String) { description = message }
}
