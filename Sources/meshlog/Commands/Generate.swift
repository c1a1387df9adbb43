import ArgumentParser
import Foundation
import MeshLogCore
import MeshLogGenerate

extension MeshLog {
    /// `meshlog generate`: deterministic synthetic access logs for the learning platform's mesh.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write deterministic synthetic Envoy/Istio access logs for the learning-platform mesh.",
            discussion: """
                Every edge request enters at istio-ingressgateway and fans out through frontend, course (v1 and a \
                10% v2 canary), enrollment, user, payment and grading. Each hop is logged by both sidecars: the \
                caller's outbound line and the callee's inbound line, sharing x-request-id, with the caller's \
                upstream_local equal to the callee's downstream_remote. Failures appear as Envoy logs them \
                (UF, UH, UO, NR, FI, DI, URX with one inbound line per attempt, UT with the callee's 0 DC, app 5xx).

                Lines are written in completion order. The same seed and options give byte-identical output.

                Example:
                  meshlog generate --lines 100000 --seed 7 --duration 2h --output mesh.log
                  meshlog generate --lines 20000 --gateway-name public-istio --output mesh.log
                  meshlog generate --lines 50000 --format istio-json --gzip --split-by-pod dump/
                """
        )

        @Option(help: "Approximate number of lines; generation stops after the request that reaches it.")
        var lines: Int = 10_000

        @Option(help: "Random seed; the same seed and options give byte-identical output.")
        var seed: UInt64 = 42

        @Option(help: "Start of the traffic window (RFC 3339, e.g. 2026-11-25T00:00:00Z, or epoch seconds).")
        var start: String = "2026-11-25T00:00:00Z"

        @Option(help: "Length of the traffic window, e.g. 1h, 90m, 2h30m, 1d.")
        var duration: String = "1h"

        @Option(help: "Line format: istio, envoy, istio-json or istio-1.3.")
        var format: String = GeneratedLogFormat.istio.rawValue

        @Option(help: "Multiplies every failure rate (0 for clean traffic, 5 for a bad day).")
        var errorRateScale: Double = 1

        @Flag(help: "Shape the arrival rate with a day/night curve (peak mid-afternoon UTC).")
        var diurnal = false

        @Option(help: "Simulate an outage of this service (e.g. payment) from 60% to 70% of the window.")
        var incident: String?

        @Option(name: .customLong("slow"), help: ArgumentHelp(
            "Make an edge slower: the callee's own time on calls over CALLER->SERVICE is multiplied by FACTOR (frontend->course=1.3). Repeatable.",
            valueName: "edge=factor"))
        var slow: [String] = []

        @Option(name: .customLong("drop-edge"), help: ArgumentHelp(
            "Never make calls over this edge (course->grading), as if the dependency were removed. Repeatable.", valueName: "edge"))
        var dropEdge: [String] = []

        @Option(name: .customLong("plaintext"), help: ArgumentHelp(
            "Calls over this edge (frontend->user) arrive in plaintext, not over the mesh's mTLS: no SNI on the callee's lines. Repeatable.",
            valueName: "edge"))
        var plaintext: [String] = []

        @Option(name: .customLong("error"), help: ArgumentHelp(
            "The callee on CALLER->SERVICE also answers STATUS with probability RATE (frontend->user=501:0.03): a new error signature. Repeatable.",
            valueName: "edge=status:rate"))
        var error: [String] = []

        @Option(name: .customLong("fault"), help: ArgumentHelp(
            "Istio fault injection on a service's route: SERVICE=abort:RATE (503 FI) or SERVICE=delay:RATE:DURATION (DI), e.g. payment=delay:0.1:5s. Repeatable.",
            valueName: "service=fault"))
        var fault: [String] = []

        @Option(name: .customLong("gateway-name"), help: ArgumentHelp(
            "Name the ingress gateway's workload (and its pods) NAME instead of istio-ingressgateway, e.g. gateway or public-istio.",
            valueName: "name"))
        var gatewayName: String?

        @Flag(help: "Gzip the output.")
        var gzip = false

        @Option(name: .shortAndLong, help: "Output file ('-' or omitted: standard output).")
        var output: String?

        @Option(help: "Write one file per pod, <dir>/<pod>.log (or .log.gz), instead of one stream.")
        var splitByPod: String?

        @Option(help: ArgumentHelp("Also write the matching Envoy spans (CLIENT and SERVER per hop) to this file (.gz to compress).", valueName: "path"))
        var spans: String?

        @Option(help: "Span file format: zipkin (a Zipkin v2 JSON array) or otlp (OTLP JSON, one object per request and line).")
        var spanFormat: String = GeneratedSpanFormat.zipkin.rawValue

        func validate() throws {
            guard lines > 0 else { throw ValidationError("--lines must be positive (got \(lines)).") }
            guard GeneratedLogFormat(rawValue: format) != nil else {
                let names = GeneratedLogFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("Unknown --format '\(format)'. Use one of: \(names).")
            }
            guard let seconds = GeneratorOptions.parseDuration(duration), seconds > 0 else {
                throw ValidationError("Cannot read --duration '\(duration)'. Use e.g. 30m, 1h, 2h30m or 1d.")
            }
            guard GeneratorOptions.parseStart(start) != nil else {
                throw ValidationError("Cannot read --start '\(start)'. Use RFC 3339 such as 2026-11-25T00:00:00Z.")
            }
            guard errorRateScale >= 0, errorRateScale.isFinite else {
                throw ValidationError("--error-rate-scale must be zero or positive (got \(errorRateScale)).")
            }
            if let incident, MeshTopology.learningPlatform.service(named: incident) == nil {
                let names = MeshTopology.learningPlatform.services.map(\.name).joined(separator: ", ")
                throw ValidationError("Unknown --incident service '\(incident)'. Use one of: \(names).")
            }
            guard GeneratedSpanFormat(rawValue: spanFormat) != nil else {
                throw ValidationError("Unknown --span-format '\(spanFormat)'. Use zipkin or otlp.")
            }
            _ = try edgeChanges()
            _ = try plaintextEdges()
            if let gatewayName, gatewayName.isEmpty || gatewayName.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
                throw ValidationError("--gateway-name must be a Kubernetes name: letters, digits and dashes (got '\(gatewayName)').")
            }
            _ = try topology()
            if splitByPod != nil, output != nil {
                throw ValidationError("Use just one of --output or --split-by-pod.")
            }
        }

        func run() throws {
            let seconds = GeneratorOptions.parseDuration(duration) ?? 3600
            var options = GeneratorOptions(
                lines: lines, seed: seed, startMicros: GeneratorOptions.parseStart(start) ?? GeneratorOptions.defaultStartMicros,
                durationSeconds: seconds, errorRateScale: errorRateScale,
                format: GeneratedLogFormat(rawValue: format) ?? .istio, diurnal: diurnal
            )
            if let incident { options.incident = .standard(service: incident, windowSeconds: seconds) }
            (options.slowEdges, options.droppedEdges, options.injectedErrors) = try edgeChanges()
            options.plaintextEdges = try plaintextEdges()
            let generator = TrafficGenerator(topology: try topology(), options: options)
            if let spans {
                let parent = (spans as NSString).deletingLastPathComponent
                if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            }
            let spanWriter = try spans.map { try GeneratedSpanWriter(path: $0, format: GeneratedSpanFormat(rawValue: spanFormat) ?? .zipkin) }
            let onRequest: (GeneratedRequest) throws -> Void = { try spanWriter?.write($0) }
            defer {
                if let spanWriter, let spans {
                    try? spanWriter.finish()
                    FileHandle.standardError.write(Data("meshlog: wrote \(spanWriter.spansWritten) spans to \(spans)\n".utf8))
                }
            }

            if let directory = splitByPod {
                let writer = try GeneratedLogSplitWriter(directory: directory, gzip: gzip)
                try generator.forEachLineInCompletionOrder(onRequest: onRequest) { try writer.write($0) }
                try writer.finish()
                printSummary(generator, to: "\(writer.filePaths.count) files in \(directory)")
                return
            }
            let writer: GeneratedLogWriter
            if let output, output != "-" {
                writer = try GeneratedLogWriter(path: output, gzip: gzip)
            } else {
                writer = try GeneratedLogWriter(fileHandle: .standardOutput, gzip: gzip)
            }
            try generator.forEachLineInCompletionOrder(onRequest: onRequest) { try writer.write($0.text) }
            try writer.finish()
            if let output, output != "-" { printSummary(generator, to: output) }
        }

        /// `CALLER->SERVICE` given to `option`, checked against the topology's services.
        private static func edge(_ text: String, _ option: String) throws -> GeneratorOptions.Edge {
            let topology = MeshTopology.learningPlatform
            guard let edge = GeneratorOptions.Edge(parsing: text) else {
                throw ValidationError("Cannot read \(option) '\(text)'. Name an edge as CALLER->SERVICE, e.g. frontend->course.")
            }
            guard topology.service(named: edge.service) != nil else {
                let names = topology.services.map(\.name).joined(separator: ", ")
                throw ValidationError("Unknown service in \(option) '\(text)'. Use one of: \(names).")
            }
            return edge
        }

        /// The learning platform, its gateway renamed by `--gateway-name`, with `--fault` laid over its own fault injection.
        private func topology() throws -> MeshTopology {
            var topology = MeshTopology.learningPlatform
            if let gatewayName { topology = topology.renamingGateway(to: gatewayName) }
            for text in fault {
                guard let at = text.firstIndex(of: "="), let policy = MeshTopology.FaultInjection(parsing: String(text[text.index(after: at)...])) else {
                    throw ValidationError("Cannot read --fault '\(text)': expected SERVICE=abort:RATE or SERVICE=delay:RATE:DURATION, e.g. payment=delay:0.1:5s.")
                }
                let name = String(text[..<at]).trimmingCharacters(in: .whitespaces)
                guard let i = topology.services.firstIndex(where: { $0.name == name }) else {
                    let names = topology.services.map(\.name).joined(separator: ", ")
                    throw ValidationError("Unknown service in --fault '\(text)'. Use one of: \(names).")
                }
                topology.services[i].faults = topology.services[i].faults.merging(policy)
            }
            return topology
        }

        /// `--plaintext`, parsed and checked against the topology's services.
        private func plaintextEdges() throws -> Set<GeneratorOptions.Edge> {
            Set(try plaintext.map { try Self.edge($0, "--plaintext") })
        }

        /// `--slow`, `--drop-edge` and `--error`, parsed and checked against the topology's services.
        private func edgeChanges() throws -> ([GeneratorOptions.Edge: Double], Set<GeneratorOptions.Edge>, [GeneratorOptions.Edge: GeneratorOptions.InjectedError]) {
            func edge(_ text: String, _ option: String) throws -> GeneratorOptions.Edge { try Self.edge(text, option) }
            func split(_ text: String, _ option: String) throws -> (String, String) {
                guard let at = text.lastIndex(of: "=") else {
                    throw ValidationError("Cannot read \(option) '\(text)': expected EDGE=VALUE.")
                }
                return (String(text[..<at]), String(text[text.index(after: at)...]))
            }
            var slowEdges: [GeneratorOptions.Edge: Double] = [:]
            for text in slow {
                let (name, value) = try split(text, "--slow")
                guard let factor = Double(value), factor > 0, factor.isFinite else {
                    throw ValidationError("Cannot read --slow '\(text)': the factor must be a positive number (1.3 is 30 % slower).")
                }
                slowEdges[try edge(name, "--slow")] = factor
            }
            let dropped = Set(try dropEdge.map { try edge($0, "--drop-edge") })
            var errors: [GeneratorOptions.Edge: GeneratorOptions.InjectedError] = [:]
            for text in error {
                let (name, value) = try split(text, "--error")
                guard let injected = GeneratorOptions.InjectedError(parsing: value) else {
                    throw ValidationError("Cannot read --error '\(text)': expected EDGE=STATUS:RATE, e.g. frontend->user=501:0.03.")
                }
                errors[try edge(name, "--error")] = injected
            }
            return (slowEdges, dropped, errors)
        }

        private func printSummary(_ generator: TrafficGenerator, to destination: String) {
            let message = "meshlog: wrote \(generator.linesGenerated) lines (\(generator.requestsGenerated) requests) to \(destination)\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
    }
}
