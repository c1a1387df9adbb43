/// Splits an Envoy format string into literals and command operators, as Envoy's own
/// `SubstitutionFormatParser` does.
public enum EnvoyFormatTokenizer {
    /// Tokenizes `format`.
    ///
    /// A trailing newline (real, or the two characters `\n` as written in YAML) ends the line and
    /// is dropped; `%%` is a literal percent sign.
    ///
    /// - Throws: `EnvoyFormatError` naming the position of the first problem.
    public static func tokenize(_ format: String) throws(EnvoyFormatError) -> [EnvoyFormatToken] {
        var chars = Array(format.utf8)
        while let last = chars.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { chars.removeLast() }
        if chars.count >= 2, chars[chars.count - 2] == UInt8(ascii: "\\"), chars[chars.count - 1] == UInt8(ascii: "n") {
            chars.removeLast(2)
        }
        var tokens: [EnvoyFormatToken] = []
        var literal: [UInt8] = []
        var i = 0
        func flushLiteral() {
            if !literal.isEmpty {
                tokens.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
        }
        while i < chars.count {
            let c = chars[i]
            guard c == UInt8(ascii: "%") else {
                literal.append(c)
                i += 1
                continue
            }
            let start = i
            if i + 1 < chars.count, chars[i + 1] == UInt8(ascii: "%") {
                literal.append(c)
                i += 2
                continue
            }
            i += 1
            var nameEnd = i
            while nameEnd < chars.count, isNameByte(chars[nameEnd]) { nameEnd += 1 }
            if nameEnd == i {
                guard i < chars.count else { throw .unterminatedCommand(position: start) }
                let found = String(decoding: chars[start..<min(chars.count, start + 12)], as: UTF8.self)
                throw .invalidCommandName(position: start, found: found)
            }
            let name = String(decoding: chars[i..<nameEnd], as: UTF8.self)
            i = nameEnd
            var argument: String?
            if i < chars.count, chars[i] == UInt8(ascii: "(") {
                // The argument runs to the ')' that is followed by '%' or ':' (START_TIME patterns contain '%').
                var j = i + 1
                var close = -1
                while j < chars.count {
                    if chars[j] == UInt8(ascii: ")"),
                       j + 1 < chars.count, chars[j + 1] == UInt8(ascii: "%") || chars[j + 1] == UInt8(ascii: ":") {
                        close = j
                        break
                    }
                    j += 1
                }
                guard close >= 0 else { throw .unterminatedArgument(command: name, position: start) }
                argument = String(decoding: chars[(i + 1)..<close], as: UTF8.self)
                i = close + 1
            }
            var maxLength: Int?
            if i < chars.count, chars[i] == UInt8(ascii: ":") {
                var j = i + 1
                var n = 0
                // Digits past a 32-bit length are read but not added: such a length is invalid (and would overflow).
                while j < chars.count, chars[j] >= 48, chars[j] <= 57 {
                    if n <= Self.maxLength { n = n * 10 + Int(chars[j] - 48) }
                    j += 1
                }
                guard j > i + 1, n > 0, n <= Self.maxLength else { throw .invalidLength(command: name, position: start) }
                maxLength = n
                i = j
            }
            guard i < chars.count, chars[i] == UInt8(ascii: "%") else {
                if i >= chars.count { throw .unterminatedCommand(position: start) }
                let found = String(decoding: chars[start..<min(chars.count, i + 1)], as: UTF8.self)
                throw .invalidCommandName(position: start, found: found)
            }
            i += 1
            flushLiteral()
            tokens.append(.command(EnvoyCommand(name: name, argument: argument, maxLength: maxLength, position: start)))
        }
        flushLiteral()
        return tokens
    }

    /// The longest `:LEN` accepted (Envoy's lengths are 32-bit).
    static let maxLength = Int(UInt32.max)

    @inline(__always)
    private static func isNameByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }
}
