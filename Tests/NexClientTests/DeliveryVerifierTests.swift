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
        case signedBeforeTheCertificateWasValid
        case signedAfterTheCertificateExpired
        case keyUsageWithoutDigitalSignature
        case serverAuthOnly
        case noExtendedKeyUsage
        case commonNameOfAnotherNode
        case originIsAnotherNode
        case caCertificateItself
        case anotherCertificateThanTheFingerprint
        case noCertificate
        case tamperedPayload
        case garbageEnvelope
        // nexd's own expire (D61): signed with the audit certificate (timeStamping, not clientAuth).
        case expireSignedByTheAuditCertificate
        case expireSignedByANode
        case expireSignedByACertificateWithBothPurposes
        case redSignedByTheAuditCertificate

        var testDescription: String { rawValue }

        /// The code expected, or nil for a verified delivery.
        var expected: DeliveryVerificationFailure.Code? {
            switch self {
            case .rightCertificate, .expiredNowButValidAtAcceptance, .expireSignedByTheAuditCertificate: nil
            case .expireSignedByANode, .expireSignedByACertificateWithBothPurposes: .untrustedCertificate
            case .redSignedByTheAuditCertificate: .missingClientAuth
            case .anotherCA, .fakeCAWithTheSameSubject, .caCertificateItself, .issuedByAnIntermediateInTheTrustedFile:
                .untrustedCertificate
            case .expiredAtAcceptance, .notYetValidAtAcceptance: .notValidAtAcceptance
            case .signedBeforeTheCertificateWasValid, .signedAfterTheCertificateExpired: .notValidAtSigning
            case .keyUsageWithoutDigitalSignature: .keyUsageForbidsSigning
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
        // When the originator signed, relative to acceptance (nexd allows a replay window either way).
        var signedBeforeAcceptance: Int64 = 10
        var trustRoots = [ca.certificate]
        var kind = "red"
        switch row {
        case .expireSignedByTheAuditCertificate:
            usage = .timeStamping
            kind = "expire"
        case .expireSignedByANode: kind = "expire"
        case .expireSignedByACertificateWithBothPurposes:
            usage = [.timeStamping, .clientAuth]
            kind = "expire"
        case .redSignedByTheAuditCertificate: usage = .timeStamping
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
        case .signedBeforeTheCertificateWasValid:
            validity = (Self.now - 30)...(Self.now + 86_400)
            signedBeforeAcceptance = 90_000
        case .signedAfterTheCertificateExpired:
            validity = (Self.now - 3600)...(Self.now + 30)
            signedBeforeAcceptance = -90_000
        case .serverAuthOnly: usage = .serverAuth
        case .noExtendedKeyUsage: usage = nil
        case .commonNameOfAnotherNode: commonName = "bcp.ke.busia"
        default: break
        }
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        var certificate: Certificate? = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: commonName, validity: validity, extendedKeyUsage: usage),
            for: key.publicKey, issuer: issuer.certificate, issuerKey: issuer.key)
        if row == .keyUsageWithoutDigitalSignature {
            certificate = try Self.issueWithKeyAgreementOnly(commonName, key: key, issuer: ca)
            acceptedAt = Date() + 5   // openssl starts the validity at its own clock
        }
        let fingerprint = certificate!.fingerprint.bytes

        let envelope = Envelope(
            messageID: .random(), sender: Self.sender, topic: "notice.red.fr", kind: kind,
            issuedAtMillis: Int64(acceptedAt.timeIntervalSince1970 * 1000) - signedBeforeAcceptance,
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

    /// A node certificate whose key usage is `keyAgreement` only (with clientAuth, so OpenSSL's TLS
    /// client purpose check, and so nexd's handshake, accepts it), made with the `openssl` tool:
    /// ``CertificateIssuer`` always writes `digitalSignature`.
    static func issueWithKeyAgreementOnly(_ commonName: String, key: PrivateKey, issuer: Authority,
                                          keyUsage: String = "keyUsage=critical,keyAgreement") throws -> Certificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-ku-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try key.pemEncoded().write(toFile: path("node.key"), atomically: true, encoding: .utf8)
        try issuer.key.pemEncoded().write(toFile: path("ca.key"), atomically: true, encoding: .utf8)
        try issuer.certificate.pemEncoded().write(toFile: path("ca.pem"), atomically: true, encoding: .utf8)
        try "basicConstraints=CA:FALSE\n\(keyUsage)\nextendedKeyUsage=clientAuth\n"
            .write(toFile: path("ext.cnf"), atomically: true, encoding: .utf8)
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "openssl \(arguments.first ?? "") failed")
        }
        try openssl(["req", "-new", "-key", path("node.key"), "-subj", "/CN=\(commonName)", "-out", path("node.csr")])
        try openssl(["x509", "-req", "-in", path("node.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-set_serial", "7", "-days", "1", "-extfile", path("ext.cnf"), "-out", path("node.pem")])
        return try Certificate(pem: Array(try String(contentsOfFile: path("node.pem"), encoding: .utf8).utf8))
    }

    /// A key usage extension OpenSSL cannot decode (a NULL where the BIT STRING belongs) sets
    /// EXFLAG_INVALID, not EXFLAG_KUSAGE: it must not pass as "no key usage, any use allowed".
    @Test func aMalformedKeyUsageDoesNotAllowSigning() throws {
        let ca = try Authority("Test CA")
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let malformed = try Self.issueWithKeyAgreementOnly(Self.sender, key: key, issuer: ca, keyUsage: "2.5.29.15=DER:0500")
        #expect(!malformed.keyUsageAllowsDigitalSignature)
        let wellFormed = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: Self.sender, validity: (Self.now - 60)...(Self.now + 60), extendedKeyUsage: .clientAuth),
            for: key.publicKey, issuer: ca.certificate, issuerKey: ca.key)
        #expect(wellFormed.keyUsageAllowsDigitalSignature)
    }

    /// Times from the peer near Int64.max (a Double rounds 2^63 − 1 up to 2^63) are clamped when
    /// the failure is described, not trapped on.
    @Test func timesNearTheEndOfInt64DoNotTrap() throws {
        let ca = try Authority("Test CA")
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: Self.sender, validity: (Self.now - 60)...(Self.now + 60), extendedKeyUsage: .clientAuth),
            for: key.publicKey, issuer: ca.certificate, issuerKey: ca.key)
        let envelope = Envelope(
            messageID: .random(), sender: Self.sender, topic: "notice.red.fr", kind: "red", issuedAtMillis: .max,
            allowedCountries: [], deniedCountries: [], allowedNodes: [], deniedNodes: [],
            signatureAlgorithm: key.algorithm.rawValue, payload: Array(#"{"a":1}"#.utf8))
        let signed = try NoticeSigner.sign(envelope, with: key)
        for receivedAt in [UInt64(Int64.max), UInt64(Self.now.timeIntervalSince1970 * 1000)] {
            let delivery = Deliver(
                deliverySequence: 1, subscriptionIDs: [1], originNode: Self.sender, receivedAtMillis: receivedAt,
                certificateFingerprint: certificate.fingerprint.bytes, auditSequence: 7, envelope: signed.wireBytes)
            guard case .notVerified(let failure) = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: [ca.certificate]) else {
                Issue.record("a notice signed at the end of time was verified"); continue
            }
            #expect([.notValidAtAcceptance, .notValidAtSigning].contains(failure.code), "\(failure.reason)")
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
