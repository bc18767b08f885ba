import NexBroker
import NexWire
import Testing

@Suite struct TopicValidationTests {
    @Test(arguments: [
        "a", "notice.red.fr", "request.un-special.rw", "alert.cbrne.east_africa", "x.y.z.0.1.2",
        String(repeating: "a", count: 64),
        Array(repeating: "t", count: 16).joined(separator: "."),
        Array(repeating: String(repeating: "b", count: 63), count: 4).joined(separator: "."),  // 255 bytes
    ])
    func validTopics(_ text: String) throws {
        let topic = try Topic(validating: text)
        #expect(topic.description == text)
        #expect(topic.tokens.joined(separator: ".") == text)
        _ = try TopicFilter(validating: text)
    }

    @Test(arguments: [
        ("", "publish topic is empty"),
        ("Notice.red", "publish topic \"Notice.red\" has token \"Notice\" with a character outside [a-z0-9_-]; use lowercase letters, digits, '_' or '-'"),
        ("a..b", "publish topic \"a..b\" has an empty token at position 2; remove the extra \".\""),
        (".a", "publish topic \".a\" has an empty token at position 1; remove the extra \".\""),
        ("a.", "publish topic \"a.\" has an empty token at position 2; remove the extra \".\""),
        ("a.*", "publish topic \"a.*\" contains wildcard \"*\"; wildcards are allowed in subscriptions only"),
        ("a.>", "publish topic \"a.>\" contains wildcard \">\"; wildcards are allowed in subscriptions only"),
        ("a.*x", "publish topic \"a.*x\" has token \"*x\" mixing a wildcard with other characters; a wildcard must be a whole token"),
        ("a b", "publish topic \"a b\" has token \"a b\" with a character outside [a-z0-9_-]; use lowercase letters, digits, '_' or '-'"),
        ("caf\u{E9}", "publish topic \"caf\u{E9}\" has token \"caf\u{E9}\" with a character outside [a-z0-9_-]; use lowercase letters, digits, '_' or '-'"),
        (String(repeating: "a", count: 65), "publish topic \"\(String(repeating: "a", count: 65))\" has a token of 65 bytes; the limit is 64"),
        (Array(repeating: "t", count: 17).joined(separator: "."), "publish topic \"\(Array(repeating: "t", count: 17).joined(separator: "."))\" has 17 tokens; the limit is 16"),
    ])
    func invalidTopics(_ text: String, _ reason: String) {
        let error = #expect(throws: TopicError.self) { try Topic(validating: text) }
        #expect(error?.reason == reason)
        #expect(error?.code == .invalidTopic)
    }

    @Test func tooLongTopic() {
        let text = Array(repeating: String(repeating: "b", count: 63), count: 4).joined(separator: ".") + "b"
        let error = #expect(throws: TopicError.self) { try Topic(validating: text) }
        #expect(error?.reason.hasSuffix("is 256 bytes; the limit is 255") == true)
    }

    @Test(arguments: ["*", ">", "a.*", "a.>", "*.b.>", "*.*.*", "notice.*.fr"])
    func validFilters(_ text: String) throws {
        #expect(try TopicFilter(validating: text).description == text)
    }

    @Test(arguments: [
        ("a.>.b", "filter \"a.>.b\" has \">\" before its last token; \">\" may only end a filter"),
        (">.>", "filter \">.>\" has \">\" before its last token; \">\" may only end a filter"),
        ("a.*x", "filter \"a.*x\" has token \"*x\" mixing a wildcard with other characters; a wildcard must be a whole token"),
        ("a.b>", "filter \"a.b>\" has token \"b>\" mixing a wildcard with other characters; a wildcard must be a whole token"),
        ("a..*", "filter \"a..*\" has an empty token at position 2; remove the extra \".\""),
        ("A.*", "filter \"A.*\" has token \"A\" with a character outside [a-z0-9_-]; use lowercase letters, digits, '_' or '-'"),
        ("", "filter is empty"),
    ])
    func invalidFilters(_ text: String, _ reason: String) {
        let error = #expect(throws: TopicError.self) { try TopicFilter(validating: text) }
        #expect(error?.reason == reason)
        #expect(error?.code == .invalidFilter)
    }
}
