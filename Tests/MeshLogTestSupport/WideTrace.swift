import Foundation

/// One very large trace as a Zipkin v2 JSON array: a batch import that fans out into tens of thousands of calls
/// (the size that freezes Jaeger's UI), for the waterfall's speed and the page path's.
///
/// The root calls `chunks` chunk spans; each chunk calls `user GET /users/{id}` `repeats` times (a run the
/// waterfall collapses into one group row) and then `distinct` calls that differ in their operation (rows that
/// never collapse). Every 997th call fails with a 503.
public struct WideTrace {
    /// The trace id (32 hex digits).
    public static let traceID = "00000000000000000000000000b19b19"

    /// Chunk spans under the root.
    public var chunks = 100
    /// Calls alike (`user get /users/{id}`) at the start of each chunk.
    public var repeats = 300
    /// Calls with an operation of their own after them, in each chunk.
    public var distinct = 499

    /// The 80,001-span shape.
    public init() {}

    /// Spans in the trace: the root, the chunks and their calls.
    public var spanCount: Int { 1 + chunks * (1 + repeats + distinct) }

    /// The Zipkin JSON array.
    public func zipkinJSON() -> String {
        let t0: Int64 = 1_795_600_000_000_000  // 2026-11-25T09:46:40Z, inside the generated traffic's window
        var out = "["
        out.reserveCapacity(spanCount * 260)
        var next = 1
        func span(parent: Int?, service: String, name: String, start: Int64, duration: Int64, status: Int) -> Int {
            let id = next
            next += 1
            if id > 1 { out += ",\n" }
            out += "{\"traceId\":\"\(Self.traceID)\",\"id\":\"\(String(format: "%016x", id))\""
            if let parent { out += ",\"parentId\":\"\(String(format: "%016x", parent))\"" }
            out += ",\"kind\":\"SERVER\",\"name\":\"\(name)\",\"timestamp\":\(start),\"duration\":\(duration)"
            out += ",\"localEndpoint\":{\"serviceName\":\"\(service)\"},\"tags\":{\"http.status_code\":\"\(status)\""
            out += status >= 500 ? ",\"error\":\"true\"}}" : "}}"
            return id
        }
        let callsPerChunk = repeats + distinct
        let chunkLength = Int64(callsPerChunk) * 100 + 500
        let root = span(parent: nil, service: "gateway", name: "post /batch/import", start: t0,
                        duration: Int64(chunks) * chunkLength + 1_000, status: 200)
        let services = ["inventory", "pricing", "search", "cart"]
        var call = 0
        for c in 0..<chunks {
            let chunkStart = t0 + 500 + Int64(c) * chunkLength
            let chunk = span(parent: root, service: "batch", name: "import chunk \(c)", start: chunkStart, duration: chunkLength - 100, status: 200)
            for k in 0..<callsPerChunk {
                call += 1
                let (service, name) = k < repeats ? ("user", "get /users/{id}") : (services[k % services.count], "get /items/\(c)-\(k)")
                _ = span(parent: chunk, service: service, name: name, start: chunkStart + 200 + Int64(k) * 100,
                         duration: 60 + Int64(k % 37), status: call % 997 == 0 ? 503 : 200)
            }
        }
        return out + "]\n"
    }
}
