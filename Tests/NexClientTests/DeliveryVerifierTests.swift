import Foundation
import NexClient
import NexCrypto
import NexWire
import Testing

/// The subscriber's end-to-end check: the originator certificate nexd hands out is validated
/// against the subscriber's own CA before its key verifies anything.
struct DeliveryVerifierTests {
    /// One row: what is wrong with the delivery or the certificate nexd returns for it.
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case rightCertificate
        case expiredNowButValidAtAcceptance
        case anotherCA
        case fakeCAWithTheSameSubject
        case issuedByAnIntermediateInTheTrustedFile
        case expiredAtAcceptance
        case notYetValidAtAcceptance
        case serverAuthOnly
        case noExtendedKeyUsage
        case commonNameOfAnotherNode
        case originIsAnotherNode
        case caCertificateItself
        case anotherCertificateThanTheFingerprint
        case noCertificate
        case tamperedPayload
        case garbageEnvelope

        var testDescription: String { rawValue }

        /// The code expected, or nil for a verified delivery.
        var expected: DeliveryVerificationFailure.Code? {
            switch self {
            case .rightCertificate, .expiredNowButValidAtAcceptance: nil
            case .anotherCA, .fakeCAWithTheSameSubject, .caCertificateItself, .issuedByAnIntermediateInTheTrustedFile:
                .untrustedCertificate
            case .expiredAtAcceptance, .notYetValidAtAcceptance: .notValidAtAcceptance
            case .serverAuthOnly, .noExtendedKeyUsage: .missingClientAuth
            case .commonNameOfAnotherNode, .originIsAnotherNode: .senderMismatch
            case .anotherCertificateThanTheFingerprint: .fingerprintMismatch
            case .noCertificate: .certificateUnavailable
            case .tamperedPayload: .badSignature
            case .garbageEnvelope: .malformedEnvelope
            }
        }
    }

    static let sender = "gs.fr.lyon"
    static let now = Date()

    @Test(arguments: Case.allCases)
    func originatorCertificateIsValidatedBeforeTheSignature(_ row: Case) throws {
        let ca = try Authority("Test CA")
        var acceptedAt = Self.now
        var usage: ExtendedKeyUsage? = .clientAuth
        var validity = (Self.now - 3600)...(Self.now + 86_400)
        var commonName = Self.sender
        var issuer = ca
        var trustRoots = [ca.certificate]
        switch row {
        case .expiredNowButValidAtAcceptance:
            validity = (Self.now - 10 * 86_400)...(Self.now - 86_400)
            acceptedAt = Self.now - 2 * 86_400
        case .anotherCA: issuer = try Authority("Other Root")
        case .fakeCAWithTheSameSubject: issuer = try Authority("Test CA")
        case .issuedByAnIntermediateInTheTrustedFile:
            issuer = try Authority("Test Intermediate", issuedBy: ca)
            trustRoots.append(issuer.certificate)
        case .expiredAtAcceptance: validity = (Self.now - 10 * 86_400)...(Self.now - 60)
        case .notYetValidAtAcceptance: validity = (Self.now + 60)...(Self.now + 86_400)
        case .serverAuthOnly: usage = .serverAuth
        case .noExtendedKeyUsage: usage = nil
        case .commonNameOfAnotherNode: commonName = "bcp.ke.busia"
        default: break
        }
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        var certificate: Certificate? = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: commonName, validity: validity, extendedKeyUsage: usage),
            for: key.publicKey, issuer: issuer.certificate, issuerKey: issuer.key)
        let fingerprint = certificate!.fingerprint.bytes

        let envelope = Envelope(
            messageID: .random(), sender: Self.sender, topic: "notice.red.fr", kind: "red",
            issuedAtMillis: Int64(acceptedAt.timeIntervalSince1970 * 1000) - 10,
            allowedCountries: [], deniedCountries: [], allowedNodes: [], deniedNodes: [],
            signatureAlgorithm: key.algorithm.rawValue, payload: Array(#"{"a":1}"#.utf8))
        var signed = try NoticeSigner.sign(envelope, with: key)
        var origin = Self.sender
        switch row {
        case .originIsAnotherNode: origin = "bcp.ke.busia"
        case .caCertificateItself: certificate = ca.certificate
        case .anotherCertificateThanTheFingerprint:
            certificate = try CertificateIssuer.issue(
                CertificateProfile(subjectCommonName: Self.sender, validity: validity, extendedKeyUsage: .clientAuth),
                for: key.publicKey, issuer: ca.certificate, issuerKey: ca.key)
        case .noCertificate: certificate = nil
        case .tamperedPayload:
            var tampered = signed.envelope
            tampered.payload = Array(#"{"a":2}"#.utf8)
            signed = SignedEnvelope(envelope: tampered, signature: signed.signature)
        default: break
        }
        let delivery = Deliver(
            deliverySequence: 1, subscriptionIDs: [1], originNode: origin,
            receivedAtMillis: UInt64(acceptedAt.timeIntervalSince1970 * 1000),
            certificateFingerprint: row == .caCertificateItself ? ca.certificate.fingerprint.bytes : fingerprint,
            auditSequence: 7, envelope: row == .garbageEnvelope ? [0xff, 0, 1] : signed.wireBytes)

        let outcome = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: trustRoots)
        switch (outcome, row.expected) {
        case (.verified(let verified), nil):
            #expect(verified == signed)
        case (.notVerified(let failure), let expected?):
            #expect(failure.code == expected, "\(failure.reason)")
        default:
            Issue.record("expected \(row.expected.map(\.rawValue) ?? "verified"), got \(outcome)")
        }
    }

    /// A CA and its key: self-signed, or issued by `parent`.
    struct Authority {
        let key: PrivateKey
        let certificate: Certificate

        init(_ name: String, issuedBy parent: Authority? = nil) throws {
            key = try PrivateKey.generate(.ecdsaP256SHA256)
            let profile = CertificateProfile(
                subjectCommonName: name, validity: (DeliveryVerifierTests.now - 30 * 86_400)...(DeliveryVerifierTests.now + 86_400),
                isCertificateAuthority: true)
            if let parent {
                certificate = try CertificateIssuer.issue(profile, for: key.publicKey, issuer: parent.certificate, issuerKey: parent.key)
            } else {
                certificate = try CertificateIssuer.selfSigned(profile, key: key)
            }
        }
    }
}
