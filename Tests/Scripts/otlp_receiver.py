"""A minimal OTLP/HTTP trace receiver for the export tests.

Usage: python3 otlp_receiver.py SUMMARY.json [STATUS]

Listens on 127.0.0.1 on an ephemeral port and prints the port on its first line of stdout. Every
POST to /v1/traces is decoded with the published OTLP schema (the `opentelemetry-proto` package
from PyPI): `application/x-protobuf` with ExportTraceServiceRequest.ParseFromString, and
`application/json` with protobuf's json_format (the OTLP JSON mapping: hex ids are converted to
bytes first). After each request the summary of all requests so far is written to SUMMARY.json:
requests (path, content type, span count), and every span (service, trace and span ids in hex,
parent, name, kind, start and end in ns, status code, attributes as text). Answers STATUS
(default 200) with an empty ExportTraceServiceResponse; a body that does not decode gets 400.
Exits 3 when opentelemetry-proto is missing, after printing `missing opentelemetry-proto`.
"""
import base64
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

try:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
except ImportError:
    print("missing opentelemetry-proto", flush=True)
    sys.exit(3)

SUMMARY = sys.argv[1]
STATUS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
state = {"requests": [], "spans": []}


def any_value_text(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return ""
    value = getattr(v, kind)
    if kind == "bool_value":
        return "true" if value else "false"
    return str(value)


def hex_ids_to_base64(obj):
    """OTLP JSON writes ids as hex; protobuf's JSON mapping of bytes is base64."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                out[k] = base64.b64encode(bytes.fromhex(v)).decode()
            else:
                out[k] = hex_ids_to_base64(v)
        return out
    if isinstance(obj, list):
        return [hex_ids_to_base64(x) for x in obj]
    return obj


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        content_type = self.headers.get("Content-Type", "")
        request = trace_service_pb2.ExportTraceServiceRequest()
        try:
            if content_type == "application/json":
                json_format.Parse(json.dumps(hex_ids_to_base64(json.loads(body))), request)
            else:
                request.ParseFromString(body)
        except Exception as e:  # noqa: BLE001 - any decoding failure is the client's
            self.answer(400, str(e).encode())
            return
        count = 0
        for rs in request.resource_spans:
            service = next((any_value_text(a.value) for a in rs.resource.attributes if a.key == "service.name"), "")
            for ss in rs.scope_spans:
                for s in ss.spans:
                    count += 1
                    state["spans"].append({
                        "service": service, "scope": ss.scope.name,
                        "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                        "parent_id": s.parent_span_id.hex(), "name": s.name, "kind": s.kind,
                        "start": s.start_time_unix_nano, "end": s.end_time_unix_nano,
                        "status": s.status.code,
                        "attributes": {a.key: any_value_text(a.value) for a in s.attributes},
                        "int_attributes": sorted(a.key for a in s.attributes if a.value.WhichOneof("value") == "int_value"),
                    })
        state["requests"].append({"path": self.path, "content_type": content_type, "spans": count})
        with open(SUMMARY, "w") as f:
            json.dump(state, f)
        if STATUS >= 300:
            self.answer(STATUS, b"collector says no: queue full")
        else:
            self.answer(STATUS, trace_service_pb2.ExportTraceServiceResponse().SerializeToString())

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# The test runner may start us with SIGTERM ignored (an ignored signal is inherited): stop on it anyway.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
