import Foundation
import MeshLogTestSupport
import Testing

/// One stream holding every pod's lines gives the same answers as the per-pod files it was cut
/// from: each line's reporter is the pod its prefix or record names.
@Suite("mixed streams with the pod in each line", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct MixedPodStreamTests {
    /// A way tools write many pods' lines into one stream.
    enum Shape: String, CaseIterable, Sendable {
        case kubectlPrefix = "kubectl-prefix"
        case stern
        case loki, fluentBit = "fluent-bit", filebeat, cloudLogging = "cloud-logging", cloudWatch = "cloudwatch"

        /// The wrapper name detection must report.
        var wrapper: String {
            switch self {
            case .kubectlPrefix, .stern: rawValue
            default: "log-record"
            }
        }

        /// `line` of `pod`'s `container` as this shape writes it (the time is the store's own).
        func render(_ line: Substring, pod: String, container: String, index: Int) -> String {
            let time = String(format: "2026-11-25T01:%02d:%02d.%06dZ", (index / 60) % 60, index % 60, index % 1_000_000)
            let text = Self.json(String(line))
            switch self {
            case .kubectlPrefix:
                return "[pod/\(pod)/\(container)] \(line)"
            case .stern:
                return "\(pod) \(container) \(line)"
            case .loki:
                return #"{"labels":{"app":"lms","container":"\#(container)","namespace":"lms","pod":"\#(pod)"},"line":\#(text),"timestamp":"\#(time)"}"#
            case .fluentBit:
                return #"{"date":1795568000.0,"log":\#(Self.json(String(line) + "\n")),"stream":"stdout","time":"\#(time)","kubernetes":{"pod_name":"\#(pod)","namespace_name":"lms","container_name":"\#(container)","labels":{"app":"x"}}}"#
            case .filebeat:
                return #"{"@timestamp":"\#(time)","message":\#(text),"kubernetes":{"namespace":"lms","pod":{"name":"\#(pod)","uid":"6f1c"},"container":{"name":"\#(container)"}},"stream":"stdout"}"#
            case .cloudWatch:
                let stream = "ip-10-0-1-7.ec2.internal-application.var.log.containers.\(pod)_lms_\(container)-3f9a\(String(repeating: "0", count: 60)).log"
                return #"{"@timestamp":"\#(time)","@logStream":"\#(stream)","@message":\#(text)}"#
            case .cloudLogging:
                return #"{"insertId":"abc","resource":{"type":"k8s_container","labels":{"project_id":"p","namespace_name":"lms","pod_name":"\#(pod)","container_name":"\#(container)"}},"textPayload":\#(text),"timestamp":"\#(time)","severity":"INFO"}"#
            }
        }

        /// `text` as a JSON string literal.
        static func json(_ text: String) -> String {
            var out = "\""
            for c in text.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(c)
                }
            }
            return out + "\""
        }
    }

    @Test(arguments: Shape.allCases)
    func aMixedStreamGivesThePerPodFilesAnswers(_ shape: Shape) throws {
        let dir = try TemporaryDirectory()
        let pods = dir.path("pods")
        #expect(try MeshLogBinary.run(["generate", "--lines", "3000", "--seed", "5", "--split-by-pod", pods]).status == 0)
        // Interleave the pods' lines as the tool does, with an application container's own lines between.
        var queues: [(pod: String, lines: [Substring])] = try FileManager.default.contentsOfDirectory(atPath: pods).sorted().map { file in
            let text = try String(contentsOfFile: pods + "/" + file, encoding: .utf8)
            return (String(file.dropLast(4)), text.split(separator: "\n"))
        }
        var mixed = ""
        var index = 0
        var appLines = 0
        while queues.contains(where: { !$0.lines.isEmpty }) {
            for k in queues.indices where !queues[k].lines.isEmpty {
                mixed += shape.render(queues[k].lines.removeFirst(), pod: queues[k].pod, container: "istio-proxy", index: index) + "\n"
                if index % 50 == 0 {
                    mixed += shape.render("INFO handled GET /healthz in 12ms", pod: queues[k].pod, container: "app", index: index) + "\n"
                    appLines += 1
                }
                index += 1
            }
        }
        let file = try dir.write("all-pods.log", mixed)
        #expect(try MeshLogBinary.run(["ingest", pods, "--db", dir.path("pods.db"), "-q"]).status == 0)
        let run = try MeshLogBinary.run(["ingest", file, "--db", dir.path("mixed.db"), "--json", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["lines_rejected"] as? Int == 0)
        let report = try #require((summary["reports"] as? [[String: Any]])?.first)
        #expect(report["format"] as? String == "\(shape.wrapper)+istio")
        // The application container's lines are counted as not access logs, never rejected.
        #expect(report["skipped"] as? Int == appLines)
        for query in [["hops", "--json"], ["status", "--by", "reporter", "--json"], ["graph", "--format", "json"]] {
            let perPod = try MeshLogBinary.run(query + ["--db", dir.path("pods.db")])
            let oneStream = try MeshLogBinary.run(query + ["--db", dir.path("mixed.db")])
            #expect(perPod.status == 0 && !perPod.stdout.isEmpty)
            #expect(oneStream.stdout == perPod.stdout, "\(shape.rawValue): meshlog \(query.joined(separator: " ")) differs")
        }
        if shape != .kubectlPrefix, shape != .stern {
            // The store's own time is kept as logged_at.
            let logged = try MeshLogBinary.run(["sql", "SELECT count(*) FROM access_log WHERE logged_at LIKE '2026-11-25T01:%'",
                                                "--csv", "--db", dir.path("mixed.db")])
            #expect(logged.stdout.hasSuffix("\r\n\(index)\r\n"), "\(shape.rawValue): \(logged.stdout)")
        }
    }
}

/// One stream of bare lines from every pod (no pod named anywhere) is told apart by each line's
/// own address: every line is stored under the pod it came from, and the answers are the per-pod
/// files' with each workload named after the service it serves.
@Suite("mixed streams that name no pod", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct AddressReporterStreamTests {
    /// Rows per pod address, and each address's workload, from `db`.
    static func pods(in db: String) throws -> (rows: [String: Int], workloads: [String: String]) {
        let ip = "((i.ip >> 24) || '.' || ((i.ip >> 16) & 255) || '.' || ((i.ip >> 8) & 255) || '.' || (i.ip & 255))"
        let run = try MeshLogBinary.run(["sql", """
            SELECT \(ip), p.workload, (SELECT count(*) FROM access_log a WHERE a.reporter = p.name)
            FROM pod_ip i JOIN pod p ON p.reporter = i.reporter
            """, "--csv", "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        var rows: [String: Int] = [:], workloads: [String: String] = [:]
        for line in run.stdout.split(separator: "\r\n").dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            rows[cells[0]] = Int(cells[2])
            workloads[cells[0]] = cells[1]
        }
        return (rows, workloads)
    }

    @Test func everyLineIsStoredUnderThePodItsAddressesName() throws {
        let dir = try TemporaryDirectory()
        let pods = dir.path("pods")
        #expect(try MeshLogBinary.run(["generate", "--lines", "4000", "--seed", "11", "--split-by-pod", pods]).status == 0)
        // Every pod's lines, merged in time order as a log store exports them: nothing names a pod.
        var lines: [Substring] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: pods).sorted() {
            lines += try String(contentsOfFile: pods + "/" + file, encoding: .utf8).split(separator: "\n")
        }
        lines.sort { $0.prefix(26) < $1.prefix(26) }
        let file = try dir.write("export.log", lines.joined(separator: "\n") + "\n")
        #expect(try MeshLogBinary.run(["ingest", pods, "--db", dir.path("pods.db"), "-q"]).status == 0)
        let run = try MeshLogBinary.run(["ingest", file, "--db", dir.path("mixed.db"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("export.log: lines of "), "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["lines_rejected"] as? Int == 0)
        let report = try #require((summary["reports"] as? [[String: Any]])?.first)
        let found = try #require(report["pods_by_address"] as? [String: Any])
        #expect(found["untold"] as? Int == 0)

        // The same pods, by address, with the same lines each.
        let perPod = try Self.pods(in: dir.path("pods.db")), mixed = try Self.pods(in: dir.path("mixed.db"))
        #expect(perPod.rows.count > 10)
        #expect(mixed.rows == perPod.rows)
        #expect((found["pods"] as? [[String: Any]])?.count == perPod.rows.count)

        // Each per-pod workload is one inferred workload: the service and the subset its callers
        // name (`course-v1`), the service alone when they name none (`frontend`), `gateway` for a
        // pod that receives outbound calls on its own address.
        var rename: [String: String] = [:]
        for (ip, workload) in perPod.workloads {
            let inferred = try #require(mixed.workloads[ip])
            #expect(rename[workload, default: inferred] == inferred, "\(workload) is both \(rename[workload]!) and \(inferred)")
            rename[workload] = inferred
        }
        #expect(Set(rename.values).count == rename.count, "two workloads were taken for one: \(rename)")
        #expect(rename["istio-ingressgateway"] == "gateway")
        #expect(rename["course-v2"] == "course-v2")
        #expect(rename["frontend-v1"] == "frontend")

        // The hops are the per-pod files' hops, callers renamed so.
        func edges(_ db: String, renamed: Bool) throws -> [String] {
            let hops = try MeshLogBinary.run(["hops", "--json", "--db", db])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(hops.stdout.utf8)) as? [[String: Any]])
            return try rows.map { row in
                var row = row
                if renamed, let source = row["source"] as? String { row["source"] = rename[source] ?? source }
                return String(decoding: try JSONSerialization.data(withJSONObject: row, options: .sortedKeys), as: UTF8.self)
            }.sorted()
        }
        let expected = try edges(dir.path("pods.db"), renamed: true)
        #expect(expected.count > 8)
        #expect(try edges(dir.path("mixed.db"), renamed: false) == expected)
    }

    @Test func oneUnnamedPodsFileStaysThatFilesPod() throws {
        let dir = try TemporaryDirectory()
        let pods = dir.path("pods")
        #expect(try MeshLogBinary.run(["generate", "--lines", "1500", "--seed", "4", "--split-by-pod", pods]).status == 0)
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: pods).sorted().first { $0.hasPrefix("course-v1") })
        let file = try dir.write("proxy.log", try String(contentsOfFile: pods + "/" + first, encoding: .utf8))
        let run = try MeshLogBinary.run(["ingest", file, "--db", dir.path("one.db"), "--json", "-q"])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("pods_by_address"))
        let reporters = try MeshLogBinary.run(["sql", "SELECT DISTINCT reporter FROM access_log", "--csv", "--db", dir.path("one.db")])
        #expect(reporters.stdout == "reporter\r\nproxy\r\n")
    }
}

extension AddressReporterStreamTests {
    /// A dual-stack pod logs IPv4 and IPv6 addresses: only IPv4 addresses tell pods apart, so it stays one pod.
    @Test func aDualStackPodIsOnePod() throws {
        let dir = try TemporaryDirectory()
        let pods = dir.path("pods")
        #expect(try MeshLogBinary.run(["generate", "--lines", "1500", "--seed", "4", "--split-by-pod", pods]).status == 0)
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: pods).sorted().first { $0.hasPrefix("course-v1") })
        let text = try String(contentsOfFile: pods + "/" + first, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let v4 = try Regex(#"(\d+)\.(\d+)\.(\d+)\.(\d+):"#)
        for i in lines.indices where i % 2 == 1 {
            lines[i] = lines[i].replacing(v4) { "[fd00:\($0.output[3].substring!)::\($0.output[4].substring!)]:" }
        }
        #expect(lines.filter { $0.contains("[fd00:") }.count > 20)
        let file = try dir.write("proxy.log", lines.joined(separator: "\n") + "\n")
        let run = try MeshLogBinary.run(["ingest", file, "--db", dir.path("one.db"), "--json", "-q"])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("pods_by_address"))
        #expect(run.stdout.contains("\"lines_rejected\":0"))
        let reporters = try MeshLogBinary.run(["sql", "SELECT DISTINCT reporter FROM access_log", "--csv", "--db", dir.path("one.db")])
        #expect(reporters.stdout == "reporter\r\nproxy\r\n")
    }
}

extension AddressReporterStreamTests {
    /// A waypoint (Istio ambient) serves many services from one pod: its `inbound-vip|…` lines
    /// arrive on each service's address, which is not the pod's, so its log stays one pod.
    @Test func aWaypointsLogIsOnePod() throws {
        let dir = try TemporaryDirectory()
        func line(_ i: Int, service: String, vip: String, pod: String) -> String {
            #"[2026-11-25T10:00:\#(String(format: "%02d", i)).000Z] "GET /\#(service)/\#(i) HTTP/1.1" 200 - via_upstream - "-" 0 178 1 1 "-" "Go-http-client/1.1" "\#(String(format: "%08x-0000-4000-8000-%012x", i, i))" "\#(service):8080" "envoy://connect_originate/\#(pod):8080" inbound-vip|8080|http|\#(service).lms.svc.cluster.local envoy://internal_client_address/ \#(vip):8080 10.244.0.37:52134 - default"#
        }
        var lines: [String] = []
        for i in 0..<30 {
            let (service, vip, pod) = [("course", "10.96.14.22", "10.244.2.7"), ("user", "10.96.80.3", "10.244.1.27"),
                                       ("grading", "10.96.5.41", "10.244.0.34")][i % 3]
            lines.append(line(i, service: service, vip: vip, pod: pod))
        }
        let file = try dir.write("waypoint.log", lines.joined(separator: "\n") + "\n")
        let run = try MeshLogBinary.run(["ingest", file, "--db", dir.path("w.db"), "--json", "-q"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"records_stored\":30"))
        #expect(!run.stdout.contains("pods_by_address"))
        let reporters = try MeshLogBinary.run(["sql", "SELECT DISTINCT reporter FROM access_log", "--csv", "--db", dir.path("w.db")])
        #expect(reporters.stdout == "reporter\r\nwaypoint\r\n")
    }

    /// Kiali's test data: a real waypoint's log (16 lines, four services) stays one pod.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "../shared/corpus/kiali-istio/logs/waypoint.log"),
                   "../shared/corpus is not here"))
    func kialisWaypointLogIsOnePod() throws {
        let dir = try TemporaryDirectory()
        let run = try MeshLogBinary.run(["ingest", "../shared/corpus/kiali-istio/logs/waypoint.log", "--db", dir.path("k.db"), "--json", "-q"])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("pods_by_address"))
    }
}
