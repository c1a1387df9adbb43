/// Parses START_TIME values back into UTC microseconds, for the default RFC 3339 form and for
/// custom `%START_TIME(...)%` strftime patterns with Envoy's `%s`, `%f` and `%1f`..`%9f`.
public struct StartTimePattern: Sendable, Equatable {
    /// One element of a compiled pattern.
    enum Item: Equatable, Sendable {
        case literal(UInt8)
        case year, month, day, hour, minute, second
        case epochSeconds
        /// Fractional seconds with this many digits (0 = any number of digits, as `%f`).
        case fraction(Int)
        case zone
    }

    let items: [Item]
    /// True for the default `%START_TIME%` (flexible RFC 3339 parsing).
    public let isDefault: Bool

    /// The default START_TIME form: `2016-04-15T20:17:00.310Z`.
    public static let rfc3339 = StartTimePattern(items: [], isDefault: true)

    init(items: [Item], isDefault: Bool) {
        self.items = items
        self.isDefault = isDefault
    }

    /// Compiles a strftime-style pattern; nil or empty means the default.
    public init(pattern: String?) throws(EnvoyFormatError) {
        guard let pattern, !pattern.isEmpty else {
            self = .rfc3339
            return
        }
        var items: [Item] = []
        let c = Array(pattern.utf8)
        var i = 0
        while i < c.count {
            if c[i] != UInt8(ascii: "%") {
                items.append(.literal(c[i]))
                i += 1
                continue
            }
            guard i + 1 < c.count else { throw .unsupportedTimePattern(pattern: pattern, position: i) }
            var spec = c[i + 1]
            var width = 0
            var consumed = 2
            if spec >= UInt8(ascii: "1"), spec <= UInt8(ascii: "9"), i + 2 < c.count, c[i + 2] == UInt8(ascii: "f") {
                width = Int(spec - 48)
                spec = UInt8(ascii: "f")
                consumed = 3
            } else if spec == UInt8(ascii: "E"), i + 3 < c.count, c[i + 3] == UInt8(ascii: "S") {
                // %E3S: seconds with N fractional digits (N a digit; anything else is unsupported).
                guard c[i + 2] &- 48 < 10 else { throw .unsupportedTimePattern(pattern: pattern, position: i) }
                items.append(.second)
                items.append(.literal(UInt8(ascii: ".")))
                items.append(.fraction(Int(c[i + 2] - 48)))
                i += 4
                continue
            }
            switch spec {
            case UInt8(ascii: "Y"): items.append(.year)
            case UInt8(ascii: "m"): items.append(.month)
            case UInt8(ascii: "d"): items.append(.day)
            case UInt8(ascii: "H"): items.append(.hour)
            case UInt8(ascii: "M"): items.append(.minute)
            case UInt8(ascii: "S"): items.append(.second)
            case UInt8(ascii: "s"): items.append(.epochSeconds)
            case UInt8(ascii: "f"): items.append(.fraction(width))
            case UInt8(ascii: "z"): items.append(.zone)
            case UInt8(ascii: "F"): items += [.year, .literal(45), .month, .literal(45), .day]
            case UInt8(ascii: "T"): items += [.hour, .literal(58), .minute, .literal(58), .second]
            case UInt8(ascii: "%"): items.append(.literal(UInt8(ascii: "%")))
            default: throw .unsupportedTimePattern(pattern: pattern, position: i)
            }
            i += consumed
        }
        self.items = items
        self.isDefault = false
    }

    /// Parses `bytes[start..<end]` into UTC microseconds since the epoch, or nil when it does not fit.
    public func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        isDefault ? Self.parseRFC3339(b, start, end) : parseCustom(b, start, end)
    }

    /// Parses RFC 3339 with any number of fractional digits and `Z` or a numeric offset
    /// (also accepts a space instead of `T`, and no zone meaning UTC).
    public static func parseRFC3339(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard end - start >= 19, end <= b.count, let p = b.baseAddress.map({ $0 + start }) else { return nil }
        // Every digit position at once: a byte is a digit when byte - 48 < 10.
        @inline(__always) func digit(_ k: Int) -> Int { Int(p[k] &- 48) }
        guard digit(0) < 10, digit(1) < 10, digit(2) < 10, digit(3) < 10, p[4] == 45,
              digit(5) < 10, digit(6) < 10, p[7] == 45, digit(8) < 10, digit(9) < 10,
              p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: " "),
              digit(11) < 10, digit(12) < 10, p[13] == 58, digit(14) < 10, digit(15) < 10, p[16] == 58,
              digit(17) < 10, digit(18) < 10
        else { return nil }
        let y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let mo = digit(5) * 10 + digit(6), d = digit(8) * 10 + digit(9)
        let h = digit(11) * 10 + digit(12), mi = digit(14) * 10 + digit(15), s = digit(17) * 10 + digit(18)
        guard mo >= 1, mo <= 12, d >= 1, d <= 31, h < 24, mi < 60, s < 61 else { return nil }
        var i = start + 19
        var micros: Int64 = 0
        if i < end, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            var digits = 0
            while i < end, b[i] &- 48 < 10 {
                if digits < 6 { micros = micros * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            while digits < 6 { micros *= 10; digits += 1 }
        }
        var offset = 0
        if i < end {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                guard let z = parseZone(b, i, end) else { return nil }
                offset = z.seconds
                i = z.end
            }
        }
        guard i == end else { return nil }
        let days = Int64(ByteParsing.daysFromCivil(y, mo, d))
        let secs = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return secs * 1_000_000 + micros
    }

    /// Parses `+HH:MM`, `+HHMM` or `+HH` at `i`.
    static func parseZone(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> (seconds: Int, end: Int)? {
        guard i < end else { return nil }
        if b[i] == UInt8(ascii: "Z") { return (0, i + 1) }
        let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), i + 3 <= end,
              let hh = ByteParsing.digits(b, i + 1, 2) else { return nil }
        var j = i + 3
        var mm = 0
        if j < end, b[j] == 58 { j += 1 }
        if j + 2 <= end, let m = ByteParsing.digits(b, j, 2) { mm = m; j += 2 }
        return (sign * (hh * 3600 + mm * 60), j)
    }

    private func parseCustom(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0
        var epoch: Int64?
        var micros: Int64 = 0
        var offset = 0
        func num(_ maxDigits: Int) -> Int? {
            var v = 0, n = 0
            while i < end, n < maxDigits, b[i] &- 48 < 10 { v = v * 10 + Int(b[i] - 48); i += 1; n += 1 }
            return n > 0 ? v : nil
        }
        for item in items {
            switch item {
            case .literal(let c):
                guard i < end, b[i] == c else { return nil }
                i += 1
            case .year: guard let v = num(4) else { return nil }; y = v
            case .month: guard let v = num(2) else { return nil }; mo = v
            case .day: guard let v = num(2) else { return nil }; d = v
            case .hour: guard let v = num(2) else { return nil }; h = v
            case .minute: guard let v = num(2) else { return nil }; mi = v
            case .second: guard let v = num(2) else { return nil }; s = v
            case .epochSeconds:
                // At most 12 digits (the year 33658), so the seconds and their microseconds fit an Int64.
                var v: Int64 = 0, n = 0
                while i < end, b[i] &- 48 < 10 { if n < 12 { v = v * 10 + Int64(b[i] - 48) }; i += 1; n += 1 }
                guard n > 0, n <= 12 else { return nil }
                epoch = v
            case .fraction(let width):
                var digits = 0
                var f: Int64 = 0
                while i < end, b[i] &- 48 < 10, width == 0 || digits < width {
                    if digits < 6 { f = f * 10 + Int64(b[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0, width == 0 || digits == width else { return nil }
                var k = min(digits, 6)
                while k < 6 { f *= 10; k += 1 }
                micros = f
            case .zone:
                guard let z = Self.parseZone(b, i, end) else { return nil }
                offset = z.seconds
                i = z.end
            }
        }
        guard i == end else { return nil }
        if let epoch { return epoch * 1_000_000 + micros }
        guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
        let days = Int64(ByteParsing.daysFromCivil(y, mo, d))
        return (days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)) * 1_000_000 + micros
    }
}
