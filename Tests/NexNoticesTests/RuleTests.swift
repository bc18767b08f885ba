import NexNotices
import Testing

/// Rules that span fields or the whole document: kind, hit.matched, black ages, duplicates.
@Suite struct RuleTests {
    func validate(_ text: String, as kind: NoticeKind) -> NoticeViolation? {
        NoticeValidator.validate(Array(text.utf8), as: kind)
    }

    @Test func kindMismatchNamesKind() throws {
        let violation = try #require(validate(NoticeTemplate.document(for: .blue), as: .red))
        #expect(violation.field == "kind")
        #expect(violation.description == #"field "kind": expected "red" (the envelope's kind), got "blue""#)
    }

    @Test(arguments: ["1", "null", "\"Red\"", "\"red \"", "[\"red\"]"])
    func kindMustBeTheExactString(_ json: String) {
        let document = DocumentEditing.template(.red, setting: "kind", to: json)
        #expect(NoticeValidator.validate(document, as: .red)?.field == "kind")
    }

    @Test func escapedNamesAndValuesMatch() {
        let template = NoticeTemplate.document(for: .red)
            .replacingOccurrences(of: "\"kind\": \"red\"", with: #""ki\u006ed": "r\u0065d""#)
            .replacingOccurrences(of: "\"sex\": \"U\"", with: #""\u0073ex": "\u0055""#)
        #expect(template.contains(#"\u0055"#))
        #expect(validate(template, as: .red) == nil)
    }

    @Test func duplicateMemberIsRefused() throws {
        let template = NoticeTemplate.document(for: .red)
            .replacingOccurrences(of: "\"fictional\": true,", with: "\"fictional\": true, \"kind\": \"red\",")
        #expect(try #require(validate(template, as: .red)).field == "kind")
        let twice = NoticeTemplate.document(for: .red)
            .replacingOccurrences(of: "\"sex\": \"U\",", with: "\"sex\": \"U\", \"sex\": \"F\",")
        #expect(try #require(validate(twice, as: .red)).field == "subject.sex")
    }

    @Test(arguments: [
        ("{\"notice_message_id\": \"0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b\", \"document_number\": \"FICT-123\"}", "got both"),
        ("{}", "got neither"),
        ("{\"other\": 1}", "got neither"),
    ])
    func hitMatchedNeedsExactlyOne(_ matched: String, _ ending: String) throws {
        let document = DocumentEditing.template(.hit, setting: "matched", to: matched)
        let violation = try #require(NoticeValidator.validate(document, as: .hit))
        #expect(violation.field == "matched")
        #expect(violation.reason.hasSuffix(ending))
    }

    @Test func hitMatchedByDocumentNumber() {
        let document = DocumentEditing.template(.hit, setting: "matched", to: "{\"document_number\": \"PA-FICT-0001\"}")
        #expect(NoticeValidator.validate(document, as: .hit) == nil)
    }

    @Test func blackAgeMaximumBelowMinimum() throws {
        let document = DocumentEditing.template(.black, setting: "body.estimated_age_max", to: "29")
        let violation = try #require(NoticeValidator.validate(document, as: .black))
        #expect(violation.field == "body.estimated_age_max")
        #expect(violation.reason == "expected at least estimated_age_min (30), got 29")
        let equal = DocumentEditing.template(.black, setting: "body.estimated_age_max", to: "30")
        #expect(NoticeValidator.validate(equal, as: .black) == nil)
    }

    @Test(arguments: ["[]", "\"red\"", "42", "null", "[{\"kind\": \"red\"}]"])
    func topLevelMustBeAnObject(_ json: String) throws {
        let violation = try #require(validate(json, as: .red))
        #expect(violation.field == "")
        #expect(violation.reason.hasPrefix("expected a JSON object at the top level"))
        #expect(violation.description.hasPrefix("document: "))
    }

    @Test func descriptionQuotesAndEscapesTheValue() throws {
        let document = DocumentEditing.template(.red, setting: "subject.date_of_birth", to: "\"17/03/1984\"")
        let violation = try #require(NoticeValidator.validate(document, as: .red))
        #expect(violation.description == #"field "subject.date_of_birth": expected a date YYYY-MM-DD, got "17/03/1984""#)
        let hostile = DocumentEditing.template(.red, setting: "subject.sex", to: "\"\\u001b[31m\\n\\u202e\\\"\"")
        let reason = try #require(NoticeValidator.validate(hostile, as: .red)).reason
        #expect(reason.hasSuffix(#"got "\u{1b}[31m\u{a}\u{202e}\"""#))
        #expect(!reason.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E })
    }

    @Test func longValuesAreSummarised() throws {
        let long = String(repeating: "x", count: 5000)
        let document = DocumentEditing.template(.red, setting: "subject.family_name", to: "\"\(long)\"")
        let violation = try #require(NoticeValidator.validate(document, as: .red))
        #expect(violation.reason.hasSuffix("got a string of 5000 bytes"))
    }
}

@Suite struct TextFieldTests {
    @Test(arguments: [" ", "   ", "\t\n", "line\u{0}zero", "bell\u{7}", "rtl\u{202E}override", "isolate\u{2066}x", "c1\u{85}x"])
    func unreadableTextIsRefused(value: String) throws {
        var document = NoticeTemplate.document(for: .green)
        let range = try #require(document.range(of: "\"warning\": \""))
        let end = try #require(document[range.upperBound...].firstIndex(of: "\""))
        let escaped = value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x85 ? String(format: "\\u%04x", $0.value) : String($0) }.joined()
        document.replaceSubrange(range.upperBound..<end, with: escaped)
        let violation = NoticeValidator.validate(Array(document.utf8), as: .green)
        #expect(violation?.field == "warning", "\(value.debugDescription) accepted")
    }

    @Test func ordinaryTextWithTabsAndNewlinesIsAccepted() throws {
        var document = NoticeTemplate.document(for: .green)
        let range = try #require(document.range(of: "\"warning\": \""))
        document.insert(contentsOf: "Line one\\nline two\\tindented, é ü 漢字 ", at: range.upperBound)
        #expect(NoticeValidator.validate(Array(document.utf8), as: .green) == nil)
    }
}
