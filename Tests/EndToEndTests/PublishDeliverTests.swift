import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexWire
import Testing

/// The spine over real mutual TLS: publish → verify → durable record → ACK → deliver → receipt.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PublishDeliverTests {
    @Test func aSignedNoticeReachesItsSubscriberAndIsRecorded() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(subscriber.welcome.nodeID == "bcp.rw.rusumo")
        #expect(subscriber.welcome.role == "bcp")
        #expect(subscriber.welcome.country == "rw")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)

        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        guard case .accepted(let ack) = try publisher.publish(notice) else {
            Issue.record("publish was refused")
            return
        }
        #expect(ack.messageID == notice.envelope.messageID)
        #expect(!ack.isDuplicate)

        let delivery = try subscriber.nextDelivery(timeout: .seconds(5))
        #expect(delivery.deliverySequence == 1)
        #expect(delivery.subscriptionIDs == [1])
        #expect(delivery.originNode == "gs.fr.lyon")
        #expect(delivery.auditSequence == ack.auditSequence)
        #expect(delivery.envelope == notice.wireBytes)
        #expect(delivery.certificateFingerprint == gs.certificate.fingerprint.bytes)
        let certificate = try #require(try subscriber.fetchCertificate(fingerprint: delivery.certificateFingerprint))
        #expect(NoticeSigner.isValid(try SignedEnvelope(parsing: delivery.envelope), from: certificate))
        try subscriber.sendReceipt(through: delivery.deliverySequence)

        let id = notice.envelope.messageID.description
        let receipt = try #require(try nexd.awaitRecord { $0.event == "receipt" })
        #expect((receipt.members["received"] as? [String]) == [id])
        #expect(receipt.string("node") == "bcp.rw.rusumo")

        let records = try nexd.auditRecords()
        let accepted = try #require(records.first { $0.event == "publish" && $0.string("outcome") == "accepted" })
        #expect(accepted.sequence == ack.auditSequence)
        #expect(accepted.string("msg") == id)
        #expect(accepted.base64("envelope") == notice.wireBytes)
        let certificateRecord = try #require(records.first { $0.event == "certificate" })
        #expect(certificateRecord.sequence! < accepted.sequence!)
        #expect(certificateRecord.base64("certificate") == gs.certificate.derBytes)
        let route = try #require(records.first { $0.event == "route" && $0.string("msg") == id })
        let recipients = try #require(route.members["recipients"] as? [[String: Any]])
        #expect(recipients.map { $0["node"] as? String } == ["bcp.rw.rusumo"])
        #expect(route.sequence! > accepted.sequence!)
        #expect(records.contains { $0.event == "connect" && $0.string("node") == "gs.fr.lyon" && $0.string("outcome") == "accepted" })
        #expect(records.contains { $0.event == "subscribe" && $0.string("filter") == "notice.>" })

        subscriber.close()
        publisher.close()
        nexd.stop()
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(verification.foundNoProblem)
        #expect(verification.verifiedSignatures == 1)
        let final = try nexd.auditRecords()
        #expect(final.contains { $0.event == "disconnect" && $0.string("node") == "bcp.rw.rusumo" })
    }

    @Test func overlappingSubscriptionsDeliverOnceWithEveryMatchingID() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "ncb.rw.kigali")
        #expect(try subscriber.subscribe("notice.>", id: 7) == .accepted)
        #expect(try subscriber.subscribe("notice.*.fr", id: 3) == .accepted)
        #expect(try subscriber.subscribe("hit.rw", id: 9) == .accepted)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let first = try signedNotice(from: gs)
        let second = try signedNotice(from: gs, topic: "notice.yellow.fr", kind: "yellow")
        _ = try publisher.publish(first)
        _ = try publisher.publish(second)
        let one = try subscriber.nextDelivery(timeout: .seconds(5))
        let two = try subscriber.nextDelivery(timeout: .seconds(5))
        #expect(one.subscriptionIDs == [3, 7])
        #expect(one.envelope == first.wireBytes)
        #expect(two.deliverySequence == 2)
        #expect(two.envelope == second.wireBytes)
        #expect(throws: ClientError.self) { try subscriber.nextDelivery(timeout: .milliseconds(300)) }
    }

    @Test func aByteIdenticalRetryGetsTheOriginalAckAndNoSecondDelivery() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try subscriber.subscribe("notice.>", id: 1)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        guard case .accepted(let original) = try publisher.publish(notice) else { Issue.record("refused"); return }
        // A re-signed copy of the same body is still a retry (ECDSA signatures are randomised).
        let resigned = SignedEnvelope(envelope: notice.envelope, signature: try gs.key.signature(for: notice.bytesToSign))
        #expect(resigned.signature != notice.signature)
        for copy in [notice, resigned] {
            guard case .accepted(let again) = try publisher.publish(copy) else { Issue.record("retry refused"); return }
            #expect(again.auditSequence == original.auditSequence)
            #expect(again.isDuplicate)
        }
        let marker = try signedNotice(from: gs)
        _ = try publisher.publish(marker)
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == marker.wireBytes)
        let duplicates = try nexd.auditRecords().filter { $0.event == "publish" && $0.string("outcome") == "duplicate" }
        #expect(duplicates.count == 2)
        #expect(duplicates.allSatisfy { $0.integer("ref") == Int64(original.auditSequence) })
    }

    @Test func ed25519NodesArePublishedAndVerifiedToo() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "ncb.ug.kampala")
        _ = try subscriber.subscribe("hit.>", id: 1)
        // A hit names a notice nexd accepted (D60).
        let (gsConnection, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gs, topic: "notice.red.ug")
        guard case .accepted = try gsConnection.publish(notice) else { Issue.record("the notice was refused"); return }
        let border = try nexd.credentials("bcp.ke.busia", algorithm: .ed25519)
        let publisher = try nexd.connect(border)
        let hit = try signedNotice(from: border, topic: "hit.ug.ke", kind: "hit", matching: notice.envelope.messageID)
        guard case .accepted = try publisher.publish(hit) else { Issue.record("refused"); return }
        let delivery = try subscriber.nextDelivery(timeout: .seconds(5))
        let certificate = try #require(try subscriber.fetchCertificate(fingerprint: delivery.certificateFingerprint))
        #expect(certificate.publicKey.algorithm == .ed25519)
        #expect(NoticeSigner.isValid(try SignedEnvelope(parsing: delivery.envelope), from: certificate))
    }

    @Test func unsubscribeStopsDeliveries() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try subscriber.subscribe("notice.>", id: 1)
        try subscriber.send(.unsubscribe(subscriptionID: 1))
        _ = try subscriber.awaitFrame(timeout: .seconds(5)) { frame -> Bool? in
            if case .unsuback(1) = frame { return true }
            return nil
        }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        _ = try publisher.publish(try signedNotice(from: gs))
        #expect(throws: ClientError.self) { try subscriber.nextDelivery(timeout: .milliseconds(300)) }
    }
}
