import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// Batch-signed envelopes over real mTLS (capability `batch.1`, D73): one signature per batch, each
/// notice admitted, answered, retried and re-verified on its own.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct BatchSignatureTests {
    /// Connects with `batch.1` listed.
    static func connectBatching(_ nexd: TestDaemon, _ credentials: NodeCredentials) throws -> NexConnection {
        let context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: [nexd.pki.ca])
        return try NexConnection(host: "127.0.0.1", port: nexd.port, context: context, timeout: .seconds(5), capabilities: [Capability.batch])
    }

    /// `count` notices of `credentials`, signed as one batch.
    static func batch(_ count: Int, from credentials: NodeCredentials) throws -> [SignedEnvelope] {
        let envelopes = try (0..<count).map { index in try signedNotice(from: credentials, revision: index).envelope }
        return try NoticeSigner.signBatch(envelopes, with: credentials.key)
    }

    /// The same envelope with another seal.
    static func resealed(_ signed: SignedEnvelope, _ change: (BatchSeal) -> BatchSeal) throws -> SignedEnvelope {
        SignedEnvelope(envelope: signed.envelope, signature: change(try #require(try signed.batchSeal())).encoded)
    }

    @Test func aBatchIsDeliveredAndEveryNoticeReVerifiesAtTheSubscriberAndInTheAudit() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (subscriber, subscriberCredentials) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try Self.connectBatching(nexd, gs)
        let notices = try Self.batch(5, from: gs)
        for notice in notices {
            guard case .accepted = try publisher.publish(notice) else { Issue.record("refused"); return }
        }
        for notice in notices {
            let delivery = try subscriber.nextDelivery(timeout: .seconds(5))
            #expect(delivery.envelope == notice.wireBytes)
            let certificate = try subscriber.fetchCertificate(fingerprint: delivery.certificateFingerprint)
            let outcome = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: subscriberCredentials.trustRoots)
            #expect(outcome.isVerified, "\(outcome)")
        }
        // A delivered notice whose proof was altered does not verify at the subscriber either.
        let altered = try Self.resealed(notices[2]) { seal in
            var path = seal.path
            path[0][5] ^= 0x40
            return BatchSeal(batchSize: seal.batchSize, leafIndex: seal.leafIndex, path: path, rootSignature: seal.rootSignature)
        }
        #expect(!NoticeSigner.isValid(altered, from: gs.certificate))
        nexd.stop()
        var options = AuditVerifier.Options()
        options.auditCertificate = try Certificate.certificates(pemFile: nexd.pki.auditCertificatePath).first
        options.certificateAuthorities = [nexd.pki.ca]
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(verification.foundNoProblem, "\(verification)")
    }

    @Test func aBadProofRefusesThatNoticeOnly() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try Self.connectBatching(nexd, gs)
        var notices = try Self.batch(8, from: gs)
        notices[3] = try Self.resealed(notices[3]) { seal in
            var path = seal.path
            path[1][0] ^= 1
            return BatchSeal(batchSize: seal.batchSize, leafIndex: seal.leafIndex, path: path, rootSignature: seal.rootSignature)
        }
        for (index, notice) in notices.enumerated() {
            let outcome = try publisher.publish(notice)
            if index == 3 {
                guard case .refused(let nack) = outcome else { Issue.record("a bad proof was accepted"); return }
                #expect(nack.code == .badSignature)
                #expect(nack.reason.contains("leaf 3 of a batch of 8: its inclusion proof does not lead to the batch root"), "\(nack.reason)")
            } else {
                guard case .accepted = outcome else { Issue.record("notice \(index) refused: \(outcome)"); return }
            }
        }
        let refusal = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("outcome") == "refused" })
        #expect(refusal.string("reason") == "bad-signature")
    }

    @Test func aBadBatchSignatureRefusesEveryNoticeWithOneCheck() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try Self.connectBatching(nexd, gs)
        let forger = try PrivateKey.generate(.ecdsaP256SHA256)
        let envelopes = try (0..<6).map { try signedNotice(from: gs, revision: $0).envelope }
        let forged = try NoticeSigner.signBatch(envelopes, with: forger)
        var reasons: [String] = []
        for notice in forged {
            guard case .refused(let nack) = try publisher.publish(notice) else { Issue.record("a forged batch was accepted"); return }
            #expect(nack.code == .badSignature)
            reasons.append(nack.reason)
        }
        #expect(reasons[0].contains("the batch signature does not verify with the certificate of gs.fr.lyon"), "\(reasons[0])")
        #expect(reasons.dropFirst().allSatisfy { $0.contains("refused for an earlier notice of the batch too") }, "\(reasons)")
        // One failed check charged: the node's budget (burst 50) still admits a good single notice.
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("refused"); return }
    }

    @Test func aNoticeOfABatchIsRetriedAloneAndIsADuplicate() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let notices = try Self.batch(4, from: gs)
        var sequences: [UInt64] = []
        do {
            let first = try Self.connectBatching(nexd, gs)
            for notice in notices {
                guard case .accepted(let ack) = try first.publish(notice) else { Issue.record("refused"); return }
                sequences.append(ack.auditSequence)
            }
            first.close()
        }
        // Reconnected, the publisher re-sends notice 2 alone: the same bytes, and the same body in
        // a batch signed anew (another root signature, another tree): both are the notice again.
        let second = try Self.connectBatching(nexd, gs)
        guard case .accepted(let again) = try second.publish(notices[2]) else { Issue.record("refused"); return }
        #expect(again.isDuplicate && again.auditSequence == sequences[2])
        let resigned = try NoticeSigner.signBatch([notices[2].envelope, try signedNotice(from: gs, revision: 99).envelope], with: gs.key)
        #expect(resigned[0].signature != notices[2].signature)
        guard case .accepted(let third) = try second.publish(resigned[0]) else { Issue.record("refused"); return }
        #expect(third.isDuplicate && third.auditSequence == sequences[2])
        // The same id with a single signature is another body (its algorithm byte): a replay.
        guard case .refused(let replay) = try second.publish(try NoticeSigner.sign(notices[2].envelope, with: gs.key)) else {
            Issue.record("accepted"); return
        }
        #expect(replay.code == .replay)
    }

    @Test func withoutTheCapabilityABatchSignatureIsAnUnsupportedAlgorithm() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let plain = try nexd.connect(gs)
        guard case .refused(let nack) = try plain.publish(try Self.batch(2, from: gs)[0]) else { Issue.record("accepted"); return }
        #expect(nack.code == .unsupportedAlgorithm)
        #expect(nack.reason.contains(Capability.batch))
    }

    @Test func aSealThatDoesNotParseIsAMalformedEnvelope() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try Self.connectBatching(nexd, gs)
        let notice = try Self.resealed(try Self.batch(2, from: gs)[0]) { seal in
            BatchSeal(batchSize: 2, leafIndex: 0, path: [], rootSignature: seal.rootSignature)
        }
        guard case .refused(let nack) = try publisher.publish(notice) else { Issue.record("accepted"); return }
        #expect(nack.code == .malformedEnvelope)
        #expect(nack.reason.contains("has 1 hashes, not 0"), "\(nack.reason)")
    }
}
