/// A failure that ends a command with exit status 1 and a one-line message, without usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }
}
