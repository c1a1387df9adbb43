import Foundation

/// A point in time as `--since` and `--until` take it: RFC 3339 (`2026-11-25T10:00:00Z`,
/// `2026-11-25T11:00:00.250+01:00`, `2026-11-25`) or a span before the newest line in the store
/// (`2h`, `30m`, `1d`, `90s`, `1h30m`, `500ms`).
///
/// Relative times count back from the newest request in the store, not from the wall clock, so
/// `--since 1h` on last week's incident dump means its last hour.
///
/// For example:
/// ```swift
/// TimeExpression.parse("2h")                    // .relative(7_200_000_000)
/// TimeExpression.parse("2026-11-25T00:00:00Z")  // .absolute(1_795_564_800_000_000)
/// ```
public enum TimeExpression: Equatable, Sendable {
    /// A time in µs since the epoch.
    case absolute(Int64)
    /// A span in µs before the newest start time in the store.
    case relative(Int64)

    /// Parses an RFC 3339 time or a relative span; nil when it is neither.
    public static func parse(_ text: String) -> TimeExpression? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let span = parseSpan(s) { return .relative(span) }
        if let time = parseRFC3339(s) { return .absolute(time) }
        return nil
    }

    /// The time in µs since the epoch, counting relative spans back from `newest`.
    public func resolve(newest: Int64) -> Int64 {
        switch self {
        case .absolute(let t): t
        case .relative(let span): newest - span
        }
    }

    /// Parses a span such as `2h`, `1h30m`, `90s`, `1d`, `500ms` or `1.5h` into µs (a leading `-` is allowed).
    public static func parseSpan(_ text: String) -> Int64? {
        var s = Substring(text.lowercased())
        if s.hasPrefix("-") { s = s.dropFirst() }
        guard !s.isEmpty, s.first?.isNumber == true || s.first == "." else { return nil }
        var total = 0.0
        var number = ""
        var sawUnit = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c.isASCII, c.isNumber || c == "." {
                number.append(c)
                i = s.index(after: i)
                continue
            }
            guard let value = Double(number) else { return nil }
            var unit = String(c)
            let next = s.index(after: i)
            if c == "m", next < s.endIndex, s[next] == "s" { unit = "ms"; i = next }
            if c == "u", next < s.endIndex, s[next] == "s" { unit = "us"; i = next }
            let micros: Double
            switch unit {
            case "w": micros = 604_800e6
            case "d": micros = 86_400e6
            case "h": micros = 3_600e6
            case "m": micros = 60e6
            case "s": micros = 1e6
            case "ms": micros = 1e3
            case "us": micros = 1
            default: return nil
            }
            total += value * micros
            number = ""
            sawUnit = true
            i = s.index(after: i)
        }
        guard number.isEmpty, sawUnit, total.isFinite, total < 9e18 else { return nil }
        return Int64(total.rounded())
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.frac]][Z|±HH:MM]` (a space may replace `T`; no zone
    /// means UTC) into µs since the epoch, exactly.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let d = b[i + k]
                guard d >= 48, d <= 57 else { return nil }
                v = v * 10 + Int(d - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0
        var micros = 0
        var offset = 0
        if i < b.count {
            guard b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t, space
            i += 1
            guard let hour = digits(2), expect(58), let minute = digits(2), hour < 24, minute < 60 else { return nil }
            seconds = hour * 3600 + minute * 60
            if expect(58) {
                guard let second = digits(2), second <= 60 else { return nil }
                seconds += second
                if i < b.count, b[i] == 46 || b[i] == 44 {  // . or ,
                    i += 1
                    var scale = 100_000
                    var any = false
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        micros += Int(b[i] - 48) * scale
                        scale /= 10
                        any = true
                        i += 1
                    }
                    guard any else { return nil }
                }
            }
            if i < b.count {
                if b[i] == 90 || b[i] == 122 {  // Z
                    i += 1
                } else if b[i] == 43 || b[i] == 45 {  // + -
                    let sign = b[i] == 43 ? 1 : -1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(58)
                    guard let om = digits(2) else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                } else {
                    return nil
                }
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (Int64(days) * 86_400 + Int64(seconds - offset)) * 1_000_000 + Int64(micros)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// Formatting of times and durations for answers.
public enum AnswerFormat {
    /// `2026-11-25T00:14:56.287Z` (milliseconds), or `…:56Z` when `fraction` is false.
    public static func timestamp(_ micros: Int64, fraction: Bool = true) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let rest = micros - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civil(fromDays: Int(days))
        var out = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
        if fraction { out += String(format: ".%03d", Int(rest / 1000)) }
        return out + "Z"
    }

    /// `2026-11-25 00:14` (with `:56` when `seconds` is true): a compact label for charts.
    public static func label(_ micros: Int64, seconds: Bool) -> String {
        let full = timestamp(micros, fraction: false)  // 2026-11-25T00:14:56Z
        let date = full.prefix(10)
        let time = full.dropFirst(11).prefix(seconds ? 8 : 5)
        return "\(date) \(time)"
    }

    /// A span in the largest whole unit that fits: `1m`, `5m`, `2h`, `1d`, `30s`, `500ms`.
    public static func span(_ micros: Int64) -> String {
        let units: [(Int64, String)] = [(86_400_000_000, "d"), (3_600_000_000, "h"), (60_000_000, "m"), (1_000_000, "s"), (1000, "ms")]
        for (size, name) in units where micros >= size && micros % size == 0 {
            return "\(micros / size)\(name)"
        }
        return "\(micros)us"
    }

    /// A millisecond figure: whole numbers without decimals, others with up to two.
    public static func ms(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value == value.rounded() { return String(Int64(value)) }
        var s = String(format: "%.2f", value)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Rounds to `places` decimals.
    public static func round(_ value: Double, _ places: Int = 2) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// (year, month, day) of a count of days since 1970-01-01.
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
