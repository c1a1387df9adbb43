import Foundation
import MeshLogTestSupport
import Testing

/// One stream holding every pod's lines (`kubectl logs --prefix`) gives the same answers as the
/// per-pod files it was cut from: each line's reporter is the pod it names.
@Suite("kubectl logs --prefix", .enabled(if: MeshLogBinary.url != nil, "meshlog is not built"))
struct MixedPodStreamTests {
    @Test func aMixedStreamGivesThePerPodFilesEdges() throws {
        let dir = try TemporaryDirectory()
        let pods = dir.path("pods")
        #expect(try MeshLogBinary.run(["generate", "--lines", "3000", "--seed", "5", "--split-by-pod", pods]).status == 0)
        // Interleave the pods' lines as `kubectl logs --prefix -l …` does, with an app container's own lines between.
        var queues: [(pod: String, lines: [Substring])] = try FileManager.default.contentsOfDirectory(atPath: pods).sorted().map { file in
            let text = try String(contentsOfFile: pods + "/" + file, encoding: .utf8)
            return (String(file.dropLast(4)), text.split(separator: "\n"))
        }
        var mixed = ""
        var index = 0
        while queues.contains(where: { !$0.lines.isEmpty }) {
            for k in queues.indices where !queues[k].lines.isEmpty {
                mixed += "[pod/\(queues[k].pod)/istio-proxy] \(queues[k].lines.removeFirst())\n"
                if index % 50 == 0 { mixed += "[pod/\(queues[k].pod)/app] INFO handled request in 12ms\n" }
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
        #expect(report["format"] as? String == "kubectl-prefix+istio")
        for query in [["hops", "--json"], ["status", "--by", "reporter", "--json"], ["graph", "--format", "json"]] {
            let perPod = try MeshLogBinary.run(query + ["--db", dir.path("pods.db")])
            let oneStream = try MeshLogBinary.run(query + ["--db", dir.path("mixed.db")])
            #expect(perPod.status == 0 && !perPod.stdout.isEmpty)
            #expect(oneStream.stdout == perPod.stdout, "meshlog \(query.joined(separator: " ")) differs")
        }
        // The app container's lines are counted as not access logs, never rejected.
        let skipped = try #require(report["skipped"] as? Int)
        #expect(skipped >= index / 50)
    }
}
