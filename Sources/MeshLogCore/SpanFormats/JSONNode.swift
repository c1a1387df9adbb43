/// A small JSON tree for one span, trace or resource, built by ``JSONStreamReader/readNode(startingWith:)``.
///
/// Objects keep their members in file order (lookups are linear, which is fastest for span-sized objects; the last
/// duplicate key wins). Numbers keep their raw text, so 64-bit ids and nanosecond timestamps lose no precision.
enum JSONNode: Equatable, Sendable {
    /// One object member. (A struct rather than a tuple: arrays of structs are destroyed by specialised code,
    /// arrays of tuples by the slow generic runtime path.)
    struct Member: Sendable {
        let key: String
        let value: JSONNode

        init(_ key: String, _ value: JSONNode) {
            self.key = key
            self.value = value
        }
    }

    case object([Member])
    case array([JSONNode])
    case string(String)
    /// A plain integer literal that fits in an `Int64`.
    case integer(Int64)
    /// Any other number, as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONNode, rhs: JSONNode) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member named `key` of an object (the last one if repeated); nil for other values.
    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = self else { return nil }
        var i = members.count - 1
        while i >= 0 {
            if members[i].key == key { return members[i].value }
            i -= 1
        }
        return nil
    }

    /// The first present member among `keys`.
    func first(_ keys: String...) -> JSONNode? {
        for k in keys { if let v = self[k] { return v } }
        return nil
    }

    var members: [Member] {
        if case .object(let m) = self { return m }
        return []
    }

    /// Array elements; an empty list for anything else (including `null`).
    var elements: [JSONNode] {
        if case .array(let a) = self { return a }
        return []
    }

    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// The string value, or nil for non-strings.
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A scalar as text: strings as-is, numbers as written, booleans as `true`/`false`, null as nil.
    /// Arrays and objects are encoded as compact JSON.
    var text: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .integer(let v): return String(v)
        case .bool(let b): return b ? "true" : "false"
        case .null: return nil
        case .array, .object: return compactJSON()
        }
    }

    /// An integer from a JSON number or a decimal string (`"1544712660000000000"`); fractions are truncated.
    var int64: Int64? {
        let raw: String
        switch self {
        case .integer(let v): return v
        case .number(let n): raw = n
        case .string(let s): raw = s
        default: return nil
        }
        if let v = Int64(raw) { return v }
        if let d = Double(raw.trimmingSpaces), d.isFinite, abs(d) < 9.2e18 { return Int64(d) }
        return nil
    }

    /// A boolean from `true`/`false` or the strings `"true"`/`"false"` (any case).
    var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .string(let s):
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// Compact JSON text for this value, truncated (with `…`) once it exceeds `limit` bytes.
    func compactJSON(limit: Int = .max) -> String {
        var out = ""
        write(to: &out, limit: limit)
        if out.utf8.count > limit {
            out = String(decoding: out.utf8.prefix(limit), as: UTF8.self) + "…"
        }
        return out
    }

    private func write(to out: inout String, limit: Int) {
        if out.utf8.count > limit { return }
        switch self {
        case .string(let s): Span.appendJSONString(s, to: &out)
        case .number(let n): out.append(n)
        case .integer(let v): out.append(String(v))
        case .bool(let b): out.append(b ? "true" : "false")
        case .null: out.append("null")
        case .array(let items):
            out.append("[")
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(",") }
                item.write(to: &out, limit: limit)
                if out.utf8.count > limit { return }
            }
            out.append("]")
        case .object(let members):
            out.append("{")
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(",") }
                Span.appendJSONString(m.key, to: &out)
                out.append(":")
                m.value.write(to: &out, limit: limit)
                if out.utf8.count > limit { return }
            }
            out.append("}")
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = self[...]
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
