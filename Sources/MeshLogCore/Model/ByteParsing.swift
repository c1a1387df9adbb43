/// Small allocation-free helpers for parsing ASCII values out of byte buffers.
public enum ByteParsing {
    /// Parses a non-negative (or `-`-prefixed negative) decimal integer in `bytes[start..<end]`.
    ///
    /// - Returns: nil when the range is empty, `-`, or holds a non-digit.
    @inlinable
    public static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
            guard i < end else { return nil }
        }
        var value: Int64 = 0
        while i < end {
            let d = bytes[i] &- 48
            guard d < 10, value < 922_337_203_685_477_580 else { return nil }
            value = value &* 10 &+ Int64(d)
            i += 1
        }
        return negative ? -value : value
    }

    /// Parses exactly `count` decimal digits at `start`, or returns nil.
    @inlinable
    public static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    /// Whether the range is exactly the one byte `-` (Envoy's missing value) or empty.
    @inlinable
    public static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        end <= start || (end == start + 1 && bytes[start] == UInt8(ascii: "-"))
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
