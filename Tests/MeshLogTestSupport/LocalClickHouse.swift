import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MeshLogStore

/// A ClickHouse cluster on loopback for one test suite: `scripts/clickhouse-cluster` starts one
/// `clickhouse-server` per shard, each with its own config and data under a temporary folder, and
/// `stop()` (or deinit) stops them by PID. Never a system service.
public final class LocalClickHouse: @unchecked Sendable {
    /// Why the suites that need ClickHouse skip on this machine, or nil when they can run.
    public static let unavailable: String? = {
        let candidates = [ProcessInfo.processInfo.environment["CLICKHOUSE_SERVER"], "/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"]
        if candidates.compactMap({ $0 }).contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return nil }
        return "clickhouse-server is not installed (apt-get install clickhouse-server; .ci/run installs it): the ClickHouse tests skip"
    }()

    /// Ports handed out so far by this process (each cluster takes its own range).
    nonisolated(unsafe) private static var nextBase = 0
    private static let lock = NSLock()

    public let directory: TemporaryDirectory
    public let shards: Int
    public let basePort: Int
    /// `clickhouse://127.0.0.1:PORT/DATABASE?cluster=meshlog` (no cluster with one shard unless asked).
    public let url: String
    private var stopped = false

    /// Starts `shards` servers; `database` names the store's database.
    public init(shards: Int = 3, database: String = "meshlog", cluster: Bool = true) throws {
        self.shards = shards
        directory = try TemporaryDirectory(prefix: "meshlog-clickhouse")
        Self.registerExitHandler()
        // Ports below Linux's ephemeral range (32768 on), so no outgoing connection holds one; a
        // start that fails (a port taken after all) is tried again on the next range.
        var attempt = 0
        var base = 0
        while true {
            base = Self.lock.withLock { () -> Int in
                if Self.nextBase == 0 || Self.nextBase > 32_000 { Self.nextBase = 20_000 + Int(ProcessInfo.processInfo.processIdentifier % 60) * 200 }
                defer { Self.nextBase += 40 }
                return Self.nextBase
            }
            let result = try Self.script(["start", directory.path, String(shards), String(base)])
            if result.status == 0 { break }
            _ = try? Self.script(["kill", directory.path])
            attempt += 1
            guard attempt < 3 else { throw LocalClickHouseError(message: "scripts/clickhouse-cluster start failed: \(result.output)") }
        }
        basePort = base
        url = "clickhouse://127.0.0.1:\(base)/\(database)" + (cluster ? "?cluster=meshlog" : "")
        let folder = directory.path
        Self.lock.withLock { _ = Self.running.insert(folder) }
    }

    deinit { stop() }

    /// The folders of the clusters this process started and has not stopped.
    nonisolated(unsafe) private static var running: Set<String> = []
    nonisolated(unsafe) private static var handlerRegistered = false

    /// Stops every cluster still running when the test process exits (a suite's shared cluster);
    /// the script's watchdog stops them if the process dies without exiting.
    private static func registerExitHandler() {
        lock.withLock {
            guard !handlerRegistered else { return }
            handlerRegistered = true
            // Foundation's Process cannot be used while the process exits: system(3) runs the script.
            atexit {
                for folder in LocalClickHouse.running {
                    _ = system("/bin/bash '\(Repository.path("scripts/clickhouse-cluster"))' kill '\(folder)' >/dev/null 2>&1")
                }
            }
        }
    }

    /// Stops every server.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        _ = try? Self.script(["kill", directory.path])
        let folder = directory.path
        Self.lock.withLock { _ = Self.running.remove(folder) }
    }

    /// Stops one shard (0-based) at once (SIGKILL), for fault tests.
    public func stopShard(_ index: Int) throws { _ = try Self.script(["stop-shard", directory.path, String(index), "KILL"]) }

    /// Starts a stopped shard again.
    public func startShard(_ index: Int) throws { _ = try Self.script(["start-shard", directory.path, String(index)]) }

    /// Runs a statement on shard `index` and returns its output (name a format for several columns).
    public func query(_ sql: String, shard index: Int = 0) throws -> String {
        let client = ClickHouseClient(endpoint: ClickHouseEndpoint(host: "127.0.0.1", port: basePort + 10 * index, database: "default"))
        let text = sql.replacingOccurrences(of: "FORMAT TSV", with: "")
        return try client.rows(text, database: false).map { $0.map { $0 ?? "\\N" }.joined(separator: "\t") }.joined(separator: "\n")
            + "\n"
    }

    /// Runs the script with posix_spawn and waitpid: Foundation's Process sometimes never saw this
    /// script exit (its servers and watchdog live on in new sessions), and the suite hung.
    private static func script(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("meshlog-clickhouse-script-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let argv = ["/bin/bash", Repository.path("scripts/clickhouse-cluster")] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CLICKHOUSE_CLUSTER_OWNER"] = String(ProcessInfo.processInfo.processIdentifier)
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envp.map { strdup($0) } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, cArgs, cEnv)
        guard spawned == 0 else { throw LocalClickHouseError(message: "cannot run scripts/clickhouse-cluster: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}

public struct LocalClickHouseError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
