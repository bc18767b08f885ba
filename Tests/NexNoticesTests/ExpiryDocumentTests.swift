import NexNotices
import Testing

/// `expires_at` and `expire` (D61): which kinds carry it, what nexd reads of it, that it must lie
/// ahead of nexd's clock, and that no node sends an `expire`.
@Suite struct ExpiryDocumentTests {
    static let now = WorkflowRuleTests.now
    static let original = "0190c2a4-7b1e-7c3d-9a2b-3c4d5e6f7a8b"

    func context(_ kind: NoticeKind) -> NoticeContext {
        // Colour kinds as requests (requested_by is the sender), a diffusion from its NCB, an update by the GS.
        NoticeContext(sender: kind == .update ? "gs.fr.lyon" : "ncb.zz.example",
                      channel: kind == .diffusion ? .diffusion : kind == .update ? .notice : .request,
                      country: kind == .update ? "ke" : "zz", issuedAtMillis: Self.now, receivedAtMillis: Self.now, clockSkewMillis: 120_000,
                      hitMaxAgeMillis: 86_400_000, directory: WorkflowRuleTests.directory)
    }

    @Test(arguments: [NoticeKind.red, .yellow, .unSpecial, .diffusion])
    func aRecordMayCarryExpiresAtAndNexdReadsIt(_ kind: NoticeKind) throws {
        let document = DocumentEditing.template(kind, setting: "expires_at", to: "\"2026-05-28T21:26:40Z\"")
        #expect(NoticeValidator.validate(document, as: kind) == nil)
        let markings = try NoticeValidator.admit(document, as: kind, in: context(kind)).get()
        #expect(markings.expiresAtMillis == Self.now + 3_600_000)
    }

    @Test func expiresAtMustBeADateTimeAheadOfNexdsClock() {
        let malformed = DocumentEditing.template(.diffusion, setting: "expires_at", to: "\"tomorrow\"")
        #expect(NoticeValidator.validate(malformed, as: .diffusion)?.field == "expires_at")
        let passed = DocumentEditing.template(.diffusion, setting: "expires_at", to: "\"\(WorkflowRuleTests.nowText)\"")
        let violation = NoticeValidator.validate(passed, as: .diffusion, in: context(.diffusion))
        #expect(violation?.field == "expires_at" && violation?.reason.contains("already passed") == true, "\(violation?.description ?? "accepted")")
    }

    @Test func anUpdatesNewDocumentCarriesTheNewExpiry() throws {
        let red = String(decoding: DocumentEditing.template(.red, setting: "expires_at", to: "\"2026-05-28T21:26:40Z\""), as: UTF8.self)
            .replacingOccurrences(of: "ncb.zz.example", with: "ncb.ke.nairobi")
        let update = #"{"kind":"update","original":"\#(Self.original)","reason":"other","reason_text":"x","version":2,"document":\#(red)}"#
        let followUp = try #require(NoticeValidator.followUp(in: Array(update.utf8), as: .update))
        #expect(followUp.expiresAtMillis == Self.now + 3_600_000)
        let markings = try NoticeValidator.admit(Array(update.utf8), as: .update, in: context(.update)).get()
        #expect(markings.expiresAtMillis == Self.now + 3_600_000)
    }

    @Test func onlyNexdSendsAnExpire() throws {
        let expire = #"{"kind":"expire","original":"\#(Self.original)","reason":"expired","expires_at":"\#(WorkflowRuleTests.nowText)"}"#
        #expect(NoticeValidator.validate(Array(expire.utf8), as: .expire) == nil)
        let followUp = try #require(NoticeValidator.followUp(in: Array(expire.utf8), as: .expire))
        #expect(followUp.reason == .expired && followUp.expiresAtMillis == Self.now)
        #expect(NoticeValidator.validate(Array(expire.utf8), as: .expire, in: context(.red))?.field == "kind")
        // A node's cancel may not give nexd's reason.
        let cancel = #"{"kind":"cancel","original":"\#(Self.original)","reason":"expired"}"#
        #expect(NoticeValidator.validate(Array(cancel.utf8), as: .cancel)?.field == "reason")
    }
}

/// A person may carry synthetic biometric templates (D64): base64 of exactly 128 (face) or 64
/// (fingerprint) bytes, canonical.
@Suite struct BiometricFieldTests {
    static let face = String(repeating: "AAAA", count: 42) + "AAA="  // 128 zero bytes: 42 × 3 + 2
    static let finger = String(repeating: "AAAA", count: 21) + "AA=="  // 64 zero bytes: 21 × 3 + 1

    @Test(arguments: [
        (#"{"face": "\#(face)"}"#, nil),
        (#"{"face": "\#(face)", "fingerprint": "\#(finger)"}"#, nil),
        (#"{"fingerprint": "\#(face)"}"#, "subject.biometrics.fingerprint"),
        (#"{"face": "\#(face.dropLast(4))"}"#, "subject.biometrics.face"),
        (#"{"face": "\#(face.replacingOccurrences(of: "AAA=", with: "AAB="))"}"#, "subject.biometrics.face"),
        (#"{"face": "\#(face.replacingOccurrences(of: "AAAA", with: "A*AA"))"}"#, "subject.biometrics.face"),
        (#"{"face": 7}"#, "subject.biometrics.face"),
    ] as [(String, String?)])
    func templatesInARedNotice(_ biometrics: String, _ field: String?) {
        let document = DocumentEditing.template(.red, setting: "subject.biometrics", to: biometrics)
        #expect(NoticeValidator.validate(document, as: .red)?.field == field)
    }
}
