/// Text from the logs made safe to show on a terminal (issue #14).
///
/// Paths, user agents, headers and file names come from the internet; a terminal acts on the control
/// characters among them (ESC sequences retitle the window, move the cursor, hide text; CR and BS overwrite
/// what was printed). Every value shown in a table, tree, bar chart or message goes through ``escaped(_:keepingNewlines:)``:
///
/// - C0 controls U+0000–U+001F (TAB, CR and, inside a value, LF included) and DEL U+007F become `\xNN`
///   (lowercase hex: ESC is `\x1b`), as `less` and `kubectl` show them;
/// - C1 controls U+0080–U+009F become `\u{NN}` (`\u{9b}` for the one-character CSI): a code point, not a
///   byte, so that it is not mistaken for the invalid byte of ``escaped(bytes:)``;
/// - the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069 ("Trojan Source": text that
///   reads in an order other than the one it is stored in) become `\u{202e}` and so on;
/// - with ``escaped(bytes:)``, each byte that is not part of valid UTF-8 becomes `\xNN`.
///
/// A backslash is left as it is. Machine formats (`--json`, `--csv`) keep the exact strings; the store keeps the
/// bytes as they came.
public enum TerminalText {
    /// `s` with every control character escaped; `s` itself (no copy) when it has none, which is the common case.
    ///
    /// - Parameter keepingNewlines: leave U+000A as it is: for whole messages whose line breaks are the
    ///   renderer's own. Values inside a table or tree keep it false, so that a value is always one line.
    public static func escaped(_ s: String, keepingNewlines: Bool = false) -> String {
        var s = s
        let clean = s.withUTF8 { firstUnsafe($0, keepingNewlines: keepingNewlines) == nil }
        if clean { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for u in s.unicodeScalars {
            if needsEscape(u, keepingNewlines: keepingNewlines) { append(u, to: &out) } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// Raw bytes as terminal text: valid UTF-8 as in ``escaped(_:keepingNewlines:)``, every byte of an invalid
    /// sequence as `\xNN`.
    public static func escaped(bytes: some Collection<UInt8>, keepingNewlines: Bool = false) -> String {
        let bytes = Array(bytes)
        var out = ""
        out.reserveCapacity(bytes.count + 16)
        var start = 0
        while start < bytes.count {
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = bytes[start...].makeIterator()
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let u = Unicode.UTF8.decode(encoded)
                if needsEscape(u, keepingNewlines: keepingNewlines) { append(u, to: &out) } else { out.unicodeScalars.append(u) }
                start += encoded.count
            case .error(let length):
                for b in bytes[start..<min(bytes.count, start + max(1, length))] {
                    let hex = String(b, radix: 16)
                    out += b < 0x10 ? "\\x0" + hex : "\\x" + hex
                }
                start += max(1, length)
            case .emptyInput:
                start = bytes.count
            }
        }
        return out
    }

    /// JSON text with the characters a terminal acts on that JSON lets through raw (DEL, the C1 controls, the
    /// bidi overrides) written as `\uXXXX` escapes: the same JSON value, byte for byte once parsed, and safe to
    /// print. For JSON from an encoder, which escapes U+0000–U+001F itself; outside strings JSON holds none of these.
    public static func jsonSafe(_ json: String) -> String {
        guard needsEscaping(json, keepingNewlines: true) else { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 16)
        for u in json.unicodeScalars {
            if u.value > 0x20, needsEscape(u, keepingNewlines: true) { appendJSONEscape(u, to: &out) } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// `\uXXXX` (lowercase hex) for a scalar of the Basic Multilingual Plane.
    public static func appendJSONEscape(_ u: Unicode.Scalar, to out: inout String) {
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether `s` holds anything that ``escaped(_:keepingNewlines:)`` would change.
    public static func needsEscaping(_ s: String, keepingNewlines: Bool = false) -> Bool {
        var s = s
        return s.withUTF8 { firstUnsafe($0, keepingNewlines: keepingNewlines) != nil }
    }

    /// Whether a scalar is shown escaped.
    @inline(__always)
    public static func needsEscape(_ u: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        let v = u.value
        if v < 0x20 { return !(keepingNewlines && v == 0x0A) }
        if v < 0x7F { return false }
        if v <= 0x9F { return true }
        return (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    static func append(_ u: Unicode.Scalar, to out: inout String) {
        let v = u.value
        let hex = String(v, radix: 16)
        if v < 0x80 {
            out += v < 0x10 ? "\\x0" + hex : "\\x" + hex
        } else {
            out += "\\u{" + hex + "}"
        }
    }

    /// The offset of the first byte that starts something to escape, nil when there is none. A byte scan:
    /// C0 and DEL are single bytes; C1 is `C2 80`–`C2 9F`; the bidi controls are `E2 80 AA`–`E2 80 AE` and
    /// `E2 81 A6`–`E2 81 A9`.
    @inline(__always)
    static func firstUnsafe(_ p: UnsafeBufferPointer<UInt8>, keepingNewlines: Bool) -> Int? {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b < 0x20 {
                if !(keepingNewlines && b == 0x0A) { return i }
            } else if b == 0x7F {
                return i
            } else if b == 0xC2 {
                if i + 1 < n, p[i + 1] >= 0x80, p[i + 1] <= 0x9F { return i }
            } else if b == 0xE2, i + 2 < n {
                let b1 = p[i + 1], b2 = p[i + 2]
                if b1 == 0x80, b2 >= 0xAA, b2 <= 0xAE { return i }
                if b1 == 0x81, b2 >= 0xA6, b2 <= 0xA9 { return i }
            }
            i += 1
        }
        return nil
    }
}
