import Foundation
import MeshLogAnalysis
import MeshLogStore
import Testing

/// The ingester may store one value under two dictionary ids (its string table forgets past a
/// size limit, and a later run preloads only part of `dict`). Answers must still give one group per name.
@Suite("one name under several dictionary ids")
struct DictionaryCollisionTests {
    let fixture = Fixture.shared

    @Test("status, hops and graph merge ids that name the same service")
    func merged() throws {
        let copy = fixture.directory.appendingPathComponent("collide-\(UUID().uuidString).db").path
        try SQLiteStore.openForReading(path: fixture.dbPath).execute("VACUUM INTO '\(copy)'")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        do {
            let db = try SQLiteStore.openForWriting(path: copy)
            try db.execute("INSERT INTO dict(id, value) VALUES (900000001, 'course'), (900000002, 'v1')")
            // Half of course's (and course v1's) lines get a destination naming them by the new ids.
            try db.execute("""
                INSERT INTO destination(id, cluster, direction, service, namespace, subset)
                SELECT id + 1000000, cluster, direction, 900000001, namespace, CASE WHEN subset IS NULL THEN NULL ELSE 900000002 END
                FROM destination WHERE service = (SELECT min(id) FROM dict WHERE value = 'course')
                  AND (subset IS NULL OR subset = (SELECT min(id) FROM dict WHERE value = 'v1'));
                UPDATE log_row SET dest = dest + 1000000
                WHERE id % 2 = 0 AND dest IN (SELECT id - 1000000 FROM destination WHERE id > 1000000);
                """)
            #expect(try db.scalar("SELECT count(*) FROM log_entry WHERE service = 900000001").int64 ?? 0 > 100)
            // Rows were changed behind the ingester's back: bring the summaries up to date.
            let span = try db.rows("SELECT min(start_us) / 60000000, max(start_us) / 60000000 FROM log_row")[0]
            try SummarySchema.rebuild(db, firstMinute: span[0].int64!, lastMinute: span[1].int64!, withUntimed: true)
        }
        let original = try fixture.session()
        let collided = try AnswerSession(path: copy, since: nil, until: nil, services: [])

        let a = try StatusReport(session: original, by: [.edge], side: .hop).result.groups
        let b = try StatusReport(session: collided, by: [.edge], side: .hop).result.groups
        #expect(a.count == b.count)
        for g in a {
            #expect(b.first { $0.keys == g.keys }?.requests == g.requests)
        }

        let hopsA = try HopsReport(session: original).edges
        let hopsB = try HopsReport(session: collided).edges
        #expect(hopsA.count == hopsB.count)
        for e in hopsA {
            let f = try #require(hopsB.first { $0.source == e.source && $0.service == e.service && $0.subset == e.subset })
            #expect(f.requests == e.requests && f.matched == e.matched)
            #expect(f.client == e.client && f.server == e.server && f.overhead == e.overhead && f.upstream == e.upstream)
        }
        #expect(collided.reader.executedSQL.contains { $0.contains("(SELECT value FROM dict WHERE id = d.service)") })

        let graphA = try ServiceGraph(session: original).edges.map { [$0.row.source, $0.row.service, $0.row.subset, "\($0.row.requests)", "\($0.row.p99 ?? -1)"] }
        let graphB = try ServiceGraph(session: collided).edges.map { [$0.row.source, $0.row.service, $0.row.subset, "\($0.row.requests)", "\($0.row.p99 ?? -1)"] }
        #expect(Set(graphA.map { $0.map { $0 ?? "" } }) == Set(graphB.map { $0.map { $0 ?? "" } }))

        let filtered = try AnswerSession(path: copy, since: nil, until: nil, services: ["course"])
        let course = try StatusReport(session: filtered, by: [.service], side: .hop).result
        #expect(course.total == fixture.hops.filter { $0.service == "course" }.count)
    }

    @Test("lines whose pod ingest did not record still get their workload from the pod name")
    func withoutPodRows() throws {
        let copy = fixture.directory.appendingPathComponent("nopods-\(UUID().uuidString).db").path
        try SQLiteStore.openForReading(path: fixture.dbPath).execute("VACUUM INTO '\(copy)'")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        do { try SQLiteStore.openForWriting(path: copy).execute("DELETE FROM pod") }
        let session = try AnswerSession(path: copy, since: nil, until: nil, services: [])
        let edges = try HopsReport(session: session).edges.map { "\($0.source) \($0.service ?? "") \($0.requests)" }
        let want = try HopsReport(session: fixture.session()).edges.map { "\($0.source) \($0.service ?? "") \($0.requests)" }
        #expect(Set(edges) == Set(want))
        #expect(AnswerQueries.workload(of: "'course-v1-7c9d8f6b5-x2kqp'").contains("rtrim"))
        let db = try SQLiteStore.openForReading(path: copy)
        for (pod, workload) in [("course-v1-7c9d8f6b5-x2kqp", "course-v1"), ("istio-ingressgateway-6d8f9c7b5-abcde", "istio-ingressgateway"),
                                ("mesh", "mesh"), ("redis-0", "redis-0")] {
            #expect(try db.scalar("SELECT \(AnswerQueries.workload(of: "'\(pod)'"))") == .text(workload))
        }
    }
}
