import Foundation
import MeshLogTestSupport
import Testing

/// `meshlog ingest` on cluster dumps as a new user would run it: the exit status, the summary's
/// `dumps`, and the answers' edges named by the pods' workloads.
@Suite("cluster dumps from the command line", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct ClusterDumpCommandTests {
    @Test func aBugReportIngestsWithExitZeroAndHopsNameRealWorkloads() throws {
        let dir = try TemporaryDirectory()
        let dump = GeneratedDump()
        let tarball = try dump.writeBugReport(into: dir)
        let db = dir.path("t.db")
        let run = try MeshLogBinary.run(["ingest", tarball, "--db", db, "--json", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("error"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["records_stored"] as? Int == dump.accessLines)
        #expect(summary["lines_rejected"] as? Int == 0)
        let found = try #require((summary["dumps"] as? [[String: Any]])?.first)
        #expect(found["layout"] as? String == "bug-report")
        #expect(found["path"] as? String == tarball)
        #expect(found["proxy_logs"] as? Int == dump.logged.count)
        #expect(found["pod_facts"] as? Int == dump.pods.count + 1)
        #expect(found["records"] as? Int == dump.accessLines)
        #expect((found["not_access_logs"] as? Int ?? 0) > dump.pods.count)
        #expect(found["skipped_containers"] as? Int == 0)

        // Every hop starts at a real workload (not at `istio`, the file name's).
        let hops = try MeshLogBinary.run(["hops", "--db", db, "--json"])
        #expect(hops.status == 0, "\(hops.stderr)")
        let edges = try #require(try JSONSerialization.jsonObject(with: Data(hops.stdout.utf8)) as? [[String: Any]])
        let callers = Set(edges.compactMap { $0["source"] as? String })
        let workloads = Set(dump.pods.map(\.workload))
        #expect(!callers.isEmpty)
        #expect(callers.isSubset(of: workloads), "\(callers.subtracting(workloads))")
        #expect(callers.contains("istio-ingressgateway") && callers.contains("frontend-v1") && callers.contains("course-v2"))

        // The human summary has the dump's line.
        let again = try MeshLogBinary.run(["ingest", tarball, "--db", dir.path("u.db"), "-q"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("bug-report dump \(tarball): \(dump.pods.count + 1) pods (\(dump.pods.count + 1) with facts), \(dump.logged.count) proxy logs"))
    }

    @Test func aClusterInfoFolderIngestsAndADumpWithoutAccessLogsExitsOne() throws {
        let dir = try TemporaryDirectory()
        let dump = GeneratedDump()
        _ = try dump.writeClusterInfo(into: dir, folder: "cluster-state")
        let run = try MeshLogBinary.run(["ingest", dir.path("cluster-state"), "--db", dir.path("t.db"), "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("cluster-info dump \(dir.path("cluster-state")): "))
        let graph = try MeshLogBinary.run(["graph", "--db", dir.path("t.db"), "--format", "json"])
        #expect(graph.status == 0)
        #expect(graph.stdout.contains("\"frontend-v1\"") && !graph.stdout.contains("\"istio\""))

        let empty = try dump.tarball(dir, name: "empty.tar.gz", members: ["bug-report/versions": "CLI version: 1.24.1\n",
                                                                        "bug-report/cluster/events": "No resources found\n"])
        let failed = try MeshLogBinary.run(["ingest", empty, "--db", dir.path("e.db"), "-q"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("no access log in this bug-report dump"))
    }
}
