/// Splits a command line into words as a POSIX shell would for the simple commands the
/// documentation shows: single and double quotes, backslash escapes, `#` comments, and the
/// operators `|`, `>`, `<` and `2>&1` as words of their own.
enum ShellWords {
    /// The words of `line`; nil when a quote is left open.
    static func split(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var chars = Array(line)
        var i = 0
        func flush() {
            if inWord { words.append(current) }
            current = ""
            inWord = false
        }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q {
                    quote = nil
                } else if q == "\"", c == "\\", i + 1 < chars.count, "\"\\$`".contains(chars[i + 1]) {
                    i += 1
                    current.append(chars[i])
                } else {
                    current.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                if i + 1 < chars.count { i += 1; current.append(chars[i]); inWord = true }
            case " ", "\t":
                flush()
            case "#" where !inWord:
                chars = Array(chars[..<i])
                continue
            case "|", "<":
                flush()
                words.append(String(c))
            case ">":
                flush()
                if i + 2 < chars.count, chars[i + 1] == "&" {
                    words.append(">&" + String(chars[i + 2]))
                    i += 2
                } else {
                    words.append(">")
                }
            case "2" where !inWord && i + 1 < chars.count && chars[i + 1] == ">":
                flush()
                if i + 3 < chars.count, chars[i + 2] == "&", chars[i + 3] == "1" {
                    words.append("2>&1")
                    i += 3
                } else {
                    words.append("2>")
                    i += 1
                }
            default:
                current.append(c)
                inWord = true
            }
            i += 1
        }
        if quote != nil { return nil }
        flush()
        return words
    }
}
