/// A dynamically typed SQLite value: one of the five SQLite storage classes.
///
/// `SQLValue` is what the `SQLValue` overload of `Statement.bind(_:at:)` takes and what
/// `Statement.value(_:)` and `Database.rows(_:_:)` return. It can be written as a literal:
/// `nil`, `42`, `1.5`, `"text"` and `true` are all `SQLValue`s.
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit signed integer (SQLite storage class `INTEGER`).
    case integer(Int64)
    /// A 64-bit IEEE floating point number (SQLite storage class `REAL`).
    case real(Double)
    /// UTF-8 text (SQLite storage class `TEXT`).
    case text(String)
    /// Raw bytes (SQLite storage class `BLOB`).
    case blob([UInt8])
}

extension SQLValue {
    /// Creates an integer value from an `Int`.
    @inlinable
    public init(_ value: Int) { self = .integer(Int64(value)) }

    /// Creates an integer value, or `.null` when `value` is nil.
    @inlinable
    public init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }

    /// Creates a real value, or `.null` when `value` is nil.
    @inlinable
    public init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }

    /// Creates a text value, or `.null` when `value` is nil.
    @inlinable
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }

    /// Creates an integer value `1` or `0`, or `.null` when `value` is nil.
    @inlinable
    public init(_ value: Bool?) { self = value.map { .integer($0 ? 1 : 0) } ?? .null }

    /// Whether this is `.null`.
    @inlinable
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an `Int64`: integers as is, reals only when exactly representable; otherwise nil.
    @inlinable
    public var int64: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    /// The value as a `Double`: reals as is, integers converted; otherwise nil.
    @inlinable
    public var double: Double? {
        switch self {
        case .real(let d): return d
        case .integer(let v): return Double(v)
        default: return nil
        }
    }

    /// The value as a `String` when it is `.text`; otherwise nil.
    @inlinable
    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The value's bytes when it is `.blob`; otherwise nil.
    @inlinable
    public var blob: [UInt8]? {
        if case .blob(let b) = self { return b }
        return nil
    }
}

extension SQLValue: CustomStringConvertible {
    /// The value written as an SQL literal: `NULL`, `42`, `1.5`, `'it''s'`, `X'00FF'`.
    public var description: String {
        switch self {
        case .null:
            return "NULL"
        case .integer(let v):
            return String(v)
        case .real(let d):
            return String(d)
        case .text(let s):
            return "'" + s.replacingAll("'", with: "''") + "'"
        case .blob(let bytes):
            let digits: [Character] = Array("0123456789ABCDEF")
            var out = "X'"
            out.reserveCapacity(bytes.count * 2 + 3)
            for b in bytes {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0x0F)])
            }
            out.append("'")
            return out
        }
    }
}

extension String {
    /// Replaces every occurrence of a single character (Foundation-free helper).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}

extension SQLValue: ExpressibleByNilLiteral {
    /// Creates `.null` from the `nil` literal.
    @inlinable
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue: ExpressibleByIntegerLiteral {
    /// Creates `.integer` from an integer literal.
    @inlinable
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLValue: ExpressibleByFloatLiteral {
    /// Creates `.real` from a floating point literal.
    @inlinable
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLValue: ExpressibleByStringLiteral {
    /// Creates `.text` from a string literal.
    @inlinable
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLValue: ExpressibleByBooleanLiteral {
    /// Creates `.integer(1)` or `.integer(0)` from a boolean literal, as SQLite stores booleans.
    @inlinable
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}
