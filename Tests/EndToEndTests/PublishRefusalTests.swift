import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexServer
import NexSync
import NexWire
import Testing

/// Every refused publish gets a NACK with a stable code, an audit record, and the daemon keeps
/// serving the same connection.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PublishRefusalTests {
    private func expectRefusal(
        _ nexd: TestDaemon, _ connection: NexConnection, _ notice: SignedEnvelope, code: WireErrorCode,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        guard case .refused(let nack) = try connection.publish(notice) else {
            Issue.record("accepted a publish that should be refused with \(code.name)", sourceLocation: sourceLocation)
            return
        }
        #expect(nack.code == code, sourceLocation: sourceLocation)
        #expect(!nack.reason.isEmpty, sourceLocation: sourceLocation)
        let id = notice.envelope.messageID.description
        let record = try nexd.awaitRecord { $0.event == "publish" && $0.string("msg") == id && $0.string("outcome") == "refused" }
        #expect(record?.string("reason") == code.name, sourceLocation: sourceLocation)
    }

    @Test func eachBadPublishIsRefusedAuditedAndTheConnectionKeepsWorking() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        _ = try subscriber.subscribe(">", id: 1)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")

        var tampered = try signedNotice(from: gs)
        var signature = tampered.signature
        signature[signature.count / 2] ^= 0x01
        tampered = SignedEnvelope(envelope: tampered.envelope, signature: signature)
        try expectRefusal(nexd, publisher, tampered, code: .badSignature)

        var payloadChanged = try signedNotice(from: gs)
        var envelope = payloadChanged.envelope
        // Still a valid document, so the signature check is what refuses it.
        let letter = try #require(envelope.payload.firstIndex(of: UInt8(ascii: "P")))
        envelope.payload[letter] = UInt8(ascii: "Q")
        payloadChanged = SignedEnvelope(envelope: envelope, signature: payloadChanged.signature)
        try expectRefusal(nexd, publisher, payloadChanged, code: .badSignature)

        try expectRefusal(nexd, publisher, try signedNotice(from: gs, sender: "ncb.rw.kigali"), code: .senderMismatch)
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, topic: "notice.*.fr"), code: .invalidTopic)
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, topic: "notice.>"), code: .invalidTopic)
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, topic: "Notice.Red"), code: .invalidTopic)
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, kind: "mauve"), code: .unknownKind)
        let stale = WallClock.nowMillis() - 121_000
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, issuedAtMillis: stale), code: .outsideReplayWindow)
        let future = WallClock.nowMillis() + 121_000
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, issuedAtMillis: future), code: .outsideReplayWindow)
        // Extreme issued-at values must not overflow the window arithmetic (and take nexd down).
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, issuedAtMillis: .min), code: .outsideReplayWindow)
        try expectRefusal(nexd, publisher, try signedNotice(from: gs, issuedAtMillis: .max), code: .outsideReplayWindow)

        let original = try signedNotice(from: gs)
        guard case .accepted = try publisher.publish(original) else { Issue.record("refused"); return }
        let replay = try signedNotice(from: gs, revision: 2, messageID: original.envelope.messageID)
        try expectRefusal(nexd, publisher, replay, code: .replay)

        // Only the one valid notice was delivered.
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == original.wireBytes)
        #expect(throws: ClientError.self) { try subscriber.nextDelivery(timeout: .milliseconds(300)) }
    }

    @Test func aPayloadOverTheLimitIsRefusedAsTooLarge() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let big = try signedNotice(from: gs, payload: String(repeating: "x", count: 61_000))
        guard case .refused(let nack) = try publisher.publish(big) else { Issue.record("accepted"); return }
        #expect(nack.code == .payloadTooLarge)
    }

    @Test func answersKeepPublishOrderEvenWhenRefusalsAreCheap() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        var expected: [String] = []
        for index in 0..<40 {
            let notice = index % 2 == 0 ? try signedNotice(from: gs) : try signedNotice(from: gs, kind: "mauve")
            try publisher.send(.publish(envelope: notice.wireBytes))
            expected.append(notice.envelope.messageID.description)
        }
        var answered: [String] = []
        for _ in 0..<40 {
            let id = try publisher.awaitFrame(timeout: .seconds(10)) { frame -> String? in
                switch frame {
                case .ack(let ack): ack.messageID.description
                case .nack(let nack): nack.messageID.description
                default: nil
                }
            }
            answered.append(id)
        }
        #expect(answered == expected)
    }

    @Test func aPublisherOverItsInFlightLimitIsPausedNotDropped() throws {
        let nexd = try TestDaemon { $0.limits.maxInFlightPublishesPerConnection = 2 }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<200).map { _ in try signedNotice(from: gs) }
        // Send everything at once; nexd stops reading at 2 in flight and resumes as they finish.
        try publisher.sendRaw(notices.flatMap { FrameEncoder.encode(.publish(envelope: $0.wireBytes)) })
        var acked = 0
        for _ in notices {
            _ = try publisher.awaitFrame(timeout: .seconds(10)) { frame -> Bool? in
                if case .ack = frame { return true }
                return nil
            }
            acked += 1
        }
        #expect(acked == 200)
    }

    @Test func aFailedAuditLogRefusesPublishesAndLeavesAVerifiableLog() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try nexd.connect(gs)
        nexd.daemon.auditLog.close()
        guard case .refused(let nack) = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("accepted"); return }
        #expect(nack.code == .auditUnavailable)
        publisher.close()
        // The certificate was not recorded, so after a restart it must be recorded on first use.
        try nexd.restart()
        let again = try nexd.connect(gs)
        guard case .accepted = try again.publish(try signedNotice(from: gs)) else { Issue.record("refused after restart"); return }
        again.close()
        nexd.stop()
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory)
        #expect(verification.foundNoProblem, "\(String(describing: verification.problem))")
        #expect(verification.verifiedSignatures == 1)
    }

    @Test func anUnparsableEnvelopeIsRefusedWithTheZeroID() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, _) = try nexd.connect(as: "gs.fr.lyon")
        try publisher.send(.publish(envelope: [1, 2, 3]))
        let nack = try publisher.awaitFrame(timeout: .seconds(5)) { frame -> Nack? in
            if case .nack(let nack) = frame { return nack }
            return nil
        }
        #expect(nack.code == .malformedEnvelope)
        #expect(nack.messageID == .zero)
        #expect(try nexd.awaitRecord { $0.event == "publish" && $0.string("reason") == "malformed-envelope" } != nil)
    }

    /// The all-zero id is the NACK's "could not be parsed" id: a signed, otherwise valid notice
    /// carrying it is refused as malformed and audited; a random (non-UUIDv7) id is still accepted.
    @Test func theAllZeroMessageIDIsRefusedAndAudited() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        guard case .refused(let nack) = try publisher.publish(try signedNotice(from: gs, messageID: .zero)) else {
            Issue.record("a notice with the all-zero id was accepted")
            return
        }
        #expect(nack.code == .malformedEnvelope)
        #expect(nack.messageID == .zero)
        #expect(nack.reason.contains("reserved"))
        let record = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("outcome") == "refused" })
        #expect(record.string("reason") == "malformed-envelope")
        #expect(record.string("msg") == MessageID.zero.description)
        #expect(record.string("node") == "gs.fr.lyon")

        var generator = SystemRandomNumberGenerator()
        let random = MessageID(high: (generator.next() as UInt64) & ~0xF000 | 0x4000, low: generator.next())
        #expect(random.version == 4)
        guard case .accepted = try publisher.publish(try signedNotice(from: gs, messageID: random)) else {
            Issue.record("16 random bytes as the id were refused")
            return
        }
    }

    @Test func replayProtectionSurvivesARestart() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let notice = try signedNotice(from: gs)
        var publisher = try nexd.connect(gs)
        guard case .accepted(let original) = try publisher.publish(notice) else { Issue.record("refused"); return }
        publisher.close()

        try nexd.restart()
        publisher = try nexd.connect(gs)
        guard case .accepted(let again) = try publisher.publish(notice) else { Issue.record("retry refused after restart"); return }
        #expect(again.auditSequence == original.auditSequence)
        #expect(again.isDuplicate)
        let replay = try signedNotice(from: gs, revision: 2, messageID: notice.envelope.messageID)
        guard case .refused(let nack) = try publisher.publish(replay) else { Issue.record("replay accepted after restart"); return }
        #expect(nack.code == .replay)
    }

    @Test func badSubscriptionsAreRefusedAndAudited() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "ncb.rw.kigali")
        for (filter, code) in [("notice.>.fr", WireErrorCode.invalidFilter), ("HIT.rw", .invalidFilter), ("", .invalidFilter)] {
            guard case .refused(let nack) = try subscriber.subscribe(filter, id: 5) else { Issue.record("accepted \(filter)"); continue }
            #expect(nack.code == code)
        }
        #expect(try subscriber.subscribe("hit.rw", id: 5) == .accepted)
        guard case .refused(let duplicate) = try subscriber.subscribe("hit.ke", id: 5) else { Issue.record("duplicate id accepted"); return }
        #expect(duplicate.code == .duplicateSubscription)
        #expect(try nexd.awaitRecord { $0.event == "subscribe" && $0.string("reason") == "invalid-filter" } != nil)
    }
}
