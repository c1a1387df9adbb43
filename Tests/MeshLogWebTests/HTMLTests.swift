import Testing
@testable import MeshLogWeb

/// The byte-level escapes: multi-byte text passes through unchanged, only the listed characters change.
@Suite struct HTMLTests {
    /// `escape` changes `& < > " '` and NUL only.
    @Test func escapeKeepsEveryOtherCharacter() {
        #expect(HTML.escape("ünïcödé → 東京 🚀") == "ünïcödé → 東京 🚀")
        #expect(HTML.escape("a\u{0}b<é>") == "a\u{FFFD}b&lt;é&gt;")
        #expect(HTML.escape("") == "")
        #expect(HTML.escape("'") == "&#39;")
        // U+2028 is left alone in text (it is only a hazard inside a script block).
        #expect(HTML.escape("\u{2028}") == "\u{2028}")
    }

    /// `scriptSafe` changes `< > &` and U+2028/2029 only.
    @Test func scriptSafeEscapesSeparatorsAndMarkupOnly() {
        #expect(HTML.scriptSafe("{\"p\":\"\u{2029}x\u{2028}\"}") == "{\"p\":\"\\u2029x\\u2028\"}")
        #expect(HTML.scriptSafe("\"it's\" → 東") == "\"it's\" → 東")
        // Other characters that start with the same UTF-8 byte (U+2026 …) are kept.
        #expect(HTML.scriptSafe("…<") == "…\\u003c")
    }
}
