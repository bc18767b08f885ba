import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// The Python audit verifier (scripts/verify_audit.py), run when python3 is installed.
enum PythonVerifier {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/verify_audit.py").path
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = [script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

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
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
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
        // The Python verifier, written from docs/AUDIT.md and PROTOCOL.md alone, agrees.
        if PythonVerifier.python != nil {
            let (status, output) = try PythonVerifier.run([nexd.auditDirectory, "--ca", nexd.pki.caPath, "--audit-cert", nexd.pki.auditCertificatePath])
            #expect(status == 0, "\(output)")
            #expect(output.contains("5 notice signature(s)") || output.contains("notice signature"), "\(output)")
        }
        var options = AuditVerifier.Options()
        options.auditCertificate = try Certificate.certificates(pemFile: nexd.pki.auditCertificatePath).first
        options.certificateAuthorities = [nexd.pki.ca]
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(verification.foundNoProblem, "\(verification)")
    }

    @Test func aBadProofRefusesThatNoticeOnly() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
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
        // A budget of 2 failed checks: charging each notice of the batch would spend it.
        let nexd = try TestDaemon {
            $0.protocolFeatures.batchSignatures = true
            $0.limits.failedVerificationsBurstPerNode = 2
            $0.limits.failedVerificationsPerSecondPerNode = 1
        }
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
        // One failed check charged: the node's budget (burst 2) still admits a good single notice.
        guard case .accepted = try publisher.publish(try signedNotice(from: gs)) else { Issue.record("refused"); return }
    }

    /// A notice in a tree with its siblings but other restrictions than the header its batch's
    /// signature covers: refused, its siblings accepted.
    @Test func aNoticeWithOtherRestrictionsThanItsBatchIsRefused() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        var bodies = try (0..<2).map { try signedNotice(from: gs, revision: $0).envelope }
        bodies[1].deniedCountries = ["ke"]
        for index in bodies.indices { bodies[index].signatureAlgorithm = Envelope.SignatureAlgorithm.ecdsaP256SHA256Batch }
        let leaves = bodies.map { EnvelopeBatch.leaf(ofDigest: EnvelopeBatch.digest(ofBody: $0.encodedBody())) }
        let (root, paths) = MerkleProof.allInclusions(leaves: leaves)
        let signature = try gs.key.signature(for: BatchSeal.header(batchSize: 2, root: root.bytes,
                                                                   restrictionsDigest: EnvelopeBatch.restrictionsDigest(of: bodies[0]).bytes))
        let sealed = bodies.indices.map { index in
            SignedEnvelope(envelope: bodies[index], signature: BatchSeal(batchSize: 2, leafIndex: UInt32(index), path: paths[index].map(\.bytes),
                                                                         rootSignature: signature).encoded)
        }
        let publisher = try Self.connectBatching(nexd, gs)
        guard case .accepted = try publisher.publish(sealed[0]) else { Issue.record("refused"); return }
        guard case .refused(let nack) = try publisher.publish(sealed[1]) else { Issue.record("accepted"); return }
        #expect(nack.code == .badSignature)
        #expect(nack.reason.contains("leaf 1 of a batch of 2: its restrictions are not the batch's"), "\(nack.reason)")
    }

    @Test func aNoticeOfABatchIsRetriedAloneAndIsADuplicate() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
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
        // Off by default (protocol.batchSignatures): not offered, and a batch-signed envelope is refused.
        let off = try TestDaemon()
        defer { off.remove() }
        let offPublisher = try Self.connectBatching(off, try off.credentials("gs.fr.lyon"))
        #expect(!offPublisher.welcome.capabilities.contains(Capability.batch))
        guard case .refused(let offNack) = try offPublisher.publish(try Self.batch(2, from: try off.credentials("gs.fr.lyon"))[0]) else {
            Issue.record("accepted"); return
        }
        #expect(offNack.code == .unsupportedAlgorithm)
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let plain = try nexd.connect(gs)
        guard case .refused(let nack) = try plain.publish(try Self.batch(2, from: gs)[0]) else { Issue.record("accepted"); return }
        #expect(nack.code == .unsupportedAlgorithm)
        #expect(nack.reason.contains(Capability.batch))
    }

    @Test func aSealThatDoesNotParseIsAMalformedEnvelope() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
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
