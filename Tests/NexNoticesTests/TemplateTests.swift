import Foundation
import NexNotices
import Testing

@Suite struct TemplateTests {
    @Test(arguments: NoticeKind.allCases)
    func templateValidates(_ kind: NoticeKind) throws {
        let template = NoticeTemplate.document(for: kind)
        #expect(NoticeValidator.validate(Array(template.utf8), as: kind) == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(template.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == kind.rawValue)
        #expect(object["fictional"] as? Bool == true)
        #expect(template.hasPrefix("{\n  \"kind\""))
        #expect(template.hasSuffix("}\n"))
    }

    /// Pretty-printed: two-space indentation throughout, no tab, no trailing space.
    @Test(arguments: NoticeKind.allCases)
    func templateIsPrettyPrinted(_ kind: NoticeKind) {
        for line in NoticeTemplate.document(for: kind).split(separator: "\n") {
            let indent = line.prefix { $0 == " " }.count
            #expect(indent % 2 == 0, "odd indentation: \(line)")
            #expect(!line.hasSuffix(" ") && !line.contains("\t"))
        }
    }

    @Test(arguments: NoticeKind.allCases)
    func templateIsNotValidForAnotherKind(_ kind: NoticeKind) {
        let other = kind == .red ? NoticeKind.blue : .red
        #expect(NoticeValidator.validate(Array(NoticeTemplate.document(for: kind).utf8), as: other)?.field == "kind")
    }
}
