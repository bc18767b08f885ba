import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexNotices
import NexSync
import NexWire
import Testing

/// Expiry over real mutual TLS (D61): when a record's `expires_at` passes, nexd sends its holders
/// an `expire` signed with the audit key — verifiable end to end like any delivery — records it,
/// and refuses what would follow the record.
extension LifecycleTests {
    /// The red notice document with `expires_at` `millis`.
    static func redDocument(expiringAt millis: Int64) -> String {
        "{\"expires_at\":\"\(Timestamp.format(millis: millis))\"," + redDocument.drop { $0 != "{" }.dropFirst()
    }

    @Test func aPassedExpiryReachesTheHolderAsAnExpireSignedWithTheAuditKey() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let credentials = try nexd.credentials("bcp.rw.rusumo")
        let rusumo = try connect(nexd, "bcp.rw.rusumo", capabilities: [Capability.lifecycle])
        guard case .accepted = try rusumo.subscribe("notice.>", id: 1) else { Issue.record("subscribe refused"); return }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw",
                                        payload: Self.redDocument(expiringAt: WallClock.nowMillis() + 1500))
        try publishAccepted(original, on: gs)
        let id = original.envelope.messageID
        #expect(try receive(1, on: rusumo).map(\.id) == [id])

        let delivery = try rusumo.nextDelivery(timeout: .seconds(5))
        try rusumo.sendReceipt(through: delivery.deliverySequence)
        let certificate = try rusumo.fetchCertificate(fingerprint: delivery.certificateFingerprint)
        guard case .verified(let expire) = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: credentials.trustRoots) else {
            Issue.record("the expire did not verify end to end")
            return
        }
        #expect(expire.envelope.kind == "expire")
        #expect(expire.envelope.sender == "nexd-audit" && delivery.originNode == "nexd-audit")
        #expect(expire.envelope.topic == "notice.red.rw")
        let told = try #require(NoticeValidator.followUp(in: expire.envelope.payload, as: .expire))
        #expect(told.original == id.description && told.reason == .expired)
        #expect(told.summary.hasPrefix("EXPIRED \(id)"))

        // Recorded like any accepted publish, with the audit certificate as originator; the notice's
        // acceptance keeps its expires_at (format 5).
        let accepted = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("kind") == "expire" })
        #expect(accepted.string("node") == "nexd-audit" && accepted.members["conn"] == nil)
        let notice = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("msg") == id.description })
        #expect(notice.string("expiresAt") != nil)

        // Nothing follows an expired notice: no cancel, no hit.
        let cancel = try refusal(try followUp(.cancel, of: id, from: gsCredentials), on: gs)
        #expect(cancel.reason.contains("it expired"), "\(cancel.reason)")
        let (post, postCredentials) = try nexd.connect(as: "bcp.rw.rusumo")
        let hit = try refusal(try signedNotice(from: postCredentials, topic: "hit.rw.rw", kind: "hit", matching: id), on: post)
        #expect(hit.reason.contains("expired"), "\(hit.reason)")
        for connection in [rusumo, gs, post] { connection.close() }
        try expectIntact(nexd)
    }

    @Test func anExpiryThatPassedWhileNexdWasDownReachesTheOfflinePostAfterTheRestart() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (first, _) = try attachInbox(nexd, "bcp.ke.busia", id: 1)
        first.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw",
                                        payload: Self.redDocument(expiringAt: WallClock.nowMillis() + 1200))
        try publishAccepted(original, on: gs)
        gs.close()
        nexd.stop()
        Thread.sleep(forTimeInterval: 1.5)
        // Rebuilt from the log at start-up (the acceptance record's expiresAt), expired at once.
        try nexd.restart()
        let (post, status) = try attachInbox(nexd, "bcp.ke.busia", id: 2)
        #expect(status.waiting == 2)
        let got = try receive(2, on: post)
        #expect(got.map(\.kind) == ["red", "expire"])
        post.close()
        try expectIntact(nexd)
    }

    @Test func expiryRefusals() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        // A time already passed.
        let past = try refusal(try signedNotice(from: gsCredentials, topic: "notice.red.rw",
                                                payload: Self.redDocument(expiringAt: WallClock.nowMillis() - 60_000)), on: gs)
        #expect(past.code == .invalidNotice && past.reason.contains("expires_at"), "\(past.reason)")
        // A node never sends an expire.
        let original = try signedNotice(from: gsCredentials, topic: "notice.red.rw", payload: Self.redDocument)
        try publishAccepted(original, on: gs)
        let forged = #"{"kind":"expire","original":"\#(original.envelope.messageID)","reason":"expired","expires_at":"\#(Timestamp.format(millis: WallClock.nowMillis()))"}"#
        let expire = try refusal(try signedNotice(from: gsCredentials, topic: "notice.red.rw", kind: "expire", payload: forged), on: gs)
        #expect(expire.reason.contains("sent by nexd itself"), "\(expire.reason)")
        gs.close()
        // Without an audit key nexd cannot sign an expiry, so it does not promise one.
        try nexd.restart { $0.audit.key = nil; $0.audit.certificate = nil }
        let (again, againCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let unsigned = try refusal(try signedNotice(from: againCredentials, topic: "notice.red.rw",
                                                    payload: Self.redDocument(expiringAt: WallClock.nowMillis() + 60_000)), on: again)
        #expect(unsigned.reason.contains("no audit key"), "\(unsigned.reason)")
        again.close()
    }
}
