import CSQLite
import Foundation

extension Database {
    /// Registers meshlog's SQL functions on this connection: `percentile`, `median`, `status_class` and `regexp`.
    ///
    /// - `percentile(value, fraction)`: exact linear-interpolation percentile (numpy `linear`,
    ///   PostgreSQL `percentile_cont`); `fraction` in [0, 1], e.g. `0.99`. NULL values are ignored;
    ///   no values gives NULL.
    /// - `median(value)`: `percentile(value, 0.5)`.
    /// - `status_class(code)`: `'2xx'` for 200, `'no response'` for 0, NULL for NULL.
    /// - `regexp(pattern, text)`: 1 when the ICU/NSRegularExpression `pattern` matches anywhere in
    ///   `text`, else 0; NULL when either is NULL. Enables `text REGEXP pattern`.
    public func registerMeshLogFunctions() {
        // Same behaviour as PercentileAggregate / MedianAggregate, minus the per-row SQLValue arrays.
        registerAggregate("percentile", argumentCount: 2, makeBox: { PercentileBox(function: "percentile", fraction: nil) })
        registerAggregate("median", argumentCount: 1, makeBox: { PercentileBox(function: "median", fraction: 0.5) })
        registerFunction("status_class", argumentCount: 1, deterministic: true, StatusClass.sqlFunction)
        registerRegexpFunction()
        registerHistogramFunctions()
    }

    /// Registers `regexp(pattern, text)`, caching the compiled pattern per statement via `sqlite3_set_auxdata`.
    private func registerRegexpFunction() {
        let rc = sqlite3_create_function_v2(handle, "regexp", 2, Self.functionFlags(deterministic: true),
                                            nil, regexpFunction, nil, nil, nil)
        precondition(rc == SQLITE_OK, "cannot register SQL function regexp: \(connection.error(code: rc, sql: nil))")
    }
}

/// The C implementation of `regexp(pattern, text)`.
private func regexpFunction(_ context: OpaquePointer?, _ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>?) {
    guard argc == 2, let argv else {
        sqlite3_result_error(context, "regexp: expected 2 arguments (pattern, text)", -1)
        return
    }
    guard sqlite3_value_type(argv[0]) != SQLITE_NULL, sqlite3_value_type(argv[1]) != SQLITE_NULL else {
        sqlite3_result_null(context)
        return
    }
    let regex: NSRegularExpression
    if let cached = sqlite3_get_auxdata(context, 0) {
        regex = Unmanaged<RegexBox>.fromOpaque(cached).takeUnretainedValue().regex
    } else {
        let pattern = valueString(argv[0])
        guard let compiled = try? NSRegularExpression(pattern: pattern) else {
            sqlite3_result_error(context, "regexp: invalid regular expression: \(pattern)", -1)
            return
        }
        regex = compiled
        // SQLite keeps it for as long as the pattern argument is constant (e.g. per statement);
        // it may also release it immediately, so keep using the local `regex` only.
        sqlite3_set_auxdata(context, 0, Unmanaged.passRetained(RegexBox(compiled)).toOpaque(), releaseRegexBox)
    }
    let text = valueString(argv[1])
    let range = NSRange(text.startIndex..<text.endIndex, in: text)
    let found = regex.rangeOfFirstMatch(in: text, options: [], range: range).location != NSNotFound
    sqlite3_result_int64(context, found ? 1 : 0)
}

/// Auxiliary-data destructor for ``RegexBox``.
private func releaseRegexBox(_ pointer: UnsafeMutableRawPointer?) {
    if let pointer { Unmanaged<RegexBox>.fromOpaque(pointer).release() }
}

/// A function argument as text (SQLite converts numbers).
private func valueString(_ value: OpaquePointer?) -> String {
    guard let ptr = sqlite3_value_text(value) else { return "" }
    let count = Int(sqlite3_value_bytes(value))
    return String(decoding: UnsafeBufferPointer(start: ptr, count: count), as: UTF8.self)
}

/// Holds a compiled regular expression as SQLite auxiliary data.
private final class RegexBox {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}

// MARK: - status_class

/// The `status_class(code)` SQL function: groups HTTP status codes into classes.
public enum StatusClass {
    /// The class of an HTTP status: NULL → NULL, 0 → `'no response'`, otherwise the first digit followed by `xx`.
    ///
    /// Integral reals and numeric text are accepted; negative or non-numeric codes give NULL.
    public static func sqlFunction(_ arguments: [SQLValue]) -> SQLValue {
        let code: Int64
        switch arguments.first ?? .null {
        case .null, .blob:
            return .null
        case .integer(let v):
            code = v
        case .real(let d):
            guard let v = Int64(exactly: d) else { return .null }
            code = v
        case .text(let s):
            guard let v = Int64(s) else { return .null }
            code = v
        }
        return label(code).map(SQLValue.text) ?? .null
    }

    /// The class label of `code`: `"no response"` for 0, `"5xx"` for 503, nil for negative codes.
    public static func label(_ code: Int64) -> String? {
        if code == 0 { return "no response" }
        guard code > 0 else { return nil }
        var first = code
        while first >= 10 { first /= 10 }
        return labels[Int(first)]
    }

    private static let labels = (0...9).map { "\($0)xx" }
}

// MARK: - percentile / median

/// Exact percentiles by linear interpolation between closest ranks.
///
/// Matches numpy's default `np.percentile(values, 100 * fraction)` (`method='linear'`) and
/// PostgreSQL `percentile_cont(fraction)`: with the values sorted as `v[0..<n]`,
/// `h = (n - 1) * fraction` and the result is `v[⌊h⌋] + (h - ⌊h⌋) * (v[⌊h⌋ + 1] - v[⌊h⌋])`.
public enum Percentile {
    /// The percentile of `values` at `fraction` (0...1), or nil when `values` is empty.
    ///
    /// Runs in O(n) expected time with a selection algorithm instead of sorting; `values` is
    /// reordered in place. Values must not be NaN; a `fraction` outside 0...1 is a programming
    /// error and traps.
    public static func linear(_ values: inout [Double], fraction: Double) -> Double? {
        precondition(fraction >= 0 && fraction <= 1, "fraction \(fraction) is outside [0, 1]")
        let n = values.count
        guard n > 0 else { return nil }
        let h = Double(n - 1) * fraction
        let k = min(Int(h.rounded(.down)), n - 1)
        let weight = h - Double(k)
        return values.withUnsafeMutableBufferPointer { buffer -> Double in
            select(buffer, k)
            let lower = buffer[k]
            guard weight > 0, k + 1 < n else { return lower }
            // After selection everything right of k is >= buffer[k]; the next rank is their minimum.
            var upper = buffer[k + 1]
            var j = k + 2
            while j < n {
                if buffer[j] < upper { upper = buffer[j] }
                j += 1
            }
            return lower + weight * (upper - lower)
        }
    }

    /// Rearranges `a` so that `a[k]` is the value a full sort would put there, with nothing
    /// smaller after it and nothing larger before it (like C++ `nth_element`).
    ///
    /// Quickselect with median-of-three pivots and three-way partitioning (fast on many equal
    /// values); falls back to sorting the remaining range if partitioning degenerates.
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int) {
        var lo = 0
        var hi = a.count - 1
        var budget = 2 * (Int.bitWidth - a.count.leadingZeroBitCount) + 16
        while hi > lo {
            if hi - lo < 32 || budget == 0 {
                var range = UnsafeMutableBufferPointer(rebasing: a[lo...hi])
                range.sort()
                return
            }
            budget -= 1
            let mid = lo + (hi - lo) / 2
            let x = a[lo], y = a[mid], z = a[hi]
            let pivot = max(min(x, y), min(max(x, y), z))
            // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
            var lt = lo
            var i = lo
            var gt = hi
            while i <= gt {
                let v = a[i]
                if v < pivot {
                    a.swapAt(lt, i)
                    lt += 1
                    i += 1
                } else if v > pivot {
                    a.swapAt(i, gt)
                    gt -= 1
                } else {
                    i += 1
                }
            }
            if k < lt {
                hi = lt - 1
            } else if k > gt {
                lo = gt + 1
            } else {
                return
            }
        }
    }

    /// Converts an SQL argument to a value to aggregate: nil for NULL (ignored); numbers and
    /// numeric text are accepted, anything else throws.
    static func number(_ value: SQLValue, function: String) throws -> Double? {
        switch value {
        case .null:
            return nil
        case .integer(let v):
            return Double(v)
        case .real(let d):
            return d.isNaN ? nil : d
        case .text(let s):
            guard let d = Double(s) else {
                throw SQLiteError(code: SQLITE_ERROR, message: "\(function): non-numeric value \(value)")
            }
            return d.isNaN ? nil : d
        case .blob:
            throw SQLiteError(code: SQLITE_ERROR, message: "\(function): non-numeric value \(value)")
        }
    }

    /// Validates a fraction argument: a number in [0, 1].
    static func fraction(_ value: SQLValue, function: String) throws -> Double {
        let p: Double?
        switch value {
        case .null:
            throw SQLiteError(code: SQLITE_ERROR, message: "\(function): fraction must not be NULL")
        case .integer(let v): p = Double(v)
        case .real(let d): p = d
        case .text(let s): p = Double(s)
        case .blob: p = nil
        }
        guard let p else {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(function): fraction must be a number, got \(value)")
        }
        guard p >= 0 && p <= 1 else {
            throw SQLiteError(code: SQLITE_ERROR,
                              message: "\(function): fraction must be between 0 and 1, got \(value) (write 0.99 for the 99th percentile)")
        }
        return p
    }
}

/// Growable value storage shared by the percentile aggregates.
///
/// A class so that `finalize()` (non-mutating) can select in place without copying millions of values.
private final class PercentileValues {
    var values: [Double] = []
    var fraction: Double?

    func result() -> SQLValue {
        guard let fraction, !values.isEmpty else { return .null }
        return .real(Percentile.linear(&values, fraction: fraction)!)
    }
}

/// Fast per-group state of the registered `percentile` / `median` aggregates: reads numeric
/// arguments straight from `sqlite3_value`, falling back to the `SQLValue` checks otherwise.
private final class PercentileBox: AggregateBoxBase {
    let function: String
    var values: [Double] = []
    /// Fixed for `median`; taken from the first row for `percentile`.
    var fraction: Double?
    let fixedFraction: Bool

    init(function: String, fraction: Double?) {
        self.function = function
        self.fraction = fraction
        self.fixedFraction = fraction != nil
    }

    override func step(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>?) throws {
        guard let argv, argc == (fixedFraction ? 1 : 2) else {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(function): wrong number of arguments")
        }
        if !fixedFraction {
            let p: Double
            let raw = argv[1]
            switch sqlite3_value_type(raw) {
            case SQLITE_FLOAT:
                p = sqlite3_value_double(raw)
                if !(p >= 0 && p <= 1) { _ = try Percentile.fraction(.real(p), function: function) }
            default:
                p = try Percentile.fraction(SQLValue(sqliteValue: raw), function: function)
            }
            if let previous = fraction {
                if previous != p {
                    throw SQLiteError(code: SQLITE_ERROR,
                                      message: "\(function): fraction must be the same for every row of a group (got \(previous) and \(p))")
                }
            } else {
                fraction = p
            }
        }
        let raw = argv[0]
        switch sqlite3_value_type(raw) {
        case SQLITE_INTEGER:
            values.append(Double(sqlite3_value_int64(raw)))
        case SQLITE_FLOAT:
            values.append(sqlite3_value_double(raw))
        case SQLITE_NULL:
            break
        default:
            if let v = try Percentile.number(SQLValue(sqliteValue: raw), function: function) {
                values.append(v)
            }
        }
    }

    override func finalize() throws -> SQLValue {
        guard let fraction, !values.isEmpty else { return .null }
        return .real(Percentile.linear(&values, fraction: fraction)!)
    }
}

/// The `percentile(value, fraction)` SQL aggregate; see ``Percentile``.
///
/// NULL values are ignored; a group without values gives NULL. `fraction` must be a number in
/// [0, 1], the same for every row of a group.
public struct PercentileAggregate: DatabaseAggregate {
    private let storage = PercentileValues()

    /// Creates an empty group.
    public init() {}

    /// Adds a `(value, fraction)` row.
    public mutating func step(_ arguments: [SQLValue]) throws {
        guard arguments.count == 2 else {
            throw SQLiteError(code: SQLITE_ERROR, message: "percentile: expected 2 arguments (value, fraction)")
        }
        let p = try Percentile.fraction(arguments[1], function: "percentile")
        if let previous = storage.fraction, previous != p {
            throw SQLiteError(code: SQLITE_ERROR,
                              message: "percentile: fraction must be the same for every row of a group (got \(previous) and \(p))")
        }
        storage.fraction = p
        if let v = try Percentile.number(arguments[0], function: "percentile") {
            storage.values.append(v)
        }
    }

    /// The percentile of the group's values, or NULL when there are none.
    public func finalize() throws -> SQLValue {
        storage.result()
    }
}

/// The `median(value)` SQL aggregate: `percentile(value, 0.5)`.
public struct MedianAggregate: DatabaseAggregate {
    private let storage: PercentileValues = {
        let storage = PercentileValues()
        storage.fraction = 0.5
        return storage
    }()

    /// Creates an empty group.
    public init() {}

    /// Adds a value.
    public mutating func step(_ arguments: [SQLValue]) throws {
        guard let first = arguments.first else {
            throw SQLiteError(code: SQLITE_ERROR, message: "median: expected 1 argument")
        }
        if let v = try Percentile.number(first, function: "median") {
            storage.values.append(v)
        }
    }

    /// The median of the group's values, or NULL when there are none.
    public func finalize() throws -> SQLValue {
        storage.result()
    }
}
