import Foundation
import NexAudit
import NexClient
import NexNotices
import NexSync
import NexWire
import Testing

/// Answers to a border post's hit (D63) over real mTLS with the shipped permissions: the data
/// owner's NCB acknowledges it and asks for an action, addressed to the post that reported it on
/// `reply.<check-country>`; no other post reads them, and every binding rule is a refusal.
extension HitBindingTests {
    static func ack(_ hit: MessageID, by node: String = "ncb.rw.kigali") -> String {
        #"{"kind": "hit-ack", "fictional": true, "hit": "\#(hit)", "assessment": "confirmed", "acknowledged_by": "\#(node)"}"#
    }

    static func actionRequest(_ hit: MessageID, by node: String) -> String {
        #"{"kind": "action-request", "fictional": true, "priority": "urgent", "hit": "\#(hit)", "action": "detain", "requested_by": "\#(node)"}"#
    }

    /// `payload` of `kind` on `topic` from `credentials`, addressed to `nodes`.
    static func reply(_ kind: String, _ payload: String, from credentials: NodeCredentials, topic: String = "reply.ke",
                      to nodes: [String] = ["bcp.ke.busia"]) throws -> SignedEnvelope {
        var envelope = try signedNotice(from: credentials, topic: topic, kind: kind, payload: payload).envelope
        envelope.allowedNodes = nodes
        return try NoticeSigner.sign(envelope, with: credentials.key)
    }

    @Test func theOwnersNCBAnswersTheBorderPostThatReportedTheHit() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        #expect(try busia.subscribe("reply.ke", id: 1) == .accepted)
        let (malaba, _) = try nexd.connect(as: "bcp.ke.malaba")
        #expect(try malaba.subscribe("reply.ke", id: 1) == .accepted)
        // A post reads only its own country's answers.
        guard case .refused = try malaba.subscribe("reply.rw", id: 2) else { Issue.record("a post read another country's answers"); return }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try Self.publishNotice(on: gs, gsCredentials)
        let hit = try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(matching: notice.envelope.messageID))
        guard case .accepted = try busia.publish(hit) else { Issue.record("the hit was refused"); return }
        let hitID = hit.envelope.messageID

        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        let ack = try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials)
        guard case .accepted = try kigali.publish(ack) else { Issue.record("the acknowledgement was refused"); return }
        let action = try Self.reply("action-request", Self.actionRequest(hitID, by: "ncb.rw.kigali"), from: kigaliCredentials)
        guard case .accepted = try kigali.publish(action) else { Issue.record("the action request was refused"); return }
        #expect(try busia.nextDelivery(timeout: .seconds(5)).envelope == ack.wireBytes)
        #expect(try busia.nextDelivery(timeout: .seconds(5)).envelope == action.wireBytes)
        // Malaba, subscribed to reply.ke, is not the post addressed.
        #expect(throws: ClientError.self) { _ = try malaba.nextDelivery(timeout: .milliseconds(300)) }

        // Kenya's NCB (the check country) may ask for an action, not acknowledge Rwanda's data.
        let (nairobi, nairobiCredentials) = try nexd.connect(as: "ncb.ke.nairobi")
        guard case .accepted = try nairobi.publish(try Self.reply("action-request", Self.actionRequest(hitID, by: "ncb.ke.nairobi"),
                                                                  from: nairobiCredentials)) else {
            Issue.record("the check country's NCB could not request an action")
            return
        }
        let cases: [(String, SignedEnvelope, NexConnection, String)] = [
            ("the check country acknowledges", try Self.reply("hit-ack", Self.ack(hitID, by: "ncb.ke.nairobi"), from: nairobiCredentials), nairobi,
             "the data owner's NCB (of rw) acknowledges"),
            ("an unknown hit", try Self.reply("hit-ack", Self.ack(.random()), from: kigaliCredentials), kigali, "names no hit nexd accepted"),
            ("another post addressed", try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials, to: ["bcp.ke.malaba"]), kigali,
             "address the border post that reported the hit, bcp.ke.busia"),
            ("the owner's topic", try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials, topic: "reply.rw", to: ["bcp.ke.busia"]), kigali,
             "reply.ke, not reply.rw"),
            ("no post addressed", try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials, to: []), kigali, "name that post"),
        ]
        for (name, envelope, connection, expected) in cases {
            guard case .refused(let nack) = try connection.publish(envelope) else { Issue.record("\(name): accepted"); continue }
            #expect(nack.reason.contains(expected), "\(name): \(nack.reason)")
        }
        // Uganda's NCB, neither owner nor check country, learns nothing of the hit.
        let (kampala, kampalaCredentials) = try nexd.connect(as: "ncb.ug.kampala")
        guard case .refused(let probe) = try kampala.publish(try Self.reply("action-request", Self.actionRequest(hitID, by: "ncb.ug.kampala"),
                                                                            from: kampalaCredentials)) else {
            Issue.record("a third country answered the hit")
            return
        }
        #expect(probe.reason.contains("names no hit nexd accepted"), "\(probe.reason)")
        for connection in [busia, malaba, gs, kigali, nairobi, kampala] { connection.close() }
    }
}

extension HitBindingTests {
    /// A cancelled notice asks for no action at the border (D60): no action request may follow a
    /// hit on it, though its owner may still acknowledge what was found; the hit index (and the
    /// record the hit matched) survives a restart; a deny list cannot withhold a reply from its post.
    @Test func noActionIsRequestedOnACancelledRecord() throws {
        let nexd = try Self.daemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try Self.publishNotice(on: gs, gsCredentials)
        let (busia, busiaCredentials) = try nexd.connect(as: "bcp.ke.busia")
        let hit = try signedNotice(from: busiaCredentials, topic: "hit.rw.ke", kind: "hit", payload: Self.hit(matching: notice.envelope.messageID))
        guard case .accepted = try busia.publish(hit) else { Issue.record("the hit was refused"); return }
        let cancel = #"{"kind":"cancel","original":"\#(notice.envelope.messageID)","reason":"arrest"}"#
        guard case .accepted = try gs.publish(try signedNotice(from: gsCredentials, topic: "notice.red.rw", kind: "cancel", payload: cancel)) else {
            Issue.record("the cancellation was refused")
            return
        }
        for connection in [gs, busia] { connection.close() }
        try nexd.restart()
        let (kigali, kigaliCredentials) = try nexd.connect(as: "ncb.rw.kigali")
        let hitID = hit.envelope.messageID
        guard case .refused(let late) = try kigali.publish(try Self.reply("action-request", Self.actionRequest(hitID, by: "ncb.rw.kigali"),
                                                                          from: kigaliCredentials)) else {
            Issue.record("an action was requested on a cancelled notice")
            return
        }
        #expect(late.reason.contains("was cancelled; it asks for no action at the border"), "\(late.reason)")
        guard case .accepted = try kigali.publish(try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials)) else {
            Issue.record("the owner could not acknowledge the hit after the restart")
            return
        }
        var denied = try Self.reply("hit-ack", Self.ack(hitID), from: kigaliCredentials).envelope
        denied.deniedNodes = ["bcp.ke.busia"]
        guard case .refused(let deny) = try kigali.publish(try NoticeSigner.sign(denied, with: kigaliCredentials.key)) else {
            Issue.record("a reply that reaches no one was accepted")
            return
        }
        #expect(deny.reason.contains("denies no one"), "\(deny.reason)")
        kigali.close()
    }
}
