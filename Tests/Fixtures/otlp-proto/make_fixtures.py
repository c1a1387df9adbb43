#!/usr/bin/env python3
"""Writes the OTLP protobuf fixtures of meshlog's tests from ONE trace, with the official packages.

    python3 -m venv /tmp/otlp && /tmp/otlp/bin/pip install protobuf opentelemetry-proto
    /tmp/otlp/bin/python Tests/Fixtures/otlp-proto/make_fixtures.py

The tests never run this script: they read the files it wrote (committed) and check that meshlog's own protobuf
decoder gives, span by span, what its OTLP JSON decoder gives for trace.json. The protobuf bytes come from
Google's protobuf runtime and the generated opentelemetry-proto classes, so they are an independent check of the
hand-written decoder (field numbers, wire types, packing).

Files (the same spans in each):
- trace.json            OTLP JSON (json_format.MessageToJson; ids turned into hex as the OTLP/JSON spec says)
- trace.binpb           one binary ExportTraceServiceRequest (what `curl --data-binary` posts to /v1/traces)
- trace.binpb.gz        the same, gzipped
- file-exporter.pb      the Collector file exporter's `format: proto`: 2 messages, each after its 4-byte
                        big-endian length (exporter/fileexporter/file_writer.go exportMessageAsBuffer)
- file-exporter.jsonl   the same 2 messages as its `format: json` writes them, one per line
- jaeger-v2.json        Jaeger v2 /api/v3/traces/{id}: {"result": <TracesData>}
- jaeger-v2-stream.json the same streamed by its gRPC gateway: one {"result": …} per message, one per line
- tempo-v2.json         Tempo /api/v2/traces/{id}: {"trace": <Trace>, "status": "COMPLETE"}
"""
import base64
import gzip
import json
import os
import struct

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status, TracesData

HERE = os.path.dirname(os.path.abspath(__file__))
TRACE = bytes.fromhex("6e0c63257de34c926f9efcd03927272e")
SHORT_TRACE = bytes(8) + bytes.fromhex("5af7183fb1d4cf5f")  # a 64-bit B3 id in a 128-bit field
T0 = 1_772_460_000_000_000_000  # ns


def kv(key, **value):
    return KeyValue(key=key, value=AnyValue(**value))


def span(trace, sid, parent, name, kind, start, end, attributes=(), status=None, **extra):
    s = Span(trace_id=trace, span_id=bytes.fromhex(sid), name=name, kind=kind,
             start_time_unix_nano=start, end_time_unix_nano=end, attributes=list(attributes), **extra)
    if parent:
        s.parent_span_id = bytes.fromhex(parent)
    if status is not None:
        s.status.CopyFrom(status)
    return s


def checkout(rs):
    rs.resource.attributes.extend([
        kv("service.name", string_value="checkout"),
        kv("k8s.pod.name", string_value="checkout-7d9f8c6b5-x2x9z"),
        kv("host.cpus", int_value=8),
    ])
    rs.schema_url = "https://opentelemetry.io/schemas/1.21.0"
    ss = rs.scope_spans.add()
    ss.scope.name = "envoy"
    ss.scope.version = "1.30.1"
    ss.scope.attributes.append(kv("mesh", string_value="istio"))
    root = span(TRACE, "a1b2c3d4e5f60718", None, "POST /checkout", Span.SPAN_KIND_SERVER, T0, T0 + 45_500_000, [
        kv("http.status_code", int_value=502),
        kv("guid:x-request-id", string_value="9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"),
        kv("sampled", bool_value=True),
        kv("ratio", double_value=0.25),
        kv("retries", int_value=-3),
        kv("tags", array_value=ArrayValue(values=[AnyValue(string_value="a"), AnyValue(int_value=2),
                                                   AnyValue(bool_value=False), AnyValue(double_value=1.5)])),
        kv("peer", kvlist_value=KeyValueList(values=[kv("ip", string_value="10.1.2.3"), kv("port", int_value=9080)])),
        kv("raw", bytes_value=b"\x00\x00\x30\x39"),
        kv("empty"),
        kv("note", string_value="caf\u00e9 \u2192 \u00fcber"),
    ], Status(code=Status.STATUS_CODE_ERROR, message="upstream reset"),
        trace_state="vendor=1", flags=0x301, dropped_attributes_count=2)
    root.events.add(time_unix_nano=T0 + 1_000_000, name="retry", attributes=[kv("attempt", int_value=1)])
    root.events.add(time_unix_nano=T0 + 2_000_000, name="exception")
    child = span(TRACE, "b2c3d4e5f6071829", "a1b2c3d4e5f60718", "reserve stock", Span.SPAN_KIND_INTERNAL,
                 T0 + 2_000_000, T0 + 10_000_000, [], Status(code=Status.STATUS_CODE_OK), dropped_links_count=1)
    link = child.links.add(trace_id=SHORT_TRACE, span_id=bytes.fromhex("5af7183fb1d4cf5f"), trace_state="x=y")
    link.attributes.append(kv("link.kind", string_value="follows"))
    # No span id: skipped with a warning, by both decoders.
    nameless = span(TRACE, "", "a1b2c3d4e5f60718", "no span id", Span.SPAN_KIND_INTERNAL, T0, T0 + 1000)
    ss.spans.extend([root, child, nameless])


def payments(rs):
    rs.resource.attributes.extend([kv("service.name", string_value="payments"), kv("region", string_value="eu")])
    ss = rs.scope_spans.add()  # no scope
    ss.spans.extend([
        span(TRACE, "c3d4e5f607182930", "a1b2c3d4e5f60718", "POST /pay", Span.SPAN_KIND_SERVER,
             T0 + 12_000_000, T0 + 42_000_000, [kv("http.response.status_code", int_value=503)], Status()),
        # A CLIENT span answered 404 (an error by semconv), no end time (no duration).
        span(SHORT_TRACE, "1a2b3c4d5e6f7081", "8e9fa0b1c2d3e4f5", "GET /card", Span.SPAN_KIND_CLIENT,
             T0 + 13_000_000, 0, [kv("http.status_code", string_value="404")]),
        # Clock skew: ends before it starts (a negative duration, kept as such).
        span(SHORT_TRACE, "2b3c4d5e6f708192", "1a2b3c4d5e6f7081", "fraud check", Span.SPAN_KIND_PRODUCER,
             T0 + 14_000_000, T0 + 13_500_000, [kv("error", bool_value=True)]),
    ])


def hex_ids(message):
    """MessageToJson writes bytes as base64; OTLP JSON writes trace and span ids as hex."""
    def fix(obj):
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in obj:
                obj[key] = base64.b64decode(obj[key]).hex()
    for rs in message.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                fix(s)
                for link in s.get("links", []):
                    fix(link)
    return message


def to_json(message):
    return hex_ids(json.loads(json_format.MessageToJson(message, use_integers_for_enums=True)))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    request = ExportTraceServiceRequest()
    checkout(request.resource_spans.add())
    payments(request.resource_spans.add())
    binary = request.SerializeToString()
    write("trace.binpb", binary)
    write("trace.binpb.gz", gzip.compress(binary, mtime=0))
    everything = to_json(request)
    write("trace.json", (json.dumps(everything, indent=2, ensure_ascii=False) + "\n").encode())

    parts = []
    for rs in request.resource_spans:
        part = TracesData()
        part.resource_spans.add().CopyFrom(rs)
        parts.append(part)
    write("file-exporter.pb", b"".join(struct.pack(">I", len(p.SerializeToString())) + p.SerializeToString()
                                       for p in parts))
    write("file-exporter.jsonl", "".join(json.dumps(to_json(p), separators=(",", ":"), ensure_ascii=False) + "\n"
                                         for p in parts).encode())
    write("jaeger-v2.json", (json.dumps({"result": everything}, indent=2, ensure_ascii=False) + "\n").encode())
    write("jaeger-v2-stream.json", "".join(json.dumps({"result": to_json(p)}, separators=(",", ":"), ensure_ascii=False)
                                           + "\n" for p in parts).encode())
    write("tempo-v2.json", (json.dumps({"trace": everything, "status": "COMPLETE"}, indent=2, ensure_ascii=False)
                            + "\n").encode())


if __name__ == "__main__":
    main()
