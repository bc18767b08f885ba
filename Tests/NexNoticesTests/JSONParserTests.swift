@testable import NexNotices
import Testing

/// The strict RFC 8259 parser under the validator: a table of texts, and what a reader sees.
@Suite struct JSONParserTests {
    static func parse(_ bytes: [UInt8]) -> Result<[JSONNode], JSONSyntaxError> {
        bytes.withUnsafeBytes { buffer in
            do throws(JSONSyntaxError) {
                return .success(try JSONParser.parse(buffer))
            } catch {
                return .failure(error)
            }
        }
    }

    static let valid: [String] = [
        "{}", "[]", "0", "-0", "1.5e10", "-12.25E-3", "1E+2", "\"\"", "true", "false", "null",
        " \t\r\n{ \"a\" : [ 1 , { } , [ ] ] } \n",
        #""\"\\\/\b\f\n\r\t""#, #""\u00e9\u20AC\ud83d\ude00""#, #""\u0000""#,
        "\"é€😀\"", "\"\u{7F}\"",
        String(repeating: "[", count: 32) + String(repeating: "]", count: 32),
    ]

    @Test(arguments: valid)
    func validText(_ text: String) throws {
        let nodes = try Self.parse(Array(text.utf8)).get()
        #expect(nodes.first?.next == nodes.count)
    }

    static let invalid: [(String, [UInt8])] = [
        ("empty input", []),
        ("only whitespace", Array("  \n".utf8)),
        ("trailing comma in object", Array("{\"a\": 1,}".utf8)),
        ("trailing comma in array", Array("[1,]".utf8)),
        ("leading zero", Array("[01]".utf8)),
        ("leading zero, negative", Array("-012".utf8)),
        ("lone high surrogate", Array(#""\ud800""#.utf8)),
        ("high surrogate then text", Array(#""\ud800abcdef""#.utf8)),
        ("lone low surrogate", Array(#""\udc00""#.utf8)),
        ("high surrogate then high", Array(#""\ud800\ud800""#.utf8)),
        ("raw control character", Array("\"a\u{01}b\"".utf8)),
        ("raw newline in string", Array("\"a\nb\"".utf8)),
        ("invalid UTF-8 continuation", [0x22, 0xC3, 0x28, 0x22]),
        ("overlong UTF-8", [0x22, 0xC0, 0xAF, 0x22]),
        ("UTF-8 surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22]),
        ("UTF-8 above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]),
        ("truncated UTF-8", [0x22, 0xE2, 0x82]),
        ("byte order mark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8)),
        ("trailing garbage", Array("{} x".utf8)),
        ("two values", Array("{}{}".utf8)),
        ("deep nesting 1000", Array(String(repeating: "[", count: 1000).utf8)),
        ("deep nesting 33", Array((String(repeating: "[", count: 33) + String(repeating: "]", count: 33)).utf8)),
        ("deep objects", Array(String(repeating: "{\"a\":", count: 1000).utf8)),
        ("unterminated string", Array("\"abc".utf8)),
        ("unterminated object", Array("{\"a\": 1".utf8)),
        ("bad escape", Array(#""\x41""#.utf8)),
        ("short unicode escape", Array(#""\u12""#.utf8)),
        ("non-hex unicode escape", Array(#""\u12g4""#.utf8)),
        ("single quotes", Array("{'a': 1}".utf8)),
        ("unquoted name", Array("{a: 1}".utf8)),
        ("missing colon", Array("{\"a\" 1}".utf8)),
        ("missing comma", Array("[1 2]".utf8)),
        ("bare minus", Array("-".utf8)),
        ("dot without digits", Array("1.".utf8)),
        ("leading dot", Array(".5".utf8)),
        ("exponent without digits", Array("1e+".utf8)),
        ("plus sign", Array("+1".utf8)),
        ("truncated literal", Array("tru".utf8)),
        ("wrong literal", Array("nul1".utf8)),
        ("capitalised literal", Array("True".utf8)),
        ("NaN", Array("NaN".utf8)),
        ("comment", Array("{} // no".utf8)),
        ("NUL byte after value", Array("{}\u{0}".utf8)),
    ]

    @Test(arguments: invalid.map(\.0))
    func invalidText(_ name: String) throws {
        let bytes = Self.invalid.first { $0.0 == name }!.1
        guard case .failure(let error) = Self.parse(bytes) else {
            Issue.record("accepted \(name)")
            return
        }
        #expect(error.offset >= 0 && error.offset <= bytes.count)
        let violation = try #require(NoticeValidator.validate(bytes, as: .red))
        #expect(violation.field == "")
        #expect(violation.reason.hasPrefix("not valid JSON at byte \(error.offset): "))
    }

    @Test func stringLengthsAreDecodedLengths() throws {
        let nodes = try Self.parse(Array(#"["a\u00e9\ud83d\ude00\n", "é"]"#.utf8)).get()
        #expect(nodes[1].count == 1 + 2 + 4 + 1)
        #expect(nodes[1].hasEscapes)
        #expect(nodes[2].count == 2 && !nodes[2].hasEscapes)
    }

    @Test func escapedStringsDecode() {
        let text = Array(#""a\u00e9\ud83d\ude00\n\/\"""#.utf8)
        let decoded = text.withUnsafeBytes { JSONStringDecoder.decode($0, from: 1, to: text.count - 1) }
        #expect(decoded == Array("aé😀\n/\"".utf8))
    }

    @Test func tapeSkipsSubtrees() throws {
        let nodes = try Self.parse(Array(#"{"a": [1, {"b": 2}], "c": null}"#.utf8)).get()
        #expect(nodes.map(\.kind) == [.object, .string, .array, .number, .object, .string, .number, .string, .null])
        #expect(nodes[0].count == 2 && nodes[2].count == 2 && nodes[2].next == 7)
    }
}
