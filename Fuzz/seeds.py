#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<target>/ from the format catalog's sample lines, the
test fixtures and samples/, plus a few hand-written inputs. Run from anywhere; rewrites the seeds."""
import gzip, io, os, re, shutil, tarfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "Fuzz", "Corpus")

def src(*p):
    with open(os.path.join(root, *p), "rb") as f:
        return f.read()

def head(data, n=12):
    return b"\n".join(data.split(b"\n")[:n]) + b"\n"

seeds = {}
def add(target, name, data):
    seeds.setdefault(target, []).append((name, data))

# The catalog: format strings and each preset's kind and samples, in catalog order.
catalog = src("Sources", "MeshLogCore", "FormatCatalog", "FormatCatalog.swift").decode()
formats = {m.group(1): m.group(2) for m in re.finditer(r'static let (\w+Format) = #"(.*)"#', catalog)}
presets = []  # (name, kind, format or None, samples)
for block in catalog.split("FormatPreset(")[1:]:
    name = re.search(r'name: "([^"]+)"', block).group(1)
    kind = re.search(r'kind: \.(text|json)\((\w+)', block)
    samples_part = block.split("samples: [", 1)[1].split("\n            ]", 1)[0]
    samples = [m.group(1) for m in re.finditer(r'#"(.*)"#', samples_part)]
    presets.append((name, kind.group(1), formats.get(kind.group(2)), samples))
text = [p for p in presets if p[1] == "text"]
json = [p for p in presets if p[1] == "json"]

for i, (name, _, fmt, samples) in enumerate(text):
    body = "\n".join(samples).encode() + b"\n"
    add("format-compiler", name, fmt.encode().replace(b"\\n", b"") + b"\n" + body)
    add("text-line", name, bytes([i]) + body)
for i, (name, _, _, samples) in enumerate(json):
    add("json-line", name, bytes([i]) + "\n".join(samples).encode() + b"\n")

custom = src("Tests", "Fixtures", "logs", "custom-format.txt").split(b"\n")[0]
add("format-compiler", "custom-fixture", custom + b"\n" + head(src("Tests", "Fixtures", "logs", "envoy-default.log"), 4))
add("format-compiler", "start-time-patterns",
    b"%START_TIME(%Y-%m-%dT%H:%M:%S.%3fZ)% %START_TIME(%s.%6f)% \"%REQ(:METHOD)% %REQ(:PATH):20%\" %RESPONSE_CODE% %DURATION%ms %%\n"
    b"2026-03-02T14:05:09.481Z 1772460309.481000 \"GET /api/v2/carts/77/items?x=1\" 200 12ms %\n")
add("format-compiler", "metadata-and-filters",
    b"%DYNAMIC_METADATA(istio.mixer:status)% %FILTER_STATE(x:PLAIN)% %UPSTREAM_CLUSTER_RAW% %BYTES_RECEIVED:4% %RESP(X-A?X-B):8%\\n\n"
    b"ok - outbound|80||a.b 12 -\n")
add("text-line", "istio-hop", bytes([0]) + src("Tests", "Fixtures", "logs", "istio-hop.log"))
add("text-line", "envoy-default", bytes([[p[0] for p in text].index("envoy")]) + src("Tests", "Fixtures", "logs", "envoy-default.log"))
add("text-line", "samples-crlf", bytes([0]) + head(src("samples", "course-v1-czdtkp4px-2jkfm.log"), 3).replace(b"\n", b"\r\n"))
add("json-line", "istio-json-sample", bytes([0]) + head(src("samples", "course-v2-wz566tjhhx-6x5pf.json.log"), 4))

# Spans: every fixture, sniffed by its content.
spans_dir = os.path.join(root, "Tests", "Fixtures", "spans")
for f in sorted(os.listdir(spans_dir)):
    add("spans", f, b"\x00" + src("Tests", "Fixtures", "spans", f))
add("spans", "zipkin-sample-head", b"\x05" + gzip.decompress(src("samples", "spans.zipkin.json.gz"))[:3000])

# Wrappers: the index into LineWrapper.allCases (none, cri, docker-json, kubectl, compose,
# access-prefix, kubectl-prefix, log-record), 8 = detect from the lines.
istio_line = text[0][3][0]
jstr = istio_line.replace("\\", "\\\\").replace('"', '\\"')
half = len(jstr) // 2
while jstr[half - 1] == "\\":
    half += 1
wrapped = {
    1: f"2026-11-25T09:14:04.1Z stdout P {istio_line[:40]}\n2026-11-25T09:14:04.2Z stderr F not a log\n"
       f"2026-11-25T09:14:04.90297571Z stdout F {istio_line[40:]}\n2024-04-13T07:59:37.505201169-05:00 stdout F {istio_line}\n",
    2: f'{{"log":"{jstr[:half]}","stream":"stdout","time":"2016-10-20T18:39:20.57606443Z"}}\n'
       f'{{"log":"{jstr[half:]}\\n","stream":"stdout","time":"2016-10-20T18:39:20.6Z"}}\n'
       f'{{"log":"{jstr}\\r\\n","stream":"stderr","time":"2016-10-20T18:39:21Z"}}\n',
    3: src("Tests", "Fixtures", "logs", "kubectl-waypoint.log").decode(),
    4: src("Tests", "Fixtures", "logs", "compose-custom.log").decode(),
    5: f"ACCESS {istio_line}\nACCESS [bad\n",
    6: f"[pod/course-v1-czdtkp4px-2jkfm/istio-proxy] {istio_line}\n"
       f"[pod/course-v1-czdtkp4px-2jkfm/app] started\n"
       f"[pod/user-v1-vznx8z9fq-fpp87/istio-proxy] 2026-11-25T09:14:04.905201169Z {istio_line}\n",
    7: f'{{"line":"{jstr}","labels":{{"pod":"course-v1-czdtkp4px-2jkfm","container":"istio-proxy"}},"timestamp":"2026-11-25T09:14:04.1Z"}}\n'
       f'{{"log":"{jstr}\\n","kubernetes":{{"pod_name":"user-v1-vznx8z9fq-fpp87","container_name":"istio-proxy"}},"time":"2026-11-25T09:14:04.2Z"}}\n'
       f'{{"textPayload":"{jstr}","resource":{{"labels":{{"pod_name":"a-1","container_name":"istio-proxy"}}}},"receiveTimestamp":"2026-11-25T09:14:05Z"}}\n'
       f'{{"message":"{jstr}","kubernetes":{{"pod":{{"name":"b-2"}},"container":{{"name":"istio-proxy"}}}},"@timestamp":"2026-11-25T09:14:06Z"}}\n'
       f'{{"@message":"{jstr}","@logStream":"fluent-bit-kube.var.log.containers.c-3_ns_istio-proxy-0123abcd.log"}}\n',
    8: f"INFO 2024-03-25T08:56:41.897522475Z [resource.labels.containerName: istio-proxy] {istio_line}\n"
       f"INFO [resource.labels.containerName: istio-proxy] {{\"response_code\":200,\"duration\":3}}\n",
}
for k, v in wrapped.items():
    add("wrappers", f"wrapper-{k}", bytes([k]) + v.encode())
add("wrappers", "detect-cri", bytes([8]) + wrapped[1].encode())
add("wrappers", "detect-docker", bytes([8]) + wrapped[2].encode())

# Tar: ustar, GNU and pax archives, long names, a gzipped member, a hidden one and a directory.
def tar(fmt, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, data in members:
            if data is None:
                info = tarfile.TarInfo(name); info.type = tarfile.DIRTYPE; t.addfile(info); continue
            info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 1764000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
log = head(src("samples", "course-v1-czdtkp4px-2jkfm.log"), 3)
long_name = "logs/" + "very-long-directory-name/" * 6 + "frontend-v1-fsg6lvwr4-rtjg7.log"
gz = gzip.compress(log, mtime=0)
add("tar", "ustar", b"\x10" + tar(tarfile.USTAR_FORMAT, [("logs", None), ("logs/a.log", log), ("logs/.hidden", b"x\n")]))
add("tar", "gnu-long-name", b"\x02" + tar(tarfile.GNU_FORMAT, [(long_name, log), ("b.log.gz", gz)]))
add("tar", "pax", b"\x01" + tar(tarfile.PAX_FORMAT, [(long_name, log), ("c.log", b"")]))

# Gzip: one member, two members, zero padding; first byte: bit 0 picks ISA-L, the rest the buffer sizes.
plain = head(src("samples", "frontend-v1-fsg6lvwr4-rtjg7.log"), 6)
one = gzip.compress(plain, mtime=0)
add("gzip", "member-zlib", b"\x10" + one)
add("gzip", "member-isal", b"\x11" + one)
add("gzip", "two-members", b"\x42" + one + gzip.compress(b"second member\n", mtime=0))
add("gzip", "padding", b"\x07" + one + b"\x00" * 40)
add("gzip", "truncated", b"\x20" + one[: len(one) // 2])
add("gzip", "sample-head", b"\x33" + src("samples", "frontend-v1-fsg6lvwr4-4jjth.log.gz")[:4096])

# Inference: logs in formats no preset has.
add("inference", "custom", head(src("Tests", "Fixtures", "logs", "envoy-default.log"), 6))
add("inference", "compose", src("Tests", "Fixtures", "logs", "compose-custom.log"))
add("inference", "ztunnel", head(src("Tests", "Fixtures", "logs", "ztunnel.log"), 6))
add("inference", "kubectl", src("Tests", "Fixtures", "logs", "kubectl-waypoint.log"))
add("inference", "trimmed-istio", b"\n".join(b" ".join(l.split(b" ")[:14]) for l in head(src("samples", "user-v1-vznx8z9fq-fpp87.log"), 8).split(b"\n")))

for target, items in seeds.items():
    d = os.path.join(corpus, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in items:
        with open(os.path.join(d, re.sub(r"[^A-Za-z0-9._-]", "_", name)), "wb") as f:
            f.write(data)
    print(f"{target}: {len(items)} seeds, {sum(len(x) for _, x in items)} bytes")
