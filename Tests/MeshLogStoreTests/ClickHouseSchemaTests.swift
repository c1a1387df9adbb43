import Foundation
import Testing
import MeshLogStore
import MeshLogTestSupport

/// The ClickHouse schema on a real 3-shard cluster started by the test (skipped without clickhouse-server).
@Suite(.serialized, .enabled(if: LocalClickHouse.unavailable == nil, "\(LocalClickHouse.unavailable ?? "")"))
struct ClickHouseSchemaTests {
    @Test func initCreatesEveryTableOnEveryShardAndIsSafeTwice() throws {
        let cluster = try LocalClickHouse(shards: 3)
        defer { cluster.stop() }
        guard case .clickhouse(let endpoint) = try StoreLocation.parse(cluster.url) else { Issue.record("not a ClickHouse URL"); return }
        let store = ClickHouseStore(endpoint: endpoint)
        #expect(try store.migrate() == ClickHouseSchema.migrations.map(\.name))
        #expect(try store.migrate().isEmpty)
        try store.checkSchema()
        #expect(store.shards.count == 3)
        for shard in 0..<3 {
            let tables = try cluster.query("SELECT name FROM system.tables WHERE database = 'meshlog' ORDER BY name FORMAT TSV", shard: shard)
            for name in ["log_line_all", "log_line_local", "span_all", "span_local", "summary_minute_local", "summary_minute_mv", "summary_hour_local"] {
                #expect(tables.split(separator: "\n").contains(Substring(name)), "shard \(shard) lacks \(name)")
            }
        }
        // The public views live on the first server and answer with SQLite's columns.
        let columns = try cluster.query("SELECT name FROM system.columns WHERE database = 'meshlog' AND table = 'access_log' FORMAT TSV")
        #expect(columns.split(separator: "\n").map(String.init) == [
            "id", "start_time", "start_us", "reporter", "direction", "method", "authority", "path", "route", "protocol", "status",
            "flags", "details", "termination_details", "transport_failure", "bytes_received", "bytes_sent", "duration_ms",
            "upstream_ms", "request_id", "trace_id", "upstream_host", "upstream_cluster", "service", "namespace", "subset",
            "upstream_local", "downstream_local", "downstream_remote", "sni", "route_name", "user_agent", "x_forwarded_for",
            "extra", "source", "line", "logged_at", "workload", "source_workload", "destination_workload", "peer_identity",
        ])
        let spanColumns = try cluster.query("SELECT name FROM system.columns WHERE database = 'meshlog' AND table = 'span' FORMAT TSV")
        #expect(spanColumns.split(separator: "\n").map(String.init) == [
            "trace_id", "span_id", "parent_id", "service", "name", "kind", "start_us", "duration_us", "status", "http_status",
            "request_id", "attributes", "source", "line",
        ])
    }

    @Test func serverErrorsNameTheStatementAndUnreachableServersTheURL() throws {
        let cluster = try LocalClickHouse(shards: 1, cluster: false)
        defer { cluster.stop() }
        guard case .clickhouse(let endpoint) = try StoreLocation.parse(cluster.url) else { return }
        let client = ClickHouseClient(endpoint: endpoint)
        #expect(throws: ClickHouseError.self) { try client.rows("SELECT nosuchcolumn FROM system.one", database: false) }
        do {
            _ = try client.rows("SELECT nosuchcolumn FROM system.one", database: false)
        } catch let error as ClickHouseError {
            #expect(error.code == 47)
            #expect(error.description.contains("nosuchcolumn"))
            #expect(error.description.contains("(in: SELECT nosuchcolumn FROM system.one)"))
            #expect(!error.description.contains("e.what()"))
        }
        #expect(throws: ClickHouseStoreError.self) { try ClickHouseStore(endpoint: endpoint).checkSchema() }
        cluster.stop()
        do {
            _ = try ClickHouseClient(endpoint: endpoint).rows("SELECT 1", database: false)
            Issue.record("a stopped server answered")
        } catch let error as ClickHouseError {
            #expect(error.description.contains("cannot reach ClickHouse at clickhouse://127.0.0.1:\(cluster.basePort)/meshlog"))
        }
    }

    @Test func storeLocationsReadPathsSQLiteAndClickHouseURLs() throws {
        #expect(try StoreLocation.parse("x.db") == .sqlite(path: "x.db"))
        #expect(try StoreLocation.parse("sqlite:/tmp/a.db") == .sqlite(path: "/tmp/a.db"))
        #expect(try StoreLocation.parse("clickhouse://h:9123/logs?cluster=c") ==
                .clickhouse(ClickHouseEndpoint(host: "h", port: 9123, database: "logs", cluster: "c")))
        #expect(try StoreLocation.parse("clickhouse://h") == .clickhouse(ClickHouseEndpoint(host: "h")))
        #expect(throws: StoreLocationError.self) { try StoreLocation.parse("postgres://h/db") }
        #expect(throws: StoreLocationError.self) { try StoreLocation.parse("clickhouse://h/x?shards=2") }
        #expect(throws: StoreLocationError.self) { try StoreLocation.parse("clickhouse://h/bad-name") }
    }
}
