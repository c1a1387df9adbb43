import MeshLogTerminal
import ArgumentParser
import Foundation
import MeshLogAnalysis
import MeshLogStore

extension MeshLog {
    /// `meshlog export`: requests and traces as OTLP, Jaeger or Zipkin traces, to a file or an OTLP collector.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export requests as OTLP, Jaeger or Zipkin traces: to a file, stdout or an OTLP/HTTP collector.",
            discussion: """
                Exports the requests `meshlog traces` would list with the same filters and window (--since, \
                --until, --service, --status, --flag, --min-duration; --limit defaults to 1000 here), each as one \
                whole trace. A request rebuilt from access logs gets a CLIENT span (the caller's outbound line) and \
                a SERVER span (the callee's inbound line) per hop, one SERVER span per attempt of a retried hop, \
                with OpenTelemetry attributes (http.request.method, http.route, url.path, \
                http.response.status_code, server.address, network.peer.address) and Envoy's (response_flags, \
                upstream_cluster, guid:x-request-id). Its ids are the lines' trace id when they carry one, else \
                derived from the x-request-id, so exporting twice gives the same trace. Spans from span files \
                keep their ids, kinds and attributes, plus their access-log lines' attributes.

                --format otlp writes OTLP JSON (ExportTraceServiceRequest; one per line when an export spans \
                several batches of 100 traces), jaeger writes the JSON Jaeger UI's "Upload JSON" loads, zipkin \
                writes a Zipkin v2 span array. Every format ingests back with `meshlog ingest`.

                --otlp http://HOST:4318 posts OTLP/HTTP protobuf to a collector's /v1/traces (the URL's path is \
                kept when it already ends in /v1/traces), in requests of at most 100 traces or 10,000 spans; \
                --otlp-json posts OTLP JSON instead. A collector that answers outside 2xx stops the export with \
                its status and answer.

                The same store answers Jaeger's query API (`meshlog serve`): /api/services, \
                /api/services/{service}/operations, /api/traces (service, operation, tags, minDuration, \
                maxDuration, limit, start, end, lookback) and /api/traces/{id} (trace id or x-request-id).

                Example:
                  meshlog export --since 1h --output traces.otlp.json
                  meshlog export --status 5xx --format jaeger --output failing.jaeger.json
                  meshlog export --service course --limit 10 --format zipkin
                """
        )

        @OptionGroup var filters: TraceFilterOptions
        @Option(help: "How many requests to export at most.")
        var limit: Int = 1000

        @Option(help: ArgumentHelp("File format: otlp (OTLP JSON), jaeger (Jaeger UI JSON) or zipkin (Zipkin v2 JSON).",
                                   valueName: "format"))
        var format: String = "otlp"
        @Option(help: ArgumentHelp("File to write, - for stdout.", valueName: "file"))
        var output: String = "-"
        @Option(help: ArgumentHelp("Post OTLP/HTTP to this collector instead of writing a file (http://HOST:4318).",
                                   valueName: "url"))
        var otlp: String?
        @Flag(help: "With --otlp, post OTLP JSON rather than protobuf.")
        var otlpJSON = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive (got \(limit)).") }
            guard ["otlp", "jaeger", "zipkin"].contains(format) else {
                throw ValidationError("Cannot export --format '\(format)'. Use otlp, jaeger or zipkin.")
            }
            if otlpJSON && otlp == nil { throw ValidationError("--otlp-json needs --otlp URL.") }
            if otlp != nil && (format != "otlp" || output != "-") {
                throw ValidationError("--otlp posts to a collector: give it without --format and --output.")
            }
            if let otlp {
                do { _ = try OTLPHTTPSender(url: otlp, json: otlpJSON) } catch let e as OTLPExportError {
                    throw ValidationError(e.description)
                }
            }
        }

        func run() throws {
            let store = try database.openForTraces()
            let filter = try filters.filter(limit: limit, reader: store.traceReader)
            let started = Date()
            var spans = 0
            let progress = Terminal.stderrIsTTY
            if let otlp {
                let sender = try OTLPHTTPSender(url: otlp, json: otlpJSON)
                let encoding: ExportFormat = otlpJSON ? .otlpJSON : .otlpProtobuf
                var batcher = ExportBatcher()
                var requests = 0
                func post(_ batch: [[ExportSpan]]) throws {
                    do { try sender.post(encoding.encode(batch)) } catch let e as OTLPExportError {
                        throw CommandFailure(e.description + (requests > 0 ? " (after \(requests) accepted requests)" : ""))
                    }
                    requests += 1
                }
                let traces = try TraceExporter().export(from: store.traceReader, filter: filter) { trace in
                    spans += trace.count
                    for batch in batcher.add(trace) { try post(batch) }
                    if progress, requests > 0, requests % 10 == 0 { Terminal.err("\r\(requests) requests sent") }
                }
                if let last = batcher.finish() { try post(last) }
                Terminal.err((progress ? "\r" : "") + "exported \(Terminal.count(traces)) traces (\(Terminal.count(spans)) spans) "
                    + "to \(sender.host):\(sender.port)\(sender.path) in \(requests) requests, \(elapsed(started))\n")
                return
            }
            let sink = try OutputSink(path: output)
            var stream = ExportStream(format: format == "jaeger" ? .jaeger : format == "zipkin" ? .zipkin : .otlpJSON)
            let traces = try TraceExporter().export(from: store.traceReader, filter: filter) { trace in
                spans += trace.count
                try sink.write(stream.add(trace))
                if progress, stream.traceCount % 100 == 0 { Terminal.err("\r\(stream.traceCount) traces") }
            }
            try sink.write(stream.finish())
            try sink.close()
            Terminal.err((progress ? "\r" : "") + "exported \(Terminal.count(traces)) traces (\(Terminal.count(spans)) spans) as "
                + "\(format) to \(output == "-" ? "stdout" : output), \(elapsed(started))\n")
        }

        private func elapsed(_ since: Date) -> String {
            String(format: "%.2f s", Date().timeIntervalSince(since))
        }
    }
}

/// Where `meshlog export` writes: a file (created or truncated) or stdout.
private final class OutputSink {
    private let handle: FileHandle
    private let path: String

    init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardOutput
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CommandFailure("cannot write --output '\(path)': check that its folder exists and is writable")
        }
        handle = h
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        do { try handle.write(contentsOf: bytes) } catch {
            throw CommandFailure("cannot write to \(path == "-" ? "stdout" : path): \(error.localizedDescription)")
        }
    }

    func close() throws {
        if path != "-" { try handle.close() }
    }
}
