@testable import MeshLogCore
import Testing

@Suite struct SpanJSONStreamReaderTests {
    /// Tokenises `text`, feeding `chunk` bytes per read.
    static func tokens(_ text: String, chunk: Int = .max, initialBuffer: Int = 16) throws -> [JSONStreamReader.Token] {
        let bytes = Array(text.utf8)
        var offset = 0
        let reader = JSONStreamReader(chunkSize: initialBuffer) { out in
            let n = min(out.count, chunk, bytes.count - offset)
            for i in 0..<n { out[i] = bytes[offset + i] }
            offset += n
            return n
        }
        var result: [JSONStreamReader.Token] = []
        while let t = try reader.next() { result.append(t) }
        return result
    }

    static func malformed(_ text: String) -> SpanDecodeError? {
        do {
            _ = try tokens(text, chunk: 3)
            return nil
        } catch let e as SpanDecodeError {
            return e
        } catch {
            return nil
        }
    }

    @Test func tokenisesNestedValues() throws {
        let text = #"{"traceId":"ab","tags":{"http.status_code":"503"},"timestamp":1570523661059232,"d":-1.5e-3,"#
            + #""shared":true,"x":false,"p":null,"a":[1,[]]}"#
        #expect(try Self.tokens(text) == [
            .beginObject, .key("traceId"), .string("ab"), .key("tags"), .beginObject, .key("http.status_code"),
            .string("503"), .endObject, .key("timestamp"), .integer(1_570_523_661_059_232), .key("d"),
            .number("-1.5e-3"), .key("shared"), .bool(true), .key("x"), .bool(false), .key("p"), .null,
            .key("a"), .beginArray, .integer(1), .beginArray, .endArray, .endArray, .endObject,
        ])
    }

    @Test func unescapesStringsIncludingSurrogatePairs() throws {
        let text = #"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "\ud800x", "订单维护服务"]"#
        #expect(try Self.tokens(text) == [
            .beginArray, .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"), .string("é中"), .string("😀"),
            .string("\u{FFFD}x"), .string("订单维护服务"), .endArray,
        ])
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64])
    func chunkBoundariesDoNotMatter(chunk: Int) throws {
        let text = "\u{FEFF}" + #"[{"name":"reviews.bookinfo.svc.cluster.local:9080/*","e":"\u00e9\ud83d\ude00\"x","#
            + #""n":12345678901234567890,"b":true,"z":null}, {"long":""#
            + String(repeating: "abcdefghij", count: 40) + #""}]"# + "\n{\"second\":1}\n"
        let reference = try Self.tokens(text)
        #expect(try Self.tokens(text, chunk: chunk) == reference)
        #expect(reference.count == 22)
    }

    @Test func multipleTopLevelValuesAsInJSONLines() throws {
        #expect(try Self.tokens("{\"a\":1}\n{\"a\":2}\n[]\n") == [
            .beginObject, .key("a"), .integer(1), .endObject,
            .beginObject, .key("a"), .integer(2), .endObject,
            .beginArray, .endArray,
        ])
    }

    @Test func reportsTokenPositions() throws {
        let bytes = Array("[\n  {\"a\": 1},\n  {\"b\": 2}\n]".utf8)
        var offset = 0
        let reader = JSONStreamReader { out in
            let n = min(out.count, bytes.count - offset)
            for i in 0..<n { out[i] = bytes[offset + i] }
            offset += n
            return n
        }
        var positions: [(Int, Int)] = []
        while let t = try reader.next() {
            if t == .beginObject { positions.append((reader.tokenLine, reader.tokenColumn)) }
        }
        #expect(positions.map(\.0) == [2, 3])
        #expect(positions.map(\.1) == [3, 3])
    }

    @Test(arguments: [
        ("[1,2", 1, 5, "unexpected end of input inside an array"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("[1 2]", 1, 4, "expected ',' or ']'"),
        ("{\"a\":1,}", 1, 8, "expected a string key"),
        ("[\n  {\"a\": tru}\n]", 2, 12, "invalid literal"),
        ("[\"abc", 1, 6, "unterminated string"),
        ("[\"a\tb\"]", 1, 4, "unescaped control character"),
        ("[01]", 1, 3, "invalid number"),
        ("[1.]", 1, 4, "invalid number"),
        ("[\"\\x\"]", 1, 3, "invalid escape"),
        ("[\"\\u12G4\"]", 1, 3, "invalid \\u escape"),
        ("{\"a\":1}}", 1, 8, "unexpected '}'"),
        ("[\n\n   @]", 3, 4, "unexpected '@'"),
    ])
    func malformedInputReportsLineAndColumn(text: String, line: Int, column: Int, reason: String) throws {
        let error = try #require(Self.malformed(text))
        guard case let .malformedJSON(l, c, r) = error else {
            Issue.record("expected malformedJSON, got \(error)")
            return
        }
        #expect(l == line)
        #expect(c == column)
        #expect(r.contains(reason), "\(r)")
    }

    @Test func rejectsExcessiveNesting() {
        let text = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        guard case .malformedJSON(_, _, let reason)? = Self.malformed(text) else {
            Issue.record("expected an error")
            return
        }
        #expect(reason.contains("nesting"))
    }

    @Test func buildsTrees() throws {
        let bytes = Array(#"{"a":[1,"x",{"b":null}],"c":true}"#.utf8)
        var offset = 0
        let reader = JSONStreamReader { out in
            let n = min(out.count, bytes.count - offset)
            for i in 0..<n { out[i] = bytes[offset + i] }
            offset += n
            return n
        }
        let first = try #require(try reader.next())
        let node = try reader.readNode(startingWith: first)
        #expect(node == .object([
            JSONNode.Member("a", .array([.integer(1), .string("x"), .object([JSONNode.Member("b", .null)])])),
            JSONNode.Member("c", .bool(true)),
        ]))
        #expect(node.compactJSON() == #"{"a":[1,"x",{"b":null}],"c":true}"#)
        #expect(node.compactJSON(limit: 5) == #"{"a":…"#)
        #expect(try reader.next() == nil)
    }
}
