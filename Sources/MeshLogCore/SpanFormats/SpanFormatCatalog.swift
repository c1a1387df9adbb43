/// The span file formats meshlog reads, each with what writes it and where its shape is defined (for
/// `meshlog formats --spans` and the README). Formats are recognised by content, never by file name; gzip and
/// zstd around any of them are recognised by their magic numbers.
public enum SpanFormatCatalog {
    /// One span format.
    public struct Entry: Sendable {
        /// The format's name, as stored in `source.format`.
        public let format: SpanFormat
        /// What writes it: tools, API endpoints, exporters.
        public let writers: String
        /// Where the shape is defined (repository and file).
        public let source: String
    }

    public static let entries: [Entry] = [
        Entry(
            format: .zipkinV2,
            writers: "Zipkin v2 API (/api/v2/trace/{id}, /api/v2/traces), Envoy's Zipkin tracer, Zipkin exporters; "
                + "Grafana's trace Download for Zipkin data sources",
            source: "openzipkin/zipkin-api zipkin2-api.yaml; grafana transformToZipkin"),
        Entry(
            format: .jaeger,
            writers: "Jaeger v1 query API (/api/traces/{id}: {\"data\":[…]}), Jaeger UI \"Download JSON\", Grafana's trace "
                + "Download for Jaeger data sources, Jaeger Elasticsearch span documents, Jaeger domain proto-JSON",
            source: "jaegertracing/jaeger model/json, internal/uimodel; grafana transformToJaeger"),
        Entry(
            format: .otlp,
            writers: "OTLP/JSON ({\"resourceSpans\":[…]}, OTLP/HTTP JSON bodies, the files otel-desktop-viewer "
                + "import reads); the Collector file exporter's format: json (one message per line); Jaeger v2 query "
                + "API /api/v3/traces ({\"result\":{…}}, one per line when streamed); Tempo /api/v2/traces/{id} "
                + "({\"trace\":{…}}); otel-cli server json (a span per file or line, Go's encoding/json: "
                + "snake_case keys, base64 ids, no resource)",
            source: "open-telemetry/opentelemetry-proto trace/v1/trace.proto (JSON mapping); "
                + "opentelemetry-collector-contrib exporter/fileexporter; jaeger cmd/query/app/apiv3/http_gateway.go "
                + "(GRPCGatewayWrapper); grafana/tempo pkg/tempopb/tempo.proto (TraceByIDResponse); "
                + "equinix-labs/otel-cli otelcli/server_json.go"),
        Entry(
            format: .tempo,
            writers: "Tempo /api/traces/{id} ({\"batches\":[…]}, base64 ids); Grafana's trace Download for Tempo and "
                + "OTLP data sources (batches with instrumentationLibrarySpans)",
            source: "grafana/tempo pkg/tempopb/tempo.proto (Trace); grafana transformToOTLP"),
        Entry(
            format: .otlpProtobuf,
            writers: "binary OTLP ExportTraceServiceRequest/TracesData (.pb, .binpb, an OTLP/HTTP protobuf body as "
                + "curl --data-binary posts it; Tempo /api/traces/{id} as application/protobuf); the Collector file "
                + "exporter's format: proto (4-byte big-endian length per message; compression: zstd compresses each "
                + "message, read with libzstd.so.1)",
            source: "open-telemetry/opentelemetry-proto collector/trace/v1/trace_service.proto, trace/v1/trace.proto; "
                + "opentelemetry-collector-contrib exporter/fileexporter/file_writer.go (exportMessageAsBuffer)"),
    ]
}
