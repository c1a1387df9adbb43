import MeshLogCore
/// Renders `GeneratedLogRecord`s as Envoy/Istio access-log lines, fast and without Foundation formatting.
///
/// Timestamps, integers and addresses are formatted by hand into a byte buffer; one line costs about a
/// microsecond. Missing values render as `-` in text formats and `null` in JSON, as Envoy does. Lines carry no
/// trailing newline.
///
/// For example:
/// ```swift
/// let text = AccessLogLineWriter.render(record, format: .istio)
/// // [2026-11-25T00:00:01.250Z] "GET /courses/1042 HTTP/1.1" 200 - via_upstream - "-" 0 5873 9 8 "-" …
/// ```
public enum AccessLogLineWriter {
    /// The line for `record` in `format`, without a trailing newline.
    public static func render(_ record: GeneratedLogRecord, format: GeneratedLogFormat) -> String {
        String(unsafeUninitializedCapacity: maximumLength(record, format: format)) { buffer in
            var sink = Sink(base: buffer.baseAddress!)
            write(record, format: format, to: &sink)
            return sink.count
        }
    }

    /// Appends the line for `record` in `format` to `buffer` (no newline).
    public static func append(_ record: GeneratedLogRecord, format: GeneratedLogFormat, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: render(record, format: format).utf8)
    }

    /// `%START_TIME%` for `micros`: UTC with milliseconds, e.g. `2026-11-25T00:00:01.250Z` (truncated, not rounded).
    public static func formatTimestamp(micros: Int64) -> String {
        String(unsafeUninitializedCapacity: 24) { buffer in
            var sink = Sink(base: buffer.baseAddress!)
            appendTimestamp(micros, to: &sink)
            return sink.count
        }
    }

    private static func write(_ record: GeneratedLogRecord, format: GeneratedLogFormat, to sink: inout Sink) {
        switch format {
        case .istio: appendText(record, istio: true, legacyMixer: false, to: &sink)
        case .istio13: appendText(record, istio: true, legacyMixer: true, to: &sink)
        case .envoy: appendText(record, istio: false, legacyMixer: false, to: &sink)
        case .istioJSON: appendJSON(record, to: &sink)
        }
    }

    /// An upper bound on the rendered length: fixed text and numbers, plus every string (six times over in JSON,
    /// where a control character becomes `\u00XX`).
    private static func maximumLength(_ r: GeneratedLogRecord, format: GeneratedLogFormat) -> Int {
        var strings = r.method.utf8.count + r.path.utf8.count + r.protocolName.utf8.count + r.requestID.utf8.count
            + r.authority.utf8.count
        strings += (r.responseCodeDetails?.utf8.count ?? 0) + (r.connectionTerminationDetails?.utf8.count ?? 0)
        strings += (r.upstreamTransportFailureReason?.utf8.count ?? 0) + (r.forwardedFor?.utf8.count ?? 0)
        strings += (r.userAgent?.utf8.count ?? 0) + (r.upstreamCluster?.utf8.count ?? 0)
        strings += (r.requestedServerName?.utf8.count ?? 0) + (r.routeName?.utf8.count ?? 0)
        for flag in r.responseFlags { strings += flag.utf8.count + 1 }
        for address in [r.upstreamHost, r.upstreamLocalAddress, r.downstreamLocalAddress, r.downstreamRemoteAddress] {
            strings += (address?.ip.utf8.count ?? 0) + 8
        }
        return 640 + strings * (format == .istioJSON ? 6 : 1)
    }

    /// A write cursor over memory sized by `maximumLength`: no capacity or uniqueness checks per append.
    struct Sink {
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        init(base: UnsafeMutablePointer<UInt8>) {
            self.base = base
        }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            base[count] = byte
            count += 1
        }

        @inline(__always)
        mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (base + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        @inline(__always)
        mutating func append(contentsOf text: String.UTF8View) {
            let copied: Void? = text.withContiguousStorageIfAvailable { append(contentsOf: $0) }
            if copied == nil {
                for byte in text { append(byte) }
            }
        }
    }

    /// The keys of Istio's default JSON access log, sorted as Envoy emits them.
    public static let istioJSONKeys: [String] = [
        "authority", "bytes_received", "bytes_sent", "connection_termination_details", "downstream_local_address",
        "downstream_remote_address", "duration", "method", "path", "protocol", "request_id", "requested_server_name",
        "response_code", "response_code_details", "response_flags", "route_name", "start_time", "upstream_cluster",
        "upstream_host", "upstream_local_address", "upstream_service_time", "upstream_transport_failure_reason",
        "user_agent", "x_forwarded_for",
    ]

    // MARK: - Text formats

    private static func appendText(_ r: GeneratedLogRecord, istio: Bool, legacyMixer: Bool, to b: inout Sink) {
        b.append(UInt8(ascii: "["))
        appendTimestamp(r.startMicros, to: &b)
        put(#"] ""#, to: &b)
        b.append(contentsOf: r.method.utf8)
        b.append(UInt8(ascii: " "))
        b.append(contentsOf: r.path.utf8)
        b.append(UInt8(ascii: " "))
        b.append(contentsOf: r.protocolName.utf8)
        put(#"" "#, to: &b)
        appendInt(Int64(r.responseCode), to: &b)
        b.append(UInt8(ascii: " "))
        appendFlags(r.responseFlags, to: &b)
        if istio {
            b.append(UInt8(ascii: " "))
            if legacyMixer {
                put(#""-""#, to: &b)
            } else {
                appendOptional(r.responseCodeDetails, to: &b)
                b.append(UInt8(ascii: " "))
                appendOptional(r.connectionTerminationDetails, to: &b)
            }
            put(#" ""#, to: &b)
            appendOptional(r.upstreamTransportFailureReason, to: &b)
            b.append(UInt8(ascii: "\""))
        }
        b.append(UInt8(ascii: " "))
        appendInt(Int64(r.bytesReceived), to: &b)
        b.append(UInt8(ascii: " "))
        appendInt(Int64(r.bytesSent), to: &b)
        b.append(UInt8(ascii: " "))
        appendInt(r.durationMillis, to: &b)
        b.append(UInt8(ascii: " "))
        if let ust = r.upstreamServiceTimeMillis { appendInt(Int64(ust), to: &b) } else { b.append(dash) }
        put(#" ""#, to: &b)
        appendOptional(r.forwardedFor, to: &b)
        put(#"" ""#, to: &b)
        appendOptional(r.userAgent, to: &b)
        put(#"" ""#, to: &b)
        b.append(contentsOf: r.requestID.utf8)
        put(#"" ""#, to: &b)
        b.append(contentsOf: r.authority.utf8)
        put(#"" ""#, to: &b)
        appendAddress(r.upstreamHost, to: &b)
        b.append(UInt8(ascii: "\""))
        guard istio else { return }
        b.append(UInt8(ascii: " "))
        appendOptional(r.upstreamCluster, to: &b)
        b.append(UInt8(ascii: " "))
        appendAddress(r.upstreamLocalAddress, to: &b)
        b.append(UInt8(ascii: " "))
        appendAddress(r.downstreamLocalAddress, to: &b)
        b.append(UInt8(ascii: " "))
        appendAddress(r.downstreamRemoteAddress, to: &b)
        b.append(UInt8(ascii: " "))
        appendOptional(r.requestedServerName, to: &b)
        b.append(UInt8(ascii: " "))
        appendOptional(r.routeName, to: &b)
    }

    // MARK: - JSON

    private static func appendJSON(_ r: GeneratedLogRecord, to b: inout Sink) {
        // Keys in `istioJSONKeys` order (sorted).
        put(#"{"authority":"#, to: &b)
        appendJSONString(r.authority, to: &b)
        put(#","bytes_received":"#, to: &b)
        appendInt(Int64(r.bytesReceived), to: &b)
        put(#","bytes_sent":"#, to: &b)
        appendInt(Int64(r.bytesSent), to: &b)
        put(#","connection_termination_details":"#, to: &b)
        appendJSONString(r.connectionTerminationDetails, to: &b)
        put(#","downstream_local_address":"#, to: &b)
        appendJSONAddress(r.downstreamLocalAddress, to: &b)
        put(#","downstream_remote_address":"#, to: &b)
        appendJSONAddress(r.downstreamRemoteAddress, to: &b)
        put(#","duration":"#, to: &b)
        appendInt(r.durationMillis, to: &b)
        put(#","method":"#, to: &b)
        appendJSONString(r.method, to: &b)
        put(#","path":"#, to: &b)
        appendJSONString(r.path, to: &b)
        put(#","protocol":"#, to: &b)
        appendJSONString(r.protocolName, to: &b)
        put(#","request_id":"#, to: &b)
        appendJSONString(r.requestID, to: &b)
        put(#","requested_server_name":"#, to: &b)
        appendJSONString(r.requestedServerName, to: &b)
        put(#","response_code":"#, to: &b)
        appendInt(Int64(r.responseCode), to: &b)
        put(#","response_code_details":"#, to: &b)
        appendJSONString(r.responseCodeDetails, to: &b)
        put(#","response_flags":""#, to: &b)
        appendFlags(r.responseFlags, to: &b)
        put(#"","route_name":"#, to: &b)
        appendJSONString(r.routeName, to: &b)
        put(#","start_time":""#, to: &b)
        appendTimestamp(r.startMicros, to: &b)
        put(#"","upstream_cluster":"#, to: &b)
        appendJSONString(r.upstreamCluster, to: &b)
        put(#","upstream_host":"#, to: &b)
        appendJSONAddress(r.upstreamHost, to: &b)
        put(#","upstream_local_address":"#, to: &b)
        appendJSONAddress(r.upstreamLocalAddress, to: &b)
        // A response header, so Envoy keeps it a string even in typed JSON.
        put(#","upstream_service_time":"#, to: &b)
        if let ust = r.upstreamServiceTimeMillis {
            b.append(UInt8(ascii: "\""))
            appendInt(Int64(ust), to: &b)
            b.append(UInt8(ascii: "\""))
        } else {
            put(null, to: &b)
        }
        put(#","upstream_transport_failure_reason":"#, to: &b)
        appendJSONString(r.upstreamTransportFailureReason, to: &b)
        put(#","user_agent":"#, to: &b)
        appendJSONString(r.userAgent, to: &b)
        put(#","x_forwarded_for":"#, to: &b)
        appendJSONString(r.forwardedFor, to: &b)
        b.append(UInt8(ascii: "}"))
    }

    // MARK: - Pieces

    private static let dash = UInt8(ascii: "-")

    /// Appends a literal's bytes without going through `String`.
    @inline(__always)
    private static func put(_ literal: StaticString, to b: inout Sink) {
        b.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
    private static let null: StaticString = "null"

    @inline(__always)
    private static func appendOptional(_ value: String?, to b: inout Sink) {
        if let value, !value.isEmpty { b.append(contentsOf: value.utf8) } else { b.append(dash) }
    }

    @inline(__always)
    private static func appendFlags(_ flags: [String], to b: inout Sink) {
        if flags.isEmpty {
            b.append(dash)
            return
        }
        for (i, flag) in flags.enumerated() {
            if i > 0 { b.append(UInt8(ascii: ",")) }
            b.append(contentsOf: flag.utf8)
        }
    }

    @inline(__always)
    private static func appendAddress(_ address: GeneratedAddress?, to b: inout Sink) {
        guard let address else {
            b.append(dash)
            return
        }
        b.append(contentsOf: address.ip.utf8)
        b.append(UInt8(ascii: ":"))
        appendInt(Int64(address.port), to: &b)
    }

    private static func appendJSONAddress(_ address: GeneratedAddress?, to b: inout Sink) {
        guard address != nil else {
            put(null, to: &b)
            return
        }
        b.append(UInt8(ascii: "\""))
        appendAddress(address, to: &b)
        b.append(UInt8(ascii: "\""))
    }

    private static func appendJSONString(_ value: String?, to b: inout Sink) {
        guard let value, !value.isEmpty else {
            put(null, to: &b)
            return
        }
        b.append(UInt8(ascii: "\""))
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            b.append(contentsOf: value.utf8)
            b.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): put(#"\""#, to: &b)
            case UInt8(ascii: "\\"): put(#"\\"#, to: &b)
            case 0..<0x20:
                put(#"\u00"#, to: &b)
                b.append(hexDigit(byte >> 4))
                b.append(hexDigit(byte & 0xf))
            default: b.append(byte)
            }
        }
        b.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 48 + nibble : 87 + nibble
    }

    /// Appends the decimal digits of `value`.
    @inline(__always)
    static func appendInt(_ value: Int64, to b: inout Sink) {
        var n = value
        if n < 0 {
            b.append(UInt8(ascii: "-"))
            n = -n
        }
        if n < 10 {
            b.append(48 + UInt8(n))
            return
        }
        var divisor: Int64 = 10
        while divisor <= n / 10 { divisor &*= 10 }
        while divisor > 0 {
            b.append(48 + UInt8(n / divisor))
            n %= divisor
            divisor /= 10
        }
    }

    @inline(__always)
    private static func appendTwoDigits(_ value: Int, to b: inout Sink) {
        b.append(48 + UInt8(value / 10))
        b.append(48 + UInt8(value % 10))
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` for `micros` since the epoch (civil-from-days, proleptic Gregorian).
    static func appendTimestamp(_ micros: Int64, to b: inout Sink) {
        let millis = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
        var days = millis / 86_400_000
        var msOfDay = millis - days * 86_400_000
        if msOfDay < 0 {
            msOfDay += 86_400_000
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))

        let y = max(0, min(9999, year))
        b.append(48 + UInt8(y / 1000))
        b.append(48 + UInt8(y / 100 % 10))
        appendTwoDigits(y % 100, to: &b)
        b.append(UInt8(ascii: "-"))
        appendTwoDigits(month, to: &b)
        b.append(UInt8(ascii: "-"))
        appendTwoDigits(day, to: &b)
        b.append(UInt8(ascii: "T"))
        let ms = Int(msOfDay)
        appendTwoDigits(ms / 3_600_000, to: &b)
        b.append(UInt8(ascii: ":"))
        appendTwoDigits(ms / 60_000 % 60, to: &b)
        b.append(UInt8(ascii: ":"))
        appendTwoDigits(ms / 1000 % 60, to: &b)
        b.append(UInt8(ascii: "."))
        let frac = ms % 1000
        b.append(48 + UInt8(frac / 100))
        appendTwoDigits(frac % 100, to: &b)
        b.append(UInt8(ascii: "Z"))
    }
}
