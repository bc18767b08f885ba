import NexNotices
import Testing

/// Follow-up documents (`update`, `cancel`, `withdraw`; D57): their members, the reason rule,
/// an update's nested document checked against its own kind, and what nexd reads of them.
@Suite struct FollowUpDocumentTests {
    static let original = "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b"
    static let red = NoticeTemplate.document(for: .red)

    struct Case: Sendable, CustomTestStringConvertible {
        let kind: NoticeKind
        let document: String
        /// nil: valid; else the field the violation names.
        let field: String?
        var testDescription: String { "\(kind.rawValue) \(field ?? "valid"): \(document.prefix(90))" }
    }

    static let cases: [Case] = [
        Case(kind: .cancel, document: #"{"kind":"cancel","original":"\#(original)","reason":"arrest"}"#, field: nil),
        Case(kind: .withdraw, document: #"{"kind":"withdraw","original":"\#(original)","reason":"request-withdrawn"}"#, field: nil),
        Case(kind: .cancel, document: #"{"kind":"cancel","original":"\#(original)","reason":"other","reason_text":"court order"}"#, field: nil),
        Case(kind: .cancel, document: #"{"kind":"cancel","original":"\#(original)","reason":"other"}"#, field: "reason_text"),
        Case(kind: .cancel, document: #"{"kind":"cancel","original":"\#(original)","reason":"arrested"}"#, field: "reason"),
        Case(kind: .cancel, document: #"{"kind":"cancel","original":"not-an-id","reason":"death"}"#, field: "original"),
        Case(kind: .cancel, document: #"{"kind":"cancel","reason":"death"}"#, field: "original"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2,"document":\#(red)}"#, field: nil),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":1,"document":\#(red)}"#, field: "version"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","document":\#(red)}"#, field: "version"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2}"#, field: "document"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2,"document":"red"}"#, field: "document"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2,"document":{"kind":"hit"}}"#,
             field: "document.kind"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2,"document":{"kind":"cancel"}}"#,
             field: "document.kind"),
        Case(kind: .update, document: #"{"kind":"update","original":"\#(original)","reason":"arrest","version":2,"document":\#(red.replacingOccurrences(of: "\"charges\"", with: "\"charged\""))}"#,
             field: "document.charges"),
    ]

    @Test(arguments: cases)
    func followUpDocuments(_ test: Case) {
        let violation = NoticeValidator.validate(Array(test.document.utf8), as: test.kind)
        #expect(violation?.field == test.field, "\(violation?.description ?? "valid")")
    }

    @Test func anUpdatedDiffusionMustNameTheSenderAsFromNCB() {
        let diffusion = NoticeTemplate.document(for: .diffusion)
        let update = #"{"kind":"update","original":"\#(Self.original)","reason":"other","reason_text":"x","version":3,"document":\#(diffusion)}"#
        #expect(NoticeValidator.validate(Array(update.utf8), as: .update, sentBy: "ncb.zz.example") == nil)
        #expect(NoticeValidator.validate(Array(update.utf8), as: .update, sentBy: "ncb.rw.kigali")?.field == "document.from_ncb")
    }

    @Test func whatNexdReadsOfAFollowUp() throws {
        let update = #"{"kind":"update","original":"\#(Self.original)","reason":"other","reason_text":"new \"photo\"","version":3,"document":\#(Self.red)}"#
        let read = try #require(NoticeValidator.followUp(in: Array(update.utf8), as: .update))
        #expect(read == FollowUp(kind: .update, original: Self.original, reason: .other, reasonText: "new \"photo\"", version: 3, documentKind: .red))
        #expect(read.summary == "UPDATED \(Self.original) to version 3: other (new \"photo\")")
        let cancel = try #require(NoticeValidator.followUp(in: Array(#"{"kind":"cancel","original":"\#(Self.original)","reason":"arrest"}"#.utf8), as: .cancel))
        #expect(cancel.summary == "CANCELLED \(Self.original): arrest")
        #expect(NoticeValidator.followUp(in: Array(Self.red.utf8), as: .red) == nil)
        #expect(NoticeValidator.followUp(in: Array(#"{"kind":"cancel","original":"x","reason":"arrest"}"#.utf8), as: .cancel) == nil)
    }

    @Test(arguments: NoticeKind.allCases)
    func onlyRecordsOfTheirOwnAcceptFollowUps(_ kind: NoticeKind) {
        #expect(kind.acceptsFollowUps == !(kind == .hit || kind == .decision || kind.isFollowUp || kind.isReplyToHit))
        #expect(kind.isFollowUp == [.update, .cancel, .withdraw, .expire].contains(kind))
        #expect(kind.isSentByNexd == (kind == .expire))
    }
}
