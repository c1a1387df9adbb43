import MeshLogCore
import Foundation

/// The access-log format the generator renders lines in.
public enum GeneratedLogFormat: String, CaseIterable, Sendable {
    /// Istio 1.9+ default TEXT format (21 fields after the start time, formats.md 2.1).
    case istio
    /// Envoy's default format (12 fields after the start time, formats.md 1.2).
    case envoy
    /// Istio's default JSON encoding: one object per line, keys sorted, typed values, `null` when missing.
    case istioJSON = "istio-json"
    /// Istio 1.3–1.8 TEXT format: `"%DYNAMIC_METADATA(istio.mixer:status)%"` replaces the details and termination
    /// details (20 fields after the time), with that era's inbound names (`inbound|8080|http|<fqdn>`, `127.0.0.1`).
    case istio13 = "istio-1.3"
}

/// Settings for one run of `TrafficGenerator`.
///
/// For example:
/// ```swift
/// var options = GeneratorOptions(lines: 100_000, seed: 7)
/// options.durationSeconds = 2 * 3600
/// options.errorRateScale = 2          // twice the default failure rates
/// ```
public struct GeneratorOptions: Sendable {
    /// The approximate number of lines to produce; generation stops after the request that reaches it.
    public var lines: Int
    /// The random seed; the same seed and options give byte-identical output.
    public var seed: UInt64
    /// The start of the traffic window, in microseconds since the Unix epoch.
    public var startMicros: Int64
    /// The length of the traffic window in seconds; request arrivals are spread over it.
    public var durationSeconds: Double
    /// Multiplies every failure probability (Envoy flags, application 5xx, scanners); `0` gives clean traffic.
    public var errorRateScale: Double
    /// The format lines are rendered in.
    public var format: GeneratedLogFormat
    /// Whether the arrival rate follows a day/night curve (peak mid-afternoon UTC) instead of a flat rate.
    public var diurnal: Bool
    /// An optional outage of one service in a sub-window.
    public var incident: Incident?
    /// Edges whose callee answers more slowly: the callee application's own time on calls over the
    /// edge is multiplied by the factor (`frontend->course` 1.3: 30 % slower). Empty by default.
    public var slowEdges: [Edge: Double] = [:]
    /// Edges that are never called (the caller skips the call, as if the dependency were removed). Empty by default.
    public var droppedEdges: Set<Edge> = []
    /// Edges whose callee answers an extra status (e.g. 501) at some rate: a new error signature. Empty by default.
    public var injectedErrors: [Edge: InjectedError] = [:]
    /// Edges whose calls arrive in plaintext, not over the mesh's mTLS (the callee's inbound lines carry no SNI,
    /// as with a PERMISSIVE port and a caller that skips its sidecar). Empty by default.
    public var plaintextEdges: Set<Edge> = []

    /// A caller → callee edge of the topology: the caller by workload (`frontend-v1`) or service
    /// (`frontend`, meaning every version of it; `istio-ingressgateway` for the gateway), the callee by service.
    public struct Edge: Hashable, Sendable, CustomStringConvertible {
        public var caller: String
        public var service: String

        public init(caller: String, service: String) {
            self.caller = caller
            self.service = service
        }

        /// Parses `caller->service`; nil when malformed.
        public init?(parsing text: String) {
            let parts = text.trimmingCharacters(in: .whitespaces).components(separatedBy: "->")
            guard parts.count == 2 else { return nil }
            let caller = parts[0].trimmingCharacters(in: .whitespaces)
            let service = parts[1].trimmingCharacters(in: .whitespaces)
            guard !caller.isEmpty, !service.isEmpty else { return nil }
            self.init(caller: caller, service: service)
        }

        public var description: String { "\(caller)->\(service)" }

        /// Whether a call from a pod of `callerWorkload` to `service` is on this edge.
        public func matches(callerWorkload: String, service: String) -> Bool {
            service == self.service && (callerWorkload == caller || callerWorkload.hasPrefix(caller + "-"))
        }
    }

    /// An extra status a callee answers with on an edge (answered early, without calling further).
    public struct InjectedError: Sendable, Equatable {
        /// The HTTP status, e.g. 501.
        public var status: Int
        /// The probability per attempt that reaches the application (0…1, not scaled by `errorRateScale`).
        public var rate: Double

        public init(status: Int, rate: Double) {
            self.status = status
            self.rate = rate
        }

        /// Parses `STATUS:RATE` (`501:0.03`); nil when malformed.
        public init?(parsing text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let status = Int(parts[0]), (100...599).contains(status),
                  let rate = Double(parts[1]), rate >= 0, rate <= 1 else { return nil }
            self.init(status: status, rate: rate)
        }
    }

    /// A temporary outage of one service: its pods refuse connections and answer 503, and it slows down.
    public struct Incident: Sendable {
        /// The affected service, e.g. `payment`.
        public var service: String
        /// When the incident starts, in seconds after `startMicros`.
        public var startOffsetSeconds: Double
        /// How long it lasts, in seconds.
        public var durationSeconds: Double
        /// Extra probability (not scaled) that a connection to the service fails (`UF`).
        public var connectionFailureRate: Double
        /// Extra probability (not scaled) that a call finds the service browned out (most attempts answered 503).
        public var unavailableRate: Double
        /// Multiplies the service's application latency.
        public var latencyFactor: Double

        /// Creates an incident description.
        public init(service: String, startOffsetSeconds: Double, durationSeconds: Double,
                    connectionFailureRate: Double = 0.15, unavailableRate: Double = 0.10, latencyFactor: Double = 3) {
            self.service = service
            self.startOffsetSeconds = startOffsetSeconds
            self.durationSeconds = durationSeconds
            self.connectionFailureRate = connectionFailureRate
            self.unavailableRate = unavailableRate
            self.latencyFactor = latencyFactor
        }

        /// An incident of `service` starting 60% into a window of `windowSeconds` and lasting 10% of it.
        public static func standard(service: String, windowSeconds: Double) -> Incident {
            Incident(service: service, startOffsetSeconds: windowSeconds * 0.6, durationSeconds: max(1, windowSeconds * 0.1))
        }
    }

    /// `2026-11-25T00:00:00Z`, the default start of the traffic window.
    public static let defaultStartMicros: Int64 = 1_795_564_800_000_000

    /// Creates options; everything but `lines` has a default.
    public init(
        lines: Int = 10_000,
        seed: UInt64 = 42,
        startMicros: Int64 = GeneratorOptions.defaultStartMicros,
        durationSeconds: Double = 3600,
        errorRateScale: Double = 1,
        format: GeneratedLogFormat = .istio,
        diurnal: Bool = false,
        incident: Incident? = nil
    ) {
        self.lines = lines
        self.seed = seed
        self.startMicros = startMicros
        self.durationSeconds = durationSeconds
        self.errorRateScale = errorRateScale
        self.format = format
        self.diurnal = diurnal
        self.incident = incident
    }

    /// The start of the window as a `Date`.
    public var start: Date {
        get { Date(timeIntervalSince1970: Double(startMicros) / 1_000_000) }
        set { startMicros = Int64((newValue.timeIntervalSince1970 * 1_000_000).rounded()) }
    }

    /// Parses a duration such as `1h`, `90m`, `45s`, `2h30m`, `1d` or a bare number of seconds; nil if malformed.
    ///
    /// For example: `GeneratorOptions.parseDuration("1h30m")` is `5400`.
    public static func parseDuration(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { return nil }
        if let plain = Double(s) { return plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        var sawUnit = false
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNumber || c == "." {
                number.append(c)
                i += 1
                continue
            }
            guard let value = Double(number) else { return nil }
            let unit: Double
            if c == "m", i + 1 < chars.count, chars[i + 1] == "s" {
                unit = 0.001
                i += 1
            } else {
                switch c {
                case "d": unit = 86_400
                case "h": unit = 3_600
                case "m": unit = 60
                case "s": unit = 1
                default: return nil
                }
            }
            total += value * unit
            number = ""
            sawUnit = true
            i += 1
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }

    /// Parses a start time: RFC 3339 / ISO 8601 (`2026-11-25T00:00:00Z`, fractional seconds and offsets allowed)
    /// or epoch seconds; returns microseconds since the epoch, or nil if malformed.
    public static func parseStart(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(s) { return Int64((seconds * 1_000_000).rounded()) }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: s) ?? fractional.date(from: s) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
