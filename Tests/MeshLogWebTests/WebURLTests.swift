import Testing
@testable import MeshLogWeb

/// Query parsing, link building and escaping: the pieces every page builds its links and text with.
@Suite struct WebURLTests {
    @Test func queryValuesAreDecodedAndRepeatable() {
        let r = WebRequest(target: "/status?by=edge%2Ccode&service=payment&service=user,course&since=2026-11-25T10%3A00%3A00Z&q=a+b")
        #expect(r.path == "/status")
        #expect(r.values("by") == ["edge", "code"])
        #expect(r.values("service") == ["payment", "user", "course"])
        #expect(r.value("since") == "2026-11-25T10:00:00Z")
        #expect(r.value("q") == "a b")
        #expect(r.value("missing") == nil)
    }

    @Test func linksEncodeEverythingButUnreserved() {
        #expect(WebURL.link("/edge", [("source", "a&b=c"), ("subset", nil), ("service", "x y/<z>")]) == "/edge?source=a%26b%3Dc&service=x%20y%2F%3Cz%3E")
        #expect(WebURL.decode(WebURL.encode("é \"'<>%")) == "é \"'<>%")
        #expect(WebRequest(target: "/trace/a%2Fb%20c").path == "/trace/a/b c")
    }

    @Test func escapingLeavesNoMarkup() {
        let hostile = "\"><img src=x onerror=alert(1)><script>alert('x')</script>&"
        let escaped = HTML.escape(hostile)
        #expect(!escaped.contains("<") && !escaped.contains(">") && !escaped.contains("\"") && !escaped.contains("'"))
        #expect(escaped.hasPrefix("&quot;&gt;&lt;img"))
        let json = HTML.jsonString("</script><!--\u{2028}")
        #expect(json == "\"\\u003c/script\\u003e\\u003c!--\\u2028\"")
        #expect(HTML.scriptSafe("{\"p\":\"</script>&\"}") == "{\"p\":\"\\u003c/script\\u003e\\u0026\"}")
    }
}
