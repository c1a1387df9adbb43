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
        case loki, fluentBit = "fluent-bit", filebeat, cloudLogging = "cloud-logging", cloudWatch = "cloudwatch"

        /// The wrapper name detection must report.
        var wrapper: String { self == .kubectlPrefix ? "kubectl-prefix" : "log-record" }

        /// `line` of `pod`'s `container` as this shape writes it (the time is the store's own).
        func render(_ line: Substring, pod: String, container: String, index: Int) -> String {
            let time = String(format: "2026-11-25T01:%02d:%02d.%06dZ", (index / 60) % 60, index % 60, index % 1_000_000)
            let text = Self.json(String(line))
            switch self {
            case .kubectlPrefix:
                return "[pod/\(pod)/\(container)] \(line)"
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
        if shape != .kubectlPrefix {
            // The store's own time is kept as logged_at.
            let logged = try MeshLogBinary.run(["sql", "SELECT count(*) FROM access_log WHERE logged_at LIKE '2026-11-25T01:%'",
                                                "--csv", "--db", dir.path("mixed.db")])
            #expect(logged.stdout.hasSuffix("\r\n\(index)\r\n"), "\(shape.rawValue): \(logged.stdout)")
        }
    }
}
