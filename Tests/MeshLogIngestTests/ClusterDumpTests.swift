import Foundation
import Testing
import MeshLogCore
import MeshLogIngest
import MeshLogStore

@Suite("Cluster dumps as the tools write them")
struct ClusterDumpTests {
    static let dump = GeneratedDump()

    /// What every layout must give: each access line stored once under its pod, nothing rejected,
    /// no failed input, and every address named by the dump's pod facts.
    static func expectStoredAsThePodsWroteThem(_ summary: IngestSummary, db: String, layout: String) throws {
        let dump = Self.dump
        #expect(summary.filesWithoutAccessLogs.isEmpty, "\(summary.filesWithoutAccessLogs.map { "\($0.path): \($0.error ?? "")" })")
        #expect(summary.recordsStored == dump.accessLines)
        #expect(summary.linesRejected == 0)
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM rejected").int64 == 0)
        let perPod = try reader.rows("SELECT reporter, count(*) FROM access_log GROUP BY reporter")
        let stored = Dictionary(uniqueKeysWithValues: perPod.map { ($0[0].string ?? "?", Int($0[1].int64 ?? 0)) })
        #expect(stored == dump.logged.mapValues(\.count))
        #expect(summary.dumps?.map(\.layout) == [layout])
        // Every caller and callee an address names is the workload the dump's facts give it; the
        // frontend pod whose log the dump lacks is named as a caller too (from its IP alone).
        let byIP = dump.workloadByIP
        let inbound = try reader.rows("""
            SELECT downstream_remote, source_workload, count(*) FROM access_log WHERE direction = 'inbound' GROUP BY 1, 2
            """)
        for row in inbound {
            let ip = String(row[0].string!.split(separator: ":")[0])
            #expect(row[1].string == byIP[ip], "inbound from \(ip)")
        }
        let missingIP = dump.pods.first { $0.name == dump.missing }!.ip
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE direction = 'inbound' AND downstream_remote LIKE '\(missingIP):%' AND source_workload = 'frontend-v1'").int64 ?? 0 > 0)
        let outbound = try reader.rows("""
            SELECT upstream_host, destination_workload FROM access_log WHERE direction = 'outbound' AND upstream_host LIKE '10.%' GROUP BY 1, 2
            """)
        #expect(!outbound.isEmpty)
        for row in outbound {
            #expect(row[1].string == byIP[String(row[0].string!.split(separator: ":")[0])])
        }
        // Versions and owners from the facts, for pods that never logged too.
        let facts = try reader.rows("SELECT p.name, f.workload, f.version, f.ip FROM pod_fact f JOIN pod p ON p.reporter = f.reporter")
        let versions = Dictionary(uniqueKeysWithValues: facts.map { ($0[0].string!, $0[2].string ?? "-") })
        for pod in dump.pods { #expect(versions[pod.name] == (pod.version ?? "-"), "\(pod.name)") }
        #expect(try reader.scalar("SELECT workload FROM pod WHERE name = 'lms-db-0'").string == "lms-db")
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE reporter IN (SELECT name FROM pod_fact f JOIN pod p ON p.reporter = f.reporter WHERE f.version = 'v2') AND workload = 'course-v2'").int64 ?? 0 > 0)
    }

    @Test func bugReportTarballNamesEveryLineByItsPodAndCountsTheRest() throws {
        let dir = try TemporaryDirectory()
        let tarball = try Self.dump.writeBugReport(into: dir)
        let db = dir.path("t.db")
        let summary = try ingest([tarball], db: db)
        try Self.expectStoredAsThePodsWroteThem(summary, db: db, layout: "bug-report")
        let report = try #require(summary.dumps?.first)
        #expect(report.path == tarball)
        #expect(report.proxyLogs == Self.dump.logged.count)
        #expect(report.skippedContainers == 0)
        // Per pod: a config dump, clusters, certs, netstat; istiod's log and debug output, the
        // operator's log, the cluster's resources, events and context, analyze, versions, the
        // tool's own log, and one member no layout names.
        #expect(report.notAccessLogs == Self.dump.pods.count * 4 + 10)
        #expect(report.pods == Self.dump.pods.count + 1)
        #expect(report.podFacts == Self.dump.pods.count + 1)
        #expect(report.records == Self.dump.accessLines)
        // Only proxy logs are sources; Envoy's start-up lines are skipped, not rejected.
        #expect(summary.reports.count == Self.dump.logged.count)
        // (and a restarted proxy's separator lines, blank lines around them)
        #expect(summary.linesSkipped == Self.dump.logged.count * 2 + 6)
        #expect(Set(summary.reports.compactMap(\.format)) == ["istio"])
        // The gateway's facts come from its config dumps alone (the resource list leaves it out).
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.rows("SELECT DISTINCT origin, workload FROM pod_fact WHERE workload = 'istio-ingressgateway'") == [["config dump", "istio-ingressgateway"]])
        #expect(try reader.scalar("SELECT count(DISTINCT workload) FROM access_log").int64 == 8)
        // Ingesting it again stores nothing twice and still exits 0.
        let again = try ingest([tarball], db: db)
        #expect(again.recordsStored == 0)
        #expect(again.filesWithoutAccessLogs.isEmpty)
    }

    @Test func clusterInfoFolderReadsEachProxySegmentUnderItsPod() throws {
        let dir = try TemporaryDirectory()
        _ = try Self.dump.writeClusterInfo(into: dir, folder: "cluster-state")
        let db = dir.path("t.db")
        let summary = try ingest([dir.path("cluster-state")], db: db)
        try Self.expectStoredAsThePodsWroteThem(summary, db: db, layout: "cluster-info")
        let report = try #require(summary.dumps?.first)
        #expect(report.path == dir.path("cluster-state"))
        #expect(report.proxyLogs == Self.dump.logged.count)
        // istio-init and the app container of every app pod, and the database's postgres.
        let appPods = Self.dump.pods.filter { $0.workload != "istio-ingressgateway" }.count
        #expect(report.skippedContainers == appPods * 2 + 1)
        // nodes.json, and seven lists in each of three namespaces.
        #expect(report.notAccessLogs == 1 + 3 * 7)
        #expect(report.podFacts == Self.dump.pods.count + 1)
        #expect(report.skippedContainerLines > appPods * 5)
        #expect(summary.reports.allSatisfy { $0.path.hasSuffix("/logs.txt") && $0.state == .ingested })
    }

    @Test func clusterInfoTarballIsReadLikeTheFolder() throws {
        let dir = try TemporaryDirectory()
        let paths = try Self.dump.writeClusterInfo(into: dir, folder: "cluster-state")
        let tarball = dir.path("cluster-state.tar.gz")
        #expect(try runTool("/usr/bin/tar", ["-czf", tarball, "-C", dir.path]  + paths).status == 0)
        try FileManager.default.removeItem(atPath: dir.path("cluster-state"))
        let db = dir.path("t.db")
        let summary = try ingest([tarball], db: db)
        try Self.expectStoredAsThePodsWroteThem(summary, db: db, layout: "cluster-info")
        #expect(summary.dumps?.first?.path == tarball)
        #expect(summary.dumps?.first?.notAccessLogs == 1 + 3 * 7)
    }

    @Test func mustGatherFolderTakesProxyContainersAndPodYAML() throws {
        let dir = try TemporaryDirectory()
        try Self.dump.writeMustGather(into: dir, folder: "must-gather.local.5023")
        let db = dir.path("t.db")
        let summary = try ingest([dir.path("must-gather.local.5023")], db: db)
        try Self.expectStoredAsThePodsWroteThem(summary, db: db, layout: "must-gather")
        let report = try #require(summary.dumps?.first)
        let appPods = Self.dump.pods.filter { $0.workload != "istio-ingressgateway" }.count
        #expect(report.skippedContainers == appPods)
        #expect(report.podFacts == Self.dump.pods.count + 1)
        // The empty previous.log files are no sources (nor copies of one another).
        #expect(report.proxyLogs == Self.dump.logged.count)
        #expect(summary.reports.count == Self.dump.logged.count)
        #expect(summary.filesSkipped == 0)
        // kubectl's --timestamps is the lines' wrapper.
        #expect(Set(summary.reports.compactMap(\.format)) == ["kubectl+istio"])
        let reader = try SQLiteStore.openForReading(path: db)
        #expect(try reader.scalar("SELECT count(*) FROM access_log WHERE logged_at IS NULL").int64 == 0)
    }

    @Test func aLogsTxtWithoutStartLinesIsAnAccessLogOfItsOwn() throws {
        // Not cluster-info's: the file's own lines are stored (under the pod its folder names).
        let dir = try TemporaryDirectory()
        try dir.write("saved/lms/course-v1-7c9d8f6b5-x2kqp/logs.txt", IstioLines.file(120))
        let db = dir.path("t.db")
        let summary = try ingest([dir.path("saved")], db: db)
        #expect(summary.recordsStored == 120)
        #expect(summary.filesWithoutAccessLogs.isEmpty)
        #expect(try scalar(db, "SELECT DISTINCT reporter FROM access_log").string == "course-v1-7c9d8f6b5-x2kqp")
    }

    @Test func anUnknownMemberWithoutAccessLogsIsCountedNotFailed() throws {
        // A member no layout names, read before the archive showed itself a bug-report: it is
        // read as a log, finds no access log, and is then counted with the dump.
        let dir = try TemporaryDirectory()
        var members = ["bug-report/proxies/lms/\(Self.dump.pods[2].name)/istio-proxy.log": Self.dump.proxyLog(Self.dump.pods[2].name),
                       "bug-report/versions": "CLI version: 1.24.1\n"]
        members["README"] = "This archive was collected for the on-call hand-over.\n"
        let tarball = try Self.dump.tarball(dir, name: "report.tar.gz", members: members)
        let summary = try ingest([tarball], db: dir.path("t.db"))
        #expect(summary.filesWithoutAccessLogs.isEmpty)
        #expect(summary.files == 1)
        #expect(summary.dumps?.first?.notAccessLogs == 2)
        #expect(summary.recordsStored == Self.dump.linesByPod[Self.dump.pods[2].name]!.count)
    }

    @Test func aDumpWithoutAnyAccessLogFailsAsOneInput() throws {
        let dir = try TemporaryDirectory()
        let members = [
            "bug-report/cluster/k8s-resources": GeneratedDump.listYAML([]),
            "bug-report/istio/istio-system/istiod-7f8b9c6d5-q2w4e/discovery.log": "2026-11-25T00:00:00.512345Z\tinfo\tads\tpush\n",
            "bug-report/versions": "CLI version: 1.24.1\n",
        ]
        let tarball = try Self.dump.tarball(dir, name: "empty-report.tar.gz", members: members)
        let summary = try ingest([tarball], db: dir.path("t.db"))
        #expect(summary.filesWithoutAccessLogs.map(\.path) == [tarball])
        #expect(summary.dumps?.first?.notAccessLogs == 3)
        #expect(summary.linesRejected == 0)
    }
}

@Suite("Cluster dump layouts and pod facts")
struct ClusterDumpLayoutTests {
    @Test func membersAreRecognisedByTheirPaths() {
        func kind(_ path: String) -> ClusterDump.Kind? { ClusterDump.classify(path)?.kind }
        #expect(kind("bug-report.tar.gz:bug-report/proxies/lms/course-v1-7c9d8f6b5-x2kqp/istio-proxy.log")
                == .containerLog(namespace: "lms", pod: "course-v1-7c9d8f6b5-x2kqp", container: "istio-proxy"))
        #expect(kind("bug-report.tar.gz:bug-report/proxies/lms/course-v1-7c9d8f6b5-x2kqp/config_dump?include_eds")
                == .configDump(namespace: "lms", pod: "course-v1-7c9d8f6b5-x2kqp"))
        #expect(kind("/tmp/x/bug-report/istio/istio-system/istiod-1/discovery.log") == .notAccessLog)
        #expect(ClusterDump.classify("/tmp/x/bug-report/istio/istio-system/istiod-1/discovery.log")?.root == "/tmp/x/bug-report")
        #expect(kind("dump/lms/course-v1-7c9d8f6b5-x2kqp/logs.txt") == .containerSegments(namespace: "lms", pod: "course-v1-7c9d8f6b5-x2kqp"))
        #expect(kind("dump/lms/pods.json") == .podList)
        #expect(kind("dump/lms/events.json") == .notAccessLog)
        #expect(kind("mg/q/namespaces/lms/pods/p-1/istio-proxy/istio-proxy/logs/current.log")
                == .containerLog(namespace: "lms", pod: "p-1", container: "istio-proxy"))
        #expect(kind("mg/q/namespaces/lms/pods/p-1/p-1.yaml") == .podList)
        // Other layouts are not dumps.
        #expect(ClusterDump.classify("var/log/pods/lms_course-v1-7c9d8f6b5-x2kqp_uid/istio-proxy/0.log") == nil)
        #expect(ClusterDump.classify("mesh.log") == nil)
        #expect(PodName.fromPath("b.tgz:bug-report/proxies/lms/course-v1-7c9d8f6b5-x2kqp/istio-proxy.log")! == ("course-v1-7c9d8f6b5-x2kqp", "lms"))
    }

    @Test func startAndEndMarkersNameContainerAndPod() {
        let line = Array("==== START logs for container istio-proxy of pod lms/course-v1-7c9d8f6b5-x2kqp ====".utf8)
        let parsed = line.withUnsafeBufferPointer { ContainerLogMarker.parse($0) }
        #expect(parsed?.edge == .start)
        #expect(parsed?.container == "istio-proxy")
        #expect(parsed?.namespace == "lms")
        #expect(parsed?.pod == "course-v1-7c9d8f6b5-x2kqp")
        let end = Array("==== END logs for container course of pod lms/course-v1-7c9d8f6b5-x2kqp ====".utf8)
        #expect(end.withUnsafeBufferPointer { ContainerLogMarker.parse($0) }?.edge == .end)
        let other = Array("==== something else entirely, not a marker line at all ====".utf8)
        #expect(other.withUnsafeBufferPointer { ContainerLogMarker.parse($0) } == nil)
    }

    @Test func podFactsFromJSONYAMLAndConfigDumps() throws {
        let pod = try #require(GeneratedDump().pods.first { $0.version == "v2" })
        for text in [GeneratedDump.podsJSON([pod]), GeneratedDump.listYAML([GeneratedDump.podJSON(pod)])] {
            let facts = PodFacts.fromResources(Array(text.utf8))
            #expect(facts.count == 1)
            #expect(facts.first?.name == pod.name)
            #expect(facts.first?.ip == pod.ip)
            #expect(facts.first?.workload == pod.workload)
            #expect(facts.first?.version == "v2")
            #expect(facts.first?.app == pod.app)
        }
        let fromDump = PodFacts.fromConfigDump(Array(GeneratedDump.configDump(pod).utf8), namespace: "x", pod: "y")
        #expect(fromDump == PodFact(name: pod.name, namespace: pod.namespace, ip: pod.ip, workload: pod.workload, app: pod.app,
                                    version: "v2", origin: PodFact.configDump))
        // A StatefulSet's pod, a Job's, and a pod without owner.
        let yaml = """
            apiVersion: v1
            items:
            - kind: Pod
              metadata:
                name: db-0
                namespace: data
                ownerReferences:
                - kind: StatefulSet
                  name: db
                  controller: true
                annotations:
                  note: |
                    - kind: Pod
                      name: not-a-pod
              status:
                podIP: 10.1.0.4
            - kind: Pod
              metadata:
                name: backfill-29123340-x7k2p
                namespace: jobs
                ownerReferences:
                - apiVersion: batch/v1
                  kind: Job
                  name: backfill-29123340
              status:
                podIPs:
                - ip: 10.1.0.5
            - kind: Pod
              metadata:
                name: node-exporter-x2x8q
                namespace: monitoring
              spec:
                hostNetwork: true
              status:
                podIP: 172.18.0.3
            - kind: Service
              metadata:
                name: course
            kind: List
            """
        let facts = PodFacts.fromResources(Array(yaml.utf8))
        #expect(facts.map(\.name) == ["db-0", "backfill-29123340-x7k2p", "node-exporter-x2x8q"])
        #expect(facts[0].workload == "db")
        #expect(facts[0].ip == "10.1.0.4")
        #expect(facts[1].ip == "10.1.0.5")
        #expect(facts[1].workload == "backfill-29123340")
        #expect(facts[2].ip == nil)  // the node's address, not the pod's own
    }
}
