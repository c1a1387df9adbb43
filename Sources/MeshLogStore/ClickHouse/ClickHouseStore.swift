import Foundation

/// A meshlog store on a ClickHouse server or cluster: the connection to its first server, the
/// shards the cluster lists, and the schema (``ClickHouseSchema``) brought up to date.
public final class ClickHouseStore {
    public let endpoint: ClickHouseEndpoint
    /// The connection to the store URL's server.
    public let client: ClickHouseClient
    /// The HTTP endpoints of the cluster's shards (the store URL's server alone without a cluster).
    public private(set) var shards: [ClickHouseEndpoint] = []

    /// Opens a connection; nothing is read until a method asks.
    public init(endpoint: ClickHouseEndpoint) {
        self.endpoint = endpoint
        client = ClickHouseClient(endpoint: endpoint)
    }

    /// The table to read or insert through: the `Distributed` table over a cluster (`_all`), else the local table.
    public func table(_ name: String) -> String {
        endpoint.cluster == nil ? name + "_local" : name + "_all"
    }

    /// The servers of the cluster (`system.clusters`), by shard; their HTTP ports are taken to be
    /// the TCP port less one when it is not 9000 (as `scripts/clickhouse-cluster` sets them up),
    /// else 8123.
    public func discoverShards() throws -> [ClickHouseEndpoint] {
        guard let cluster = endpoint.cluster else {
            shards = [endpoint]
            return shards
        }
        let rows = try client.rows("""
            SELECT shard_num, host_address, port FROM system.clusters
            WHERE cluster = '\(Self.escaped(cluster))' AND replica_num = 1 ORDER BY shard_num
            """, database: false)
        guard !rows.isEmpty else {
            throw ClickHouseStoreError.noCluster(cluster: cluster, url: endpoint.description)
        }
        shards = rows.map { row in
            var shard = endpoint
            shard.host = row[1] ?? endpoint.host
            let tcp = Int(row[2] ?? "") ?? 9000
            shard.port = tcp == 9000 ? 8123 : tcp - 1
            if shard.host == "127.0.0.1" || shard.host == "::1", endpoint.host == "localhost" { shard.host = endpoint.host }
            return shard
        }
        return shards
    }

    /// Creates the database and every table on every shard, runs the migrations not yet applied on
    /// each, and returns the names applied (empty when the store was up to date).
    @discardableResult
    public func migrate() throws -> [String] {
        let shards = try discoverShards()
        var applied: [String] = []
        for (index, shard) in shards.enumerated() {
            let c = shard == endpoint ? client : ClickHouseClient(endpoint: shard)
            try c.execute("CREATE DATABASE IF NOT EXISTS \(endpoint.database)", database: false)
            try c.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (name String, applied_at DateTime DEFAULT now())
                ENGINE = MergeTree() ORDER BY name
                """)
            let done = Set(try c.rows("SELECT name FROM schema_migrations").compactMap { $0.first ?? nil })
            for migration in ClickHouseSchema.migrations where !done.contains(migration.name) {
                for statement in migration.shards {
                    if statement.contains("ENGINE = Distributed"), endpoint.cluster == nil { continue }
                    try c.execute(statement.replacingOccurrences(of: "{cluster}", with: endpoint.cluster ?? ""))
                }
                if index == 0 {
                    for statement in migration.first {
                        try c.execute(statement.replacingOccurrences(of: "{log_line}", with: table("log_line"))
                            .replacingOccurrences(of: "{span}", with: table("span")))
                    }
                }
                try c.execute("INSERT INTO schema_migrations (name) VALUES ('\(migration.name)')")
                if !applied.contains(migration.name) { applied.append(migration.name) }
            }
        }
        return applied
    }

    /// Checks that the store exists and is up to date (for reading).
    public func checkSchema() throws {
        let done: Set<String>
        do {
            done = Set(try client.rows("SELECT name FROM schema_migrations").compactMap { $0.first ?? nil })
        } catch let error as ClickHouseError where error.code == 81 || error.code == 60 {
            throw ClickHouseStoreError.notCreated(url: endpoint.description)
        }
        if let missing = ClickHouseSchema.migrations.first(where: { !done.contains($0.name) }) {
            throw ClickHouseStoreError.outdated(url: endpoint.description, missing: missing.name)
        }
    }

    /// A string as a ClickHouse string literal's content.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A string as a quoted ClickHouse literal.
    public static func literal(_ text: String) -> String { "'" + escaped(text) + "'" }
}

/// Problems with a ClickHouse store as a whole.
public enum ClickHouseStoreError: Error, CustomStringConvertible, Sendable {
    case noCluster(cluster: String, url: String)
    case notCreated(url: String)
    case outdated(url: String, missing: String)

    public var description: String {
        switch self {
        case .noCluster(let cluster, let url):
            "the server at \(url) has no cluster '\(cluster)' in system.clusters (check remote_servers, or leave ?cluster= out for one server)"
        case .notCreated(let url):
            "no meshlog store at \(url): create it with `meshlog init --store \(url)` or ingest into it"
        case .outdated(let url, let missing):
            "the store at \(url) lacks migration \(missing): run `meshlog init --store \(url)`"
        }
    }
}

// MARK: - Figures for the benchmark

extension ClickHouseStore {
    /// Drops the store's database on every shard (the benchmark's fresh start).
    public func dropDatabase() throws {
        for shard in try discoverShards() {
            try ClickHouseClient(endpoint: shard).execute("DROP DATABASE IF EXISTS \(endpoint.database)", database: false)
        }
    }

    /// Lines stored (all sources).
    public func lineCount() throws -> Int64 {
        Int64(try client.rows("SELECT count() FROM \(table("log_line"))").first?.first??.description ?? "0") ?? 0
    }

    /// The x-request-id of some stored line about `fraction` of the way through the store.
    public func sampleRequestID(fraction: Double) throws -> String? {
        let lines = try lineCount()
        let offset = Int64(Double(lines) * min(max(fraction, 0), 1))
        return try client.rows("""
            SELECT lower(UUIDNumToString(toFixedString(req, 16))) FROM \(table("log_line")) WHERE req_kind = 3
            LIMIT 1 OFFSET \(max(0, offset - 1))
            """).first?.first ?? nil
    }

    /// Compressed and uncompressed bytes of the store's active parts on every shard, per table kind.
    public func storedBytes() throws -> (lines: Int64, summaries: Int64, uncompressedLines: Int64) {
        var lines: Int64 = 0, summaries: Int64 = 0, raw: Int64 = 0
        for shard in try discoverShards() {
            for row in try ClickHouseClient(endpoint: shard).rows("""
                SELECT table, sum(data_compressed_bytes), sum(data_uncompressed_bytes) FROM system.parts
                WHERE database = '\(Self.escaped(endpoint.database))' AND active GROUP BY table
                """, database: false) {
                let compressed = Int64(row[1] ?? "") ?? 0
                if row[0] == "log_line_local" {
                    lines += compressed
                    raw += Int64(row[2] ?? "") ?? 0
                } else if row[0]?.hasPrefix("summary_") == true {
                    summaries += compressed
                }
            }
        }
        return (lines, summaries, raw)
    }
}
