import MeshLogStore
import MeshLogWeb

/// What `meshlog serve` passes to `meshlog-serve`: `--listen ADDRESS`, `--store URL` or `--db PATH`, `--queries DIR`.
public struct ServeArguments: Sendable, Equatable {
    public var listen = ListenAddress(parsing: "127.0.0.1:8080")!
    /// `--store` or `--db` as given (nil: `$MESHLOG_STORE`, `$MESHLOG_DB`, else ./meshlog.db).
    public var store: String?
    public var queries: String?

    /// Reads the arguments; the error says which one is wrong.
    public init(parsing arguments: [String]) throws(ServeArgumentError) {
        var i = 0
        while i < arguments.count {
            let name = arguments[i]
            guard i + 1 < arguments.count else { throw ServeArgumentError("\(name) needs a value") }
            let value = arguments[i + 1]
            switch name {
            case "--listen":
                guard let address = ListenAddress(parsing: value) else { throw ServeArgumentError("cannot read --listen '\(value)'") }
                listen = address
            case "--store", "--db": store = value
            case "--queries": queries = value
            default: throw ServeArgumentError("unknown argument '\(name)'; meshlog-serve takes --listen, --store or --db, and --queries (run it as `meshlog serve`)")
            }
            i += 2
        }
    }

    /// The store these arguments name.
    public func location() throws -> StoreLocation {
        try StoreLocation.resolve(store)
    }
}

/// A `meshlog-serve` argument that cannot be read.
public struct ServeArgumentError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
