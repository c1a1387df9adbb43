import CSQLite

extension Database {
    /// Registers the histogram SQL functions that the summary tables are built and read with.
    ///
    /// - `hist(value)`: aggregate; the exact ``ValueHistogram`` of the group's integer values as a blob (NULLs ignored).
    /// - `hist_merge(blob)`: aggregate; the union of the group's histograms.
    /// - `hist_add(a, b)`: the union of two histograms (either may be NULL).
    /// - `hist_percentile(blob, fraction)`: exact percentile, linear between closest ranks, as `percentile`.
    /// - `hist_max(blob)`, `hist_count(blob)`: the largest value and the number of values.
    public func registerHistogramFunctions() {
        registerAggregate("hist", argumentCount: 1, makeBox: { HistogramBox(encodedInput: false) })
        registerAggregate("hist_merge", argumentCount: 1, makeBox: { HistogramBox(encodedInput: true) })
        registerFunction("hist_add", argumentCount: 2) { args in
            var b = ValueHistogram.Builder()
            for arg in args {
                if case .blob(let bytes) = arg {
                    guard bytes.withUnsafeBytes({ b.add(encoded: $0) }) else { throw Self.badHistogram("hist_add") }
                }
            }
            return b.isEmpty ? .null : .blob(b.histogram().encoded())
        }
        registerFunction("hist_percentile", argumentCount: 2) { args in
            guard let h = try Self.histogram(args[0], "hist_percentile") else { return .null }
            let fraction = try Percentile.fraction(args[1], function: "hist_percentile")
            return h.percentile(fraction).map { .real($0) } ?? .null
        }
        registerFunction("hist_max", argumentCount: 1) { args in
            try Self.histogram(args[0], "hist_max")?.max.map { .integer($0) } ?? .null
        }
        registerFunction("hist_count", argumentCount: 1) { args in
            try Self.histogram(args[0], "hist_count").map { .integer($0.total) } ?? .null
        }
    }

    static func histogram(_ value: SQLValue, _ function: String) throws -> ValueHistogram? {
        switch value {
        case .null: return nil
        case .blob(let bytes):
            guard let h = bytes.withUnsafeBytes({ ValueHistogram(encoded: $0) }) else { throw badHistogram(function) }
            return h
        default: throw badHistogram(function)
        }
    }

    static func badHistogram(_ function: String) -> SQLiteError {
        SQLiteError(code: SQLITE_ERROR, message: "\(function): argument is not a histogram (make one with hist(value))")
    }
}

/// Per-group state of `hist` (values in) and `hist_merge` (encoded histograms in).
private final class HistogramBox: AggregateBoxBase {
    let encodedInput: Bool
    var builder = ValueHistogram.Builder()

    init(encodedInput: Bool) { self.encodedInput = encodedInput }

    override func step(_ argc: Int32, _ argv: UnsafeMutablePointer<OpaquePointer?>?) throws {
        guard let argv, argc == 1 else { throw SQLiteError(code: SQLITE_ERROR, message: "hist: wrong number of arguments") }
        let raw = argv[0]
        let type = sqlite3_value_type(raw)
        if type == SQLITE_NULL { return }
        if encodedInput {
            guard type == SQLITE_BLOB else { throw Database.badHistogram("hist_merge") }
            let n = Int(sqlite3_value_bytes(raw))
            guard n > 0, let p = sqlite3_value_blob(raw) else { return }
            guard builder.add(encoded: UnsafeRawBufferPointer(start: p, count: n)) else { throw Database.badHistogram("hist_merge") }
        } else {
            switch type {
            case SQLITE_INTEGER: builder.add(sqlite3_value_int64(raw))
            case SQLITE_FLOAT: builder.add(Int64(sqlite3_value_double(raw).rounded()))
            default: throw SQLiteError(code: SQLITE_ERROR, message: "hist: non-numeric value")
            }
        }
    }

    override func finalize() throws -> SQLValue {
        builder.isEmpty ? .null : .blob(builder.histogram().encoded())
    }
}
