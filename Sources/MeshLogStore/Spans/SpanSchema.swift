/// DDL of migration `002-spans`: the `span_entry` table, its dictionary and the public `span` view.
///
/// Storage choices (all invisible through the `span` view):
/// - `trace_id`: 16-byte blob for hex ids (64-bit ids left-padded, like `log_entry.tid`), text otherwise;
/// - `span_id`, `parent_id`: the 64-bit id as a signed integer for 16-hex ids, text otherwise;
/// - `service`, `name`: ids into `span_dict` (spans repeat a handful of services and operations);
/// - `req`: the `x-request-id` (`guid:x-request-id` tag) as a 16-byte blob for canonical lowercase UUIDs,
///   text otherwise: the same encoding as `request.rid`, so spans join access logs through `request_rid`;
/// - `kind` 0 unspecified … 5 consumer, `status` 0 unset, 1 ok, 2 error, `shared` 1 on Zipkin's server half.
///
/// Spans keep their own dictionary so span ingest never races the access-log interner for `dict` ids.
public enum SpanSchema {
    /// The migration body.
    public static func migrate(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE span_dict(
              id INTEGER PRIMARY KEY,
              value TEXT NOT NULL UNIQUE
            );
            CREATE TABLE span_entry(
              id INTEGER PRIMARY KEY,
              source_id INTEGER NOT NULL,
              line INTEGER NOT NULL,
              trace_id NOT NULL,
              span_id NOT NULL,
              parent_id,
              service INTEGER,
              name INTEGER,
              kind INTEGER NOT NULL DEFAULT 0,
              shared INTEGER NOT NULL DEFAULT 0,
              start_us INTEGER,
              duration_us INTEGER,
              status INTEGER NOT NULL DEFAULT 0,
              http_status INTEGER,
              req,
              attributes TEXT
            );
            CREATE INDEX span_entry_trace ON span_entry(trace_id);
            CREATE INDEX span_entry_req ON span_entry(req) WHERE req IS NOT NULL;
            CREATE INDEX span_entry_source ON span_entry(source_id);
            """)
        try db.execute(spanView)
    }

    static func id(_ column: String) -> String {
        "CASE typeof(\(column)) WHEN 'integer' THEN printf('%016x', \(column)) ELSE \(column) END"
    }

    /// The `span` view: the public, documented interface over `span_entry`.
    static let spanView = """
        CREATE VIEW span AS SELECT
          CASE typeof(s.trace_id) WHEN 'blob' THEN lower(hex(s.trace_id)) ELSE s.trace_id END AS trace_id,
          \(id("s.span_id")) AS span_id,
          \(id("s.parent_id")) AS parent_id,
          (SELECT value FROM span_dict WHERE id = s.service) AS service,
          (SELECT value FROM span_dict WHERE id = s.name) AS name,
          CASE s.kind WHEN 1 THEN 'internal' WHEN 2 THEN 'server' WHEN 3 THEN 'client' WHEN 4 THEN 'producer'
            WHEN 5 THEN 'consumer' ELSE 'unspecified' END AS kind,
          s.start_us AS start_us,
          s.duration_us AS duration_us,
          CASE s.status WHEN 1 THEN 'ok' WHEN 2 THEN 'error' ELSE 'unset' END AS status,
          s.http_status AS http_status,
          \(StoreSchema.uuid("s.req")) AS request_id,
          s.attributes AS attributes,
          (SELECT path FROM source WHERE id = s.source_id) AS source,
          s.line AS line
        FROM span_entry s
        """
}

/// Encodings of identifiers as stored in `span_entry` (and `log_entry.tid`, `request.rid`).
public enum SpanKeys {
    /// A normalised trace id as stored: 16 bytes for 16/32 hex characters (any case), else lowercase text.
    public static func trace(_ id: String) -> SQLValue {
        let lower = id.lowercased()
        let bytes = Array(lower.utf8)
        guard (bytes.count == 32 || bytes.count == 16 || bytes.count == 31), bytes.allSatisfy(isHex) else {
            return .text(lower)
        }
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: 32 - bytes.count) + bytes
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for k in 0..<16 { out.append(nibble(padded[2 * k]) << 4 | nibble(padded[2 * k + 1])) }
        return .blob(out)
    }

    /// A span id as stored: a signed 64-bit integer for up to 16 hex characters, else lowercase text.
    public static func span(_ id: String) -> SQLValue {
        let bytes = Array(id.utf8)
        if !bytes.isEmpty, bytes.count <= 16, bytes.allSatisfy(isHex), let v = UInt64(id, radix: 16) {
            return .integer(Int64(bitPattern: v))
        }
        return .text(id.lowercased())
    }

    /// A request id as stored in `request.rid`: 16 bytes for a canonical lowercase UUID, else text.
    public static func request(_ id: String) -> SQLValue {
        let bytes = Array(id.utf8)
        guard bytes.count == 36, bytes[8] == 45, bytes[13] == 45, bytes[18] == 45, bytes[23] == 45 else {
            return .text(id)
        }
        var out: [UInt8] = []
        var i = 0
        while i < 36 {
            if i == 8 || i == 13 || i == 18 || i == 23 { i += 1; continue }
            let hi = bytes[i], lo = bytes[i + 1]
            guard isLowerHex(hi), isLowerHex(lo) else { return .text(id) }
            out.append(nibble(hi) << 4 | nibble(lo))
            i += 2
        }
        return .blob(out)
    }

    /// Renders a stored span id (integer or text) as 16 lowercase hex characters.
    public static func spanText(_ v: SQLValue) -> String? {
        switch v {
        case .integer(let i):
            // 16 lowercase hex digits, written directly (this runs for every span of a trace).
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            let v = UInt64(bitPattern: i)
            return String(unsafeUninitializedCapacity: 16) { out in
                for k in 0..<16 { out[k] = digits[Int((v >> UInt64(60 - 4 * k)) & 15)] }
                return 16
            }
        case .text(let t): return t
        default: return nil
        }
    }

    /// Renders a stored trace id (blob or text) as lowercase hex.
    public static func traceText(_ v: SQLValue) -> String? {
        switch v {
        case .blob(let b): return hex(b)
        case .text(let t): return t
        default: return nil
        }
    }

    /// Renders a stored request id (16-byte blob or text) as a UUID string.
    public static func requestText(_ v: SQLValue) -> String? {
        switch v {
        case .blob(let b) where b.count == 16:
            let h = Array(hex(b))
            return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20])
                + "-" + String(h[20..<32])
        case .text(let t): return t
        default: return nil
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) static func isHex(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
    }

    @inline(__always) static func isLowerHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) }

    @inline(__always) static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        default: return c - 55
        }
    }
}
