import Foundation
import Testing
@testable import MeshLogStore

/// 005 moves a store written before it (one wide `log_entry` table) into `log_row` and its
/// `destination` and `variant` dimensions, with `access_log` reading the same afterwards.
@Suite("Migration 005: narrow rows")
struct NarrowRowsMigrationTests {
    @Test func oldRowsReadTheSameThroughAccessLogAfterTheMigration() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("m005-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let db = try Database(path: path)
        db.registerMeshLogFunctions()
        try StoreSchema.migrator(through: "004-pod-identity").migrate(db)
        #expect(try StoreSchema.migrator.pendingMigrations(db).first == "005-narrow-rows")
        try db.execute("""
            INSERT INTO dict(id, value) VALUES (1, 'GET'), (2, 'HTTP/1.1'), (3, 'course:8080'), (4, 'outbound|8080|v1|course.lms.svc.cluster.local'),
              (5, 'course'), (6, 'lms'), (7, 'v1'), (8, 'curl/8.5.0'), (9, '/courses/1'), (10, '/courses/{id}'), (11, 'POST'),
              (12, 'inbound|8080||'), (13, 'course-v1-7c9d8f6b5-x2kqp'), (14, 'UF,URX');
            INSERT INTO flag_set(flags, flag) VALUES (14, 'UF'), (14, 'URX');
            INSERT INTO source(id, path, state) VALUES (1, 'a.log', 'done');
            INSERT INTO log_entry(id, source_id, line, start_us, reporter, direction, method, authority, path, route, protocol,
              status, flags, duration_ms, cluster, service, namespace, subset, user_agent, downstream_remote)
            VALUES (1, 1, 1, 1764028800000000, 13, 2, 1, 3, 9, 10, 2, 200, NULL, 12, 4, 5, 6, 7, 8, 183439233771600),
                   (2, 1, 2, 1764028800100000, 13, 1, 11, 3, 9, 10, 2, 503, 14, 3, 12, 5, 6, NULL, NULL, NULL),
                   (3, 1, 3, 1764028800200000, 13, 2, 1, 3, 9, 10, 2, 200, NULL, 7, 4, 5, 6, 7, 8, NULL);
            """)
        let columns = "id, start_time, reporter, direction, method, authority, path, route, protocol, status, flags, duration_ms, upstream_cluster, service, namespace, subset, user_agent, downstream_remote, source, line"
        let before = try db.rows("SELECT \(columns) FROM access_log ORDER BY id")
        try StoreSchema.migrator.migrate(db)
        #expect(try StoreSchema.migrator.pendingMigrations(db).isEmpty)
        let after = try db.rows("SELECT \(columns) FROM access_log ORDER BY id")
        #expect(after == before)
        #expect(after.count == 3)
        #expect(after[1][4] == .text("POST"))
        #expect(try db.scalar("SELECT count(*) FROM destination").int64 == 2)
        #expect(try db.scalar("SELECT count(*) FROM variant").int64 == 2)
        #expect(try db.rows("SELECT flag FROM access_log_flag WHERE id = 2 ORDER BY flag") == [[.text("UF")], [.text("URX")]])
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'log_row_%' AND type = 'index'").int64 == 3)  // req, tid, dest_start: 010 dropped log_row_start
    }
}
