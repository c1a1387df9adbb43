import Foundation
@testable import MeshLogAnalysis
import MeshLogStore
import MeshLogTerminal
import Testing

/// Issue #14: control characters from the logs are shown escaped on terminals; machine formats keep the strings.
@Suite("terminal text")
struct TerminalTextTests {
    /// ESC sequences (SGR, an OSC window title ended by BEL), CR, BS, NUL, DEL, TAB, LF, the C1 CSI and a bidi override.
    static let hostile = "a\u{1B}[31mred\u{1B}]0;title\u{07}\r\u{08}\u{00}\u{7F}\t\n\u{9B}2J\u{202E}txt\u{2066}z"

    /// Whether `s` holds a character a terminal acts on (LF aside).
    static func unsafe(_ s: String) -> [Unicode.Scalar] {
        s.unicodeScalars.filter {
            let v = $0.value
            return (v < 0x20 && v != 0x0A) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        }
    }

    @Test func escapesC0DelC1AndBidiInOneReadableForm() {
        #expect(TerminalText.escaped(Self.hostile)
            == #"a\x1b[31mred\x1b]0;title\x07\x0d\x08\x00\x7f\x09\x0a\u{9b}2J\u{202e}txt\u{2066}z"#)
        #expect(TerminalText.escaped(Self.hostile, keepingNewlines: true)
            == "a\\x1b[31mred\\x1b]0;title\\x07\\x0d\\x08\\x00\\x7f\\x09\n\\u{9b}2J\\u{202e}txt\\u{2066}z")
        #expect(TerminalText.needsEscaping(Self.hostile))
        #expect(!TerminalText.needsEscaping("a\nb", keepingNewlines: true))
        #expect(TerminalText.needsEscaping("a\nb"))
    }

    @Test func leavesOrdinaryTextAlone() {
        for s in ["", "GET /courses/{id}", "café → 東京 ✓ █▒", "back\\slash \\x1b", "\u{A0}\u{200B}\u{2028}é\u{301}", "\u{2029}\u{2065}\u{206A}"] {
            #expect(TerminalText.escaped(s) == s)
            #expect(!TerminalText.needsEscaping(s))
        }
    }

    @Test func invalidUTF8BytesAreShownAsBytes() {
        #expect(TerminalText.escaped(bytes: [0x61, 0xFF, 0x1B, 0x62, 0xC2, 0x9B, 0xE2, 0x80, 0xAE, 0xC3]) == #"a\xff\x1bb\u{9b}\u{202e}\xc3"#)
        #expect(TerminalText.escaped(bytes: Array("café ✓".utf8)) == "café ✓")
    }

    @Test func everyScalarIsSafeAfterEscaping() {
        var all = ""
        for v in UInt32(0)...0x2100 { if let u = Unicode.Scalar(v) { all.unicodeScalars.append(u) } }
        #expect(Self.unsafe(TerminalText.escaped(all)).isEmpty)
        #expect(Self.unsafe(TerminalText.escaped(all, keepingNewlines: true)).isEmpty)
    }

    @Test func jsonKeepsTheExactStringAndIsSafeToPrint() throws {
        let literal = ResultTable.jsonString(Self.hostile)
        #expect(Self.unsafe(literal).isEmpty && !literal.contains("\n"))
        let parsed = try JSONSerialization.jsonObject(with: Data(("[" + literal + "]").utf8)) as? [String]
        #expect(parsed == [Self.hostile])
        let encoded = String(decoding: try JSONEncoder().encode([Self.hostile]), as: UTF8.self)
        let safe = TerminalText.jsonSafe(encoded)
        #expect(Self.unsafe(safe).isEmpty)
        #expect(try JSONDecoder().decode([String].self, from: Data(safe.utf8)) == [Self.hostile])
    }

    @Test func tablesEscapeAndAlignOnTheEscapedText() {
        let table = ResultTable(columns: ["v\u{1B}", "n"], rows: [[.text(Self.hostile), .integer(1)], [.text("ok"), .integer(22)]])
        let text = table.renderText()
        #expect(Self.unsafe(text).isEmpty)
        #expect(text.contains(#"a\x1b[31mred"#))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix(#"v\x1b"#))
        #expect(Set(lines.map(\.count)).count == 1, "every line as wide as the rule: \(lines)")
        let markdown = table.renderMarkdown()
        #expect(Self.unsafe(markdown).isEmpty && markdown.split(separator: "\n").count == 4)
        // CSV keeps the value (a machine format), quoted because it holds controls.
        let csv = table.renderCSV()
        #expect(csv.contains("\"" + Self.hostile + "\""))
        #expect(ResultTable.csvField("a\tb") == "\"a\tb\"" && ResultTable.csvField("plain") == "plain")
        let json = table.renderJSON()
        #expect(Self.unsafe(json).isEmpty)
        let rows = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]]
        #expect(rows?.first?["v\u{1B}"] as? String == Self.hostile)
    }

    @Test func graphLabelsAreQuotedAndEscaped() {
        #expect(ServiceGraph.dotString("a\"b\\c\u{1B}[31m") == #""a\"b\\c\\x1b[31m""#)
        #expect(ServiceGraph.mermaidText("a\"b\u{9B}") == #"a#quot;b\u{9b}"#)
    }
}
