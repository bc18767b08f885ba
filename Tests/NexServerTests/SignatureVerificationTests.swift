import Foundation
import NexBroker
import NexCrypto
import NexNotices
import NexWire
import Testing
@testable import NexServer

/// Only the verifier makes a ``VerifiedPublish``: good signatures of both algorithms pass, a
/// flipped bit or another node's key does not.
@Suite struct SignatureVerificationTests {
    static let node = "ncb.fr.paris"

    static func identity(_ algorithm: SignatureAlgorithm) throws -> (NodeIdentity, PrivateKey) {
        let key = try PrivateKey.generate(algorithm)
        let profile = CertificateProfile(subjectCommonName: node, notValidBefore: Date(timeIntervalSinceNow: -60),
                                         notValidAfter: Date(timeIntervalSinceNow: 3600), extendedKeyUsage: [.clientAuth])
        let certificate = try CertificateIssuer.selfSigned(profile, key: key)
        return (NodeIdentity(id: node, role: .ncb, country: "fr", certificate: certificate, peer: "127.0.0.1:1", authority: certificate), key)
    }

    /// An admitted publish signed with `key` (the signature's last byte xor-ed with `flip`).
    static func unverified(signedWith key: PrivateKey, flip: UInt8 = 0) throws -> UnverifiedPublish {
        let now = WallClock.nowMillis()
        let envelope = Envelope(
            messageID: .random(), sender: node, topic: "notice.red.fr", kind: "red", issuedAtMillis: now,
            signatureAlgorithm: key.algorithm.rawValue,
            payload: Array(NoticeTemplate.document(for: .red).replacingOccurrences(of: "\"ncb.zz.example\"", with: "\"\(node)\"").utf8))
        var signature = try key.signature(for: envelope.bytesToSign())
        signature[signature.count - 1] ^= flip
        let bytes = SignedEnvelope(envelope: envelope, signature: signature).wireBytes
        let admission = PublishAdmission(node: node, role: .ncb, keyAlgorithm: key.algorithm, permissions: .unrestricted,
                                         replayWindowMillis: 120_000, hitMaxAgeMillis: 86_400_000,
                                         directory: NodeDirectory([node: .init(role: .ncb, country: "fr")]))
        return try admission.admit(bytes, nowMillis: now).get()
    }

    @Test(arguments: [SignatureAlgorithm.ecdsaP256SHA256, .ed25519])
    func aGoodSignatureVerifies(_ algorithm: SignatureAlgorithm) throws {
        let (identity, key) = try Self.identity(algorithm)
        let unverified = try Self.unverified(signedWith: key)
        let verified = try SignatureVerification(identity: identity).verify(unverified).get()
        #expect(verified.digest == SHA256.hash(Envelope.signingDomain + unverified.signed.body))
        #expect(verified.wireBytes == unverified.wireBytes)
        #expect(verified.identity.id == Self.node)
        #expect(verified.topic == unverified.topic)
    }

    @Test(arguments: [SignatureAlgorithm.ecdsaP256SHA256, .ed25519])
    func aFlippedBitIsABadSignature(_ algorithm: SignatureAlgorithm) throws {
        let (identity, key) = try Self.identity(algorithm)
        let result = SignatureVerification(identity: identity).verify(try Self.unverified(signedWith: key, flip: 1))
        guard case .failure(let failure) = result else { Issue.record("verified a flipped signature"); return }
        #expect(failure.error.code == .badSignature && failure.checkedSignature)
        #expect(failure.error.reason == "signature does not verify with the certificate of \(Self.node)")
    }

    @Test func anotherKeysSignatureIsBad() throws {
        let (identity, _) = try Self.identity(.ecdsaP256SHA256)
        let other = try PrivateKey.generate(.ecdsaP256SHA256)
        let result = SignatureVerification(identity: identity).verify(try Self.unverified(signedWith: other))
        guard case .failure(let failure) = result else { Issue.record("verified another key's signature"); return }
        #expect(failure.error.code == .badSignature && failure.checkedSignature)
    }
}
