import NexNotices
import Testing

/// What hits, decisions and colour notices say about other records (D60), read from valid documents.
@Suite struct DocumentReferencesTests {
    static let notice = "0190f1d2-7c3a-7000-8000-00000000a002"
    static let request = "0190f1d2-7c3a-7000-8000-00000000a001"

    @Test func aHitNamesTheNoticeItMatchedAndWhen() throws {
        let document = NoticeTemplate.document(for: .hit)
            .replacingOccurrences(of: "00000000-0000-0000-0000-000000000000", with: Self.notice)
            .replacingOccurrences(of: "bcp.zz.example", with: "bcp.ke.busia")
        let references = try #require(NoticeValidator.references(in: Array(document.utf8), as: .hit))
        #expect(references.noticeMessageID == Self.notice && references.documentNumber == nil)
        #expect(references.observedAtMillis == 1_767_225_600_000)   // 2026-01-01T00:00:00Z
        #expect(references.actionTaken == "information-only")
    }

    @Test func aHitMayNameADocumentNumber() throws {
        let document = #"{"kind":"hit","matched":{"document_number":"PA1234567"},"checkpoint":"bcp.ke.busia","observed_at":"2026-01-01T00:00:00Z","action_taken":"detained"}"#
        let references = try #require(NoticeValidator.references(in: Array(document.utf8), as: .hit))
        #expect(references.documentNumber == "PA1234567" && references.noticeMessageID == nil)
    }

    @Test func aDecisionNamesItsRequestAndNotice() throws {
        let document = #"{"kind":"decision","request":"\#(Self.request)","outcome":"accepted","notice_message_id":"\#(Self.notice)","requested_by":"ncb.rw.kigali"}"#
        let references = try #require(NoticeValidator.references(in: Array(document.utf8), as: .decision))
        #expect(references == DocumentReferences(noticeMessageID: Self.notice, request: Self.request, requestedBy: "ncb.rw.kigali", outcome: "accepted"))
    }

    @Test func aColourNoticeNamesItsRequestOrNothing() throws {
        let red = NoticeTemplate.document(for: .red)
        let plain = try #require(NoticeValidator.references(in: Array(red.utf8), as: .red))
        #expect(plain.request == nil)
        let answering = red.replacingOccurrences(of: "\"kind\": \"red\",", with: "\"kind\": \"red\", \"request\": \"\(Self.request)\",")
        #expect(answering != red)
        #expect(try #require(NoticeValidator.references(in: Array(answering.utf8), as: .red)).request == Self.request)
    }

    @Test func anInvalidDocumentHasNoReferences() {
        #expect(NoticeValidator.references(in: Array(#"{"kind":"hit"}"#.utf8), as: .hit) == nil)
    }
}
