/// One span as `meshlog export` writes it, neutral between OTLP, Jaeger and Zipkin.
public struct ExportSpan: Sendable, Equatable {
    /// What side of a call the span records (OTLP's `SpanKind`).
    public enum Kind: Int, Sendable, Equatable {
        case unspecified = 0
        case `internal` = 1
        case server = 2
        case client = 3
        case producer = 4
        case consumer = 5

        /// The kind of a stored span (`server`, `client`, …; anything else is internal).
        public init(stored: String) {
            switch stored {
            case "server": self = .server
            case "client": self = .client
            case "producer": self = .producer
            case "consumer": self = .consumer
            default: self = .internal
            }
        }

        /// `server`, `client`, … as Jaeger's `span.kind` tag writes it (nil for internal).
        public var tagValue: String? {
            switch self {
            case .server: "server"
            case .client: "client"
            case .producer: "producer"
            case .consumer: "consumer"
            case .internal, .unspecified: nil
            }
        }
    }

    /// OTLP's status codes.
    public enum Status: Int, Sendable, Equatable {
        case unset = 0
        case ok = 1
        case error = 2
    }

    /// 16 bytes.
    public var traceID: [UInt8]
    /// 8 bytes.
    public var spanID: [UInt8]
    /// 8 bytes, nil for a root.
    public var parentID: [UInt8]?
    /// The service that recorded the span (`service.name`).
    public var service: String
    public var name: String
    public var kind: Kind
    /// Start, µs since the epoch.
    public var startUs: Int64
    /// Duration, µs.
    public var durationUs: Int64
    public var status: Status
    /// The peer service of a client span (Zipkin's `remoteEndpoint.serviceName`), when known.
    public var remoteService: String?
    /// Attributes in the order they are written.
    public var attributes: [ExportAttribute]

    /// A span with no attributes yet.
    public init(traceID: [UInt8], spanID: [UInt8], parentID: [UInt8]?, service: String, name: String, kind: Kind,
                startUs: Int64, durationUs: Int64, status: Status, remoteService: String? = nil,
                attributes: [ExportAttribute] = []) {
        (self.traceID, self.spanID, self.parentID) = (traceID, spanID, parentID)
        (self.service, self.name, self.kind) = (service, name, kind)
        (self.startUs, self.durationUs, self.status) = (startUs, durationUs, status)
        (self.remoteService, self.attributes) = (remoteService, attributes)
    }

    /// End, µs since the epoch.
    public var endUs: Int64 { startUs + durationUs }

    /// The value of attribute `key`, nil when absent.
    public func attribute(_ key: String) -> ExportAttribute.Value? { attributes.first { $0.key == key }?.value }
}

/// One typed span attribute.
public struct ExportAttribute: Sendable, Equatable {
    /// The attribute's value, typed as OTLP's `AnyValue` scalars.
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case double(Double)

        /// The value as text (Zipkin tags are strings).
        public var text: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            case .bool(let b): b ? "true" : "false"
            case .double(let d): String(d)
            }
        }
    }

    public var key: String
    public var value: Value

    /// `key` = `value`.
    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }
}

/// Lowercase hex of ids, and ids from hex.
enum HexID {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Appends `bytes` as lowercase hex.
    static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
    }

    /// `bytes` as lowercase hex.
    static func text(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `width` bytes from hex text (left-padded with zeros), nil when `text` is not hex or too long.
    static func bytes(_ text: String, width: Int) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard !chars.isEmpty, chars.count <= width * 2 else { return nil }
        var nibbles: [UInt8] = Array(repeating: 0, count: width * 2 - chars.count)
        for c in chars {
            switch c {
            case 48...57: nibbles.append(c - 48)
            case 97...102: nibbles.append(c - 87)
            case 65...70: nibbles.append(c - 55)
            default: return nil
            }
        }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }
}

/// Stable 64-bit hashes for ids derived from request ids and line identities (FNV-1a, no randomness).
enum StableHash {
    /// FNV-1a 64 of `text`, started from `seed` (the standard offset basis xor'd with it).
    static func fnv1a(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        // A final mix (from SplitMix64) spreads FNV's weak high bits.
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    /// 8 big-endian bytes of `value`.
    static func bytes(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    /// A 16-byte trace id derived from `text`.
    static func traceID(_ text: String) -> [UInt8] { bytes(fnv1a(text, seed: 1)) + bytes(fnv1a(text, seed: 2)) }

    /// An 8-byte non-zero span id derived from `text`.
    static func spanID(_ text: String) -> [UInt8] {
        let h = fnv1a(text, seed: 3)
        return bytes(h == 0 ? 1 : h)
    }
}
