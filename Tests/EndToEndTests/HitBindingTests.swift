import Foundation
import NexAudit
import NexBroker
import NexClient
import NexConfig
import NexNotices
import NexServer
import NexSync
import NexWire
import Testing

/// Hits bound to the records they matched, decisions and notices bound to their requests (D60),
/// over real mTLS with the shipped permissions.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct HitBindingTests {
    static func daemon(permissions: PermissionPolicy? = nil) throws -> TestDaemon {
        try WorkflowRuleRefusalTests.daemon(permissions: permissions)
    }

    /// A red notice on notice.red.rw, published and accepted.
    static func publishNotice(on gs: NexConnection, _ credentials: NodeCredentials, payload: String? = nil) throws -> SignedEnvelope {
        let notice = try signedNotice(from: credentials, topic: "notice.red.rw", payload: payload)
        let outcome = try gs.publish(notice)
        guard case .accepted = outcome else { throw InboxTestFailure("notice refused: \(outcome)") }
        return notice
    }

    static func hit(matching notice: MessageID? = nil, documentNumber: String? = nil, observedAt millis: Int64 = WallClock.nowMillis()) -> String {
        let matched = documentNumber.map { #""document_number": "\#($0)""# } ?? #""notice_message_id": "\#(notice ?? .zero)""#
        return """
            {"kind": "hit", "fictional": true, "matched": {\(matched)}, "checkpoint": "bcp.ke.busia",
             "observed_at": "\(Timestamp.format(millis: millis))", "action_taken": "detained"}
            """
    }

    /// Kenya's NCB hears of a detention at Busia on Rwanda's notice; Rwanda's NCB (the owner) and
    /// the General Secretariat get it too; Uganda's NCB does not.
    @Test func aHitOnARealNoticeReachesTheOwnerTheCheckCountryAndTheGS() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, _) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(try kigali.subscribe("hit.rw.*", id: 1) == .accepted)
        let (nairobi, _) = try nexd.connect(as: "ncb.ke.nairobi")
        #expect(try nairobi.subscribe("hit.*.ke", id: 1) == .accepted)
        let (kampala, _) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try kampala.subscribe("hit.ug.*", id: 1) == .accepted)
        #expect(try kampala.subscribe("hit.*.ug", id: 2) == .accepted)
        // An NCB reads only hits on its data or in its country: hit.> is not its to read.
        guard case .refused = try kampala.subscribe("hit.>", id: 3) else { Issue.record("an NCB read every hit"); return }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        #expect(try gs.subscribe("hit.>", id: 1) == .accepted)
        let notice = try Self.publishNotice(on: gs, gsCredentials)

        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        let hit = try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit",
                                   payload: Self.hit(matching: notice.envelope.messageID))
        guard case .accepted = try busia.publish(hit) else { Issue.record("the hit was refused"); return }
        for subscriber in [kigali, nairobi, gs] {
            #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == hit.wireBytes)
        }
        #expect(throws: ClientError.self) { try kampala.nextDelivery(timeout: .milliseconds(300)) }
        let route = try #require(try nexd.awaitRecord { $0.event == "route" && $0.string("msg") == hit.envelope.messageID.description })
        let nodes = Set((route.members["recipients"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? String })
        #expect(nodes == ["ncb.rw.kigali", "ncb.ke.nairobi", "gs.fr.lyon"])
    }

    /// Every refusal names its rule on the wire and in the audit log; the border post keeps being served.
    @Test func hitsThatDoNotMatchAnActiveRecordOfTheirOwnerAreRefused() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try Self.publishNotice(on: gs, gsCredentials)
        let cancelled = try Self.publishNotice(on: gs, gsCredentials)
        let cancel = try signedNotice(from: gsCredentials, topic: "notice.red.rw", kind: "cancel", payload: """
            {"kind": "cancel", "original": "\(cancelled.envelope.messageID)", "reason": "arrest"}
            """)
        guard case .accepted = try gs.publish(cancel) else { Issue.record("the cancellation was refused"); return }
        // A notice kept from Kenya: a Kenyan post cannot have matched it, and is not told it exists.
        var withheld = try signedNotice(from: gsCredentials, topic: "notice.red.rw").envelope
        withheld.deniedCountries = ["ke"]
        let signedWithheld = try NoticeSigner.sign(withheld, with: gsCredentials.key)
        guard case .accepted = try gs.publish(signedWithheld) else { Issue.record("the withheld notice was refused"); return }
        let (busia, credentials) = try nexd.connect(as: "bcp.ke.busia")
        let id = notice.envelope.messageID
        func refused(_ topic: String, _ payload: String, code: WireErrorCode = .invalidNotice, reason: String,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
            try WorkflowRuleRefusalTests.expectRefused(try signedNotice(from: credentials, topic: topic, kind: "hit", payload: payload),
                                                       on: busia, by: nexd, code: code, reason: reason, sourceLocation: sourceLocation)
        }
        try refused("hit.rw.ke", Self.hit(matching: .random()), reason: "names no notice or diffusion nexd accepted")
        try refused("hit.rw.ke", Self.hit(matching: signedWithheld.envelope.messageID), reason: "names no notice or diffusion nexd accepted for bcp.ke.busia")
        try refused("hit.rw.ke", Self.hit(matching: cancelled.envelope.messageID), reason: "was cancelled")
        try refused("hit.tz.ke", Self.hit(matching: id), reason: "belongs to rw (it was published on notice.red.rw)")
        try refused("hit.rw.ke", Self.hit(matching: id, observedAt: WallClock.nowMillis() - 3_600_000), reason: "is earlier than the acceptance of \(id)")
        try refused("hit.rw.ke", Self.hit(documentNumber: "PA1234567"), reason: "matched.document_number PA1234567 matches no lost or stolen document record of rw")
        // The shipped permissions keep a border post to its own country; nexd's own rule names it.
        try refused("hit.rw.ug", Self.hit(matching: id), code: .permissionDenied, reason: "bcp.ke.busia (bcp)")
        guard case .accepted = try busia.publish(try signedNotice(from: credentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(matching: id))) else {
            Issue.record("the right hit was refused after the wrong ones"); return
        }
    }

    /// With a permissive config, the check-country rule is nexd's, not only the permissions'.
    @Test func theCheckCountryIsTheBorderPostsWhateverThePermissions() throws {
        let nexd = try Self.daemon(permissions: TestDaemon.unrestricted)
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try Self.publishNotice(on: gs, gsCredentials)
        let (busia, credentials) = try nexd.connect(as: "bcp.ke.busia")
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: credentials, topic: "hit.rw.ug", kind: "hit", payload: Self.hit(matching: notice.envelope.messageID)),
            on: busia, by: nexd, code: .invalidNotice, reason: "the border post's own (ke), not ug; publish on hit.rw.ke")
        // The old two-token topic is refused naming the new shape.
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: credentials, topic: "hit.rw", kind: "hit", payload: Self.hit(matching: notice.envelope.messageID)),
            on: busia, by: nexd, code: .invalidNotice, reason: "a hit travels on hit.<owner-country>.<check-country>")
    }

    /// request → notice (naming it) → decision (naming both); a second decision, a decision on a
    /// bogus request and a notice naming a bogus request are refused.
    @Test func decisionsAndNoticesAreBoundToTheirRequests() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let request = try signedNotice(from: kigaliCredentials, topic: "request.red.rw")
        guard case .accepted = try kigali.publish(request) else { Issue.record("request refused"); return }
        func red(answering request: MessageID) -> String {
            WorkflowRuleRefusalTests.red(requestedBy: "ncb.rw.kigali")
                .replacingOccurrences(of: "\"fictional\": true,", with: "\"fictional\": true, \"request\": \"\(request)\",")
        }
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: red(answering: .random())),
            on: gs, by: nexd, code: .invalidNotice, reason: "names no request nexd accepted")
        // The member's name spelt with an escape is the same member: still checked.
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: gsCredentials, topic: "notice.red.rw",
                             payload: red(answering: .random()).replacingOccurrences(of: "\"request\":", with: "\"re\\u0071uest\":")),
            on: gs, by: nexd, code: .invalidNotice, reason: "names no request nexd accepted")
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: gsCredentials, topic: "notice.yellow.rw", kind: "yellow",
                             payload: NoticeTemplate.document(for: .yellow).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"ncb.rw.kigali\"")
                                .replacingOccurrences(of: "\"fictional\": true,", with: "\"fictional\": true, \"request\": \"\(request.envelope.messageID)\",")),
            on: gs, by: nexd, code: .invalidNotice, reason: "this notice answers a request on request.yellow.rw")
        let notice = try Self.publishNotice(on: gs, gsCredentials, payload: red(answering: request.envelope.messageID))
        func decision(request: MessageID, notice: MessageID) -> String {
            """
            {"kind":"decision","fictional":true,"request":"\(request)","outcome":"accepted",\
            "notice_message_id":"\(notice)","requested_by":"ncb.rw.kigali"}
            """
        }
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision", payload: decision(request: .random(), notice: notice.envelope.messageID)),
            on: gs, by: nexd, code: .invalidNotice, reason: "names no request nexd accepted")
        try WorkflowRuleRefusalTests.expectRefused(
            try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision", payload: decision(request: request.envelope.messageID, notice: .random())),
            on: gs, by: nexd, code: .invalidNotice, reason: "names no notice nexd accepted")
        let accepted = try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision",
                                        payload: decision(request: request.envelope.messageID, notice: notice.envelope.messageID))
        guard case .accepted = try gs.publish(accepted) else { Issue.record("the decision was refused"); return }
        let second = try signedNotice(from: gsCredentials, topic: "decision.rw", kind: "decision",
                                      payload: decision(request: request.envelope.messageID, notice: notice.envelope.messageID))
        try WorkflowRuleRefusalTests.expectRefused(second, on: gs, by: nexd, code: .invalidNotice,
                                                   reason: "was already decided by \(accepted.envelope.messageID); one decision per request")
        // The registry is rebuilt from the log: the request is still decided after a restart.
        gs.close()
        kigali.close()
        try nexd.restart()
        let (again, againCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let third = try signedNotice(from: againCredentials, topic: "decision.rw", kind: "decision",
                                     payload: decision(request: request.envelope.messageID, notice: notice.envelope.messageID))
        try WorkflowRuleRefusalTests.expectRefused(third, on: again, by: nexd, code: .invalidNotice, reason: "was already decided")
    }
}
