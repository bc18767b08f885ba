import Foundation
import NexBroker
import NexCrypto
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// Admission: every refusal with its code, and the order of the checks (the first failing one is
/// the answer).
@Suite struct PublishAdmissionTests {
    static let node = "ncb.fr.paris"
    static let now: Int64 = 1_780_000_000_000
    /// The roster the restriction entries and named NCBs are checked against.
    static let directory = NodeDirectory([node: .init(role: .ncb, country: "fr"), "ncb.ke.nairobi": .init(role: .ncb, country: "ke")])

    /// A publish before admission, and the permissions it is judged by.
    struct Draft {
        var envelope = Envelope(
            messageID: MessageID(high: 7, low: 7), sender: PublishAdmissionTests.node, topic: "notice.red.fr", kind: "red",
            issuedAtMillis: PublishAdmissionTests.now,
            payload: Array(NoticeTemplate.document(for: .red)
                .replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"\(PublishAdmissionTests.node)\"").utf8))
        var permissions = NodePermissions.unrestricted

        var bytes: [UInt8] { SignedEnvelope(envelope: envelope, signature: [UInt8](repeating: 1, count: 64)).wireBytes }

        func admit() -> Result<UnverifiedPublish, PublishRefusal> {
            PublishAdmission(node: PublishAdmissionTests.node, role: .ncb, keyAlgorithm: .ecdsaP256SHA256,
                             permissions: permissions, replayWindowMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                             directory: PublishAdmissionTests.directory)
                .admit(bytes, nowMillis: PublishAdmissionTests.now)
        }
    }

    /// One check each, in the order admission runs them: how to fail it, the code, a piece of the reason.
    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let code: WireErrorCode
        let reason: String
        let fail: @Sendable (inout Draft) -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "zero id", code: .malformedEnvelope, reason: "is reserved") { $0.envelope.messageID = .zero },
        Check(name: "sender", code: .senderMismatch, reason: "is not this connection's identity") { $0.envelope.sender = "ncb.de.berlin" },
        Check(name: "topic syntax", code: .invalidTopic, reason: "") { $0.envelope.topic = "notice..red" },
        Check(name: "publish permission", code: .permissionDenied, reason: "ncb.fr.paris (ncb): no publish rule allows") {
            $0.permissions = .denyAll
        },
        Check(name: "review rule", code: .permissionDenied, reason: "only the General Secretariat publishes alert.>") {
            $0.envelope.topic = "alert.cbrne.eastafrica"
        },
        Check(name: "kind", code: .unknownKind, reason: "notice kind \"mauve\" is unknown") { $0.envelope.kind = "mauve" },
        Check(name: "topic conventions", code: .invalidNotice, reason: "is not in a topic family") { $0.envelope.topic = "gossip.fr" },
        Check(name: "restriction entries", code: .invalidNotice, reason: "denied countries: \"TZ\"") { $0.envelope.deniedCountries = ["TZ"] },
        Check(name: "restriction entries on the roster", code: .invalidNotice, reason: "allowed countries: \"zz\" has no node on the roster") {
            $0.envelope.allowedCountries = ["zz"]
        },
        Check(name: "notice schema", code: .invalidNotice, reason: "") { $0.envelope.payload = Array("{}".utf8) },
        Check(name: "workflow rules", code: .invalidNotice, reason: "field \"requested_by\"") {
            $0.envelope.payload = Array(NoticeTemplate.document(for: .red).utf8)
        },
        Check(name: "algorithm", code: .unsupportedAlgorithm, reason: "does not match the certificate's ecdsa-p256-sha256 key") {
            $0.envelope.signatureAlgorithm = SignatureAlgorithm.ed25519.rawValue
        },
        Check(name: "replay window", code: .outsideReplayWindow, reason: "is more than 120 s from nexd's clock") {
            $0.envelope.issuedAtMillis = PublishAdmissionTests.now - 121_000
        },
    ]

    @Test func aValidPublishIsAdmittedUnverified() throws {
        let draft = Draft()
        let admitted = try draft.admit().get()
        #expect(admitted.topic.description == "notice.red.fr")
        #expect(admitted.kind == .red)
        #expect(admitted.wireBytes == draft.bytes)
        #expect(admitted.receivedAtMillis == Self.now)
    }

    @Test func unparseableBytesAreRefusedWithoutAnEnvelope() {
        let result = PublishAdmission(node: Self.node, role: .ncb, keyAlgorithm: .ecdsaP256SHA256, permissions: .unrestricted,
                                      replayWindowMillis: 120_000, hitMaxAgeMillis: 86_400_000, directory: Self.directory)
            .admit([1, 2, 3], nowMillis: Self.now)
        guard case .failure(let refusal) = result else { Issue.record("admitted garbage"); return }
        #expect(refusal.envelope == nil)
        #expect(refusal.messageID == .zero)
        #expect(refusal.error.reason.hasPrefix("envelope cannot be parsed: "))
    }

    /// Each check alone refuses with its code and reason, and names the envelope.
    @Test(arguments: checks) func eachCheckRefusesOnItsOwn(_ check: Check) {
        var draft = Draft()
        check.fail(&draft)
        guard case .failure(let refusal) = draft.admit() else { Issue.record("\(check.name) admitted"); return }
        #expect(refusal.error.code == check.code)
        #expect(check.reason.isEmpty || refusal.error.reason.contains(check.reason), "\(refusal.error.reason)")
        #expect(refusal.envelope != nil)
        #expect(refusal.topic == nil)
    }

    /// A publish failing this check and every later one is refused by this check: the order holds.
    @Test(arguments: checks.indices) func theFirstFailingCheckAnswers(_ index: Int) {
        var draft = Draft()
        // Later checks first, so that where two checks change one field the earlier one's change stays.
        for check in Self.checks[index...].reversed() { check.fail(&draft) }
        guard case .failure(let refusal) = draft.admit() else { Issue.record("admitted"); return }
        let expected = Self.checks[index]
        #expect(refusal.error.code == expected.code, "\(expected.name): \(refusal.error.reason)")
        #expect(expected.reason.isEmpty || refusal.error.reason.contains(expected.reason), "\(refusal.error.reason)")
    }

    @Test func theReplayWindowIsInclusiveAndOverflowSafe() {
        var draft = Draft()
        draft.envelope.issuedAtMillis = Self.now + 120_000
        #expect((try? draft.admit().get()) != nil)
        draft.envelope.issuedAtMillis = .min
        guard case .failure(let refusal) = draft.admit() else { Issue.record("admitted"); return }
        #expect(refusal.error.code == .outsideReplayWindow)
    }
}
