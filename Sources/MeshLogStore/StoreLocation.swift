import Foundation

/// Where a store lives: a SQLite file, or a database on a ClickHouse cluster.
///
/// Read from `--store` (or `--db`, or `$MESHLOG_STORE`, or `$MESHLOG_DB`): a plain path or
/// `sqlite:PATH` is SQLite; `clickhouse://HOST:PORT/DATABASE?cluster=NAME` is ClickHouse's HTTP
/// interface on HOST:PORT (8123 when left out), database DATABASE (`meshlog` when left out), the
/// cluster NAME from the server's `remote_servers` (none: one server holds everything).
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case clickhouse(ClickHouseEndpoint)

    /// Reads a store location; nil or empty falls back to `$MESHLOG_STORE`, `$MESHLOG_DB`, then `./meshlog.db`.
    public static func resolve(_ text: String?) throws -> StoreLocation {
        let env = ProcessInfo.processInfo.environment
        let given = [text, env["MESHLOG_STORE"], env["MESHLOG_DB"]].compactMap { $0 }.first { !$0.isEmpty }
        guard let given else { return .sqlite(path: "meshlog.db") }
        return try parse(given)
    }

    /// Reads one location string.
    public static func parse(_ text: String) throws -> StoreLocation {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw StoreLocationError(text: text, reason: "sqlite: needs a path, as in sqlite:./meshlog.db") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("clickhouse://") || text.hasPrefix("clickhouse+http://") {
            return .clickhouse(try ClickHouseEndpoint(url: text))
        }
        if let scheme = text.range(of: "://"), !text[..<scheme.lowerBound].contains("/") {
            throw StoreLocationError(text: text, reason: "unknown scheme '\(text[..<scheme.lowerBound])': use a path, sqlite:PATH or clickhouse://HOST:8123/DATABASE?cluster=NAME")
        }
        return .sqlite(path: text)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .clickhouse(let endpoint): endpoint.description
        }
    }
}

/// A store location that cannot be read.
public struct StoreLocationError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "cannot use store '\(text)': \(reason)" }
}

/// A ClickHouse server's HTTP interface, the database meshlog uses on it, and the cluster its tables span.
public struct ClickHouseEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    /// The `remote_servers` cluster the tables are spread over; nil for one server.
    public var cluster: String?
    public var user: String?
    public var password: String?

    public init(host: String, port: Int = 8123, database: String = "meshlog", cluster: String? = nil,
                user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.cluster = cluster
        self.user = user
        self.password = password
    }

    /// Reads `clickhouse://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE][?cluster=NAME]`.
    public init(url text: String) throws {
        guard let components = URLComponents(string: text.replacingOccurrences(of: "clickhouse+http://", with: "clickhouse://")),
              let host = components.host, !host.isEmpty else {
            throw StoreLocationError(text: text, reason: "expected clickhouse://HOST:8123/DATABASE?cluster=NAME")
        }
        self.host = host
        port = components.port ?? 8123
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        database = path.isEmpty ? "meshlog" : path
        guard database.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), database.first?.isNumber == false else {
            throw StoreLocationError(text: text, reason: "the database name '\(database)' must be letters, digits and _")
        }
        user = components.user
        password = components.password
        cluster = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "cluster": cluster = item.value.flatMap { $0.isEmpty ? nil : $0 }
            case "user": user = item.value
            case "password": password = item.value
            default:
                throw StoreLocationError(text: text, reason: "unknown parameter '\(item.name)' (known: cluster, user, password)")
            }
        }
    }

    /// The URL as the user gave it, less any password.
    public var description: String {
        "clickhouse://\(user.map { $0 + "@" } ?? "")\(host):\(port)/\(database)\(cluster.map { "?cluster=" + $0 } ?? "")"
    }
}
