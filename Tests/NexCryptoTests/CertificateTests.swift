import Foundation
import Testing
@testable import NexCrypto

@Suite struct CertificateTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func caAndLeafFieldsReadBack(algorithm: SignatureAlgorithm) throws {
        let ca = try TestCA(name: "NX Root \(algorithm.name)", algorithm: algorithm)
        let notBefore = Date(timeIntervalSince1970: 1_700_000_000)
        let notAfter = Date(timeIntervalSince1970: 1_900_000_000)
        let leafKey = try PrivateKey.generate(algorithm)
        let leaf = try CertificateIssuer.issue(
            CertificateProfile(
                subjectCommonName: "bcp.rw.rusumo", organization: "NoticeExchange development",
                notValidBefore: notBefore, notValidAfter: notAfter,
                extendedKeyUsage: [.clientAuth], dnsNames: ["bcp.rw.rusumo"], ipAddresses: ["127.0.0.1", "::1"]),
            for: leafKey.publicKey, issuer: ca.certificate, issuerKey: ca.key)

        #expect(ca.certificate.isCertificateAuthority)
        #expect(ca.certificate.extendedKeyUsage == nil)
        #expect(ca.certificate.isSigned(by: ca.certificate))
        #expect(ca.certificate.subjectDescription == "CN=NX Root \(algorithm.name),O=NoticeExchange development")
        #expect(ca.certificate.issuerDescription == ca.certificate.subjectDescription)

        #expect(leaf.subjectCommonName == "bcp.rw.rusumo")
        #expect(leaf.subjectDescription == "CN=bcp.rw.rusumo,O=NoticeExchange development")
        #expect(leaf.issuerDescription == ca.certificate.subjectDescription)
        #expect(!leaf.isCertificateAuthority)
        #expect(leaf.extendedKeyUsage == [.clientAuth])
        #expect(leaf.notValidBefore == notBefore)
        #expect(leaf.notValidAfter == notAfter)
        #expect(leaf.publicKey == leafKey.publicKey)
        #expect(leaf.publicKey.algorithm == algorithm)
        #expect(leaf.isSigned(by: ca.certificate))
        #expect(!ca.certificate.isSigned(by: leaf))
        #expect(leaf.serialNumberHex.count == 32)
        #expect(leaf.serialNumberHex != ca.certificate.serialNumberHex)
    }

    @Test func wrongIssuerIsDetected() throws {
        let ca = try TestCA()
        let other = try TestCA(name: "Other Root")
        let leaf = try ca.issueLeaf("client")
        #expect(leaf.certificate.isSigned(by: ca.certificate))
        #expect(!leaf.certificate.isSigned(by: other.certificate))
        // Issuing with a key that does not belong to the issuer certificate is refused.
        #expect(throws: CryptoError.self) {
            try CertificateIssuer.issue(
                CertificateProfile(subjectCommonName: "x", validity: Date()...Date()),
                for: leaf.key.publicKey, issuer: ca.certificate, issuerKey: other.key)
        }
    }

    @Test(arguments: [
        ExtendedKeyUsage.serverAuth, [.clientAuth], [.serverAuth, .clientAuth], [.codeSigning, .timeStamping],
        [.emailProtection, .ocspSigning],
    ])
    func extendedKeyUsageRoundTrip(usage: ExtendedKeyUsage) throws {
        let ca = try TestCA()
        #expect(try ca.issueLeaf("leaf", usage: usage).certificate.extendedKeyUsage == usage)
    }

    @Test func absentExtendedKeyUsageIsNil() throws {
        let ca = try TestCA()
        #expect(try ca.issueLeaf("leaf", usage: nil).certificate.extendedKeyUsage == nil)
        #expect(throws: CryptoError.self) { try ca.issueLeaf("leaf", usage: []) }
    }

    @Test func derAndPEMRoundTrip() throws {
        let ca = try TestCA()
        let leaf = try ca.issueLeaf("round.trip").certificate
        let fromDER = try Certificate(der: leaf.derBytes)
        #expect(fromDER == leaf)
        #expect(fromDER.hashValue == leaf.hashValue)
        let pem = leaf.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(try Certificate(pem: Array(pem.utf8)) == leaf)
        #expect(leaf.fingerprint == SHA256.hash(leaf.derBytes))
        #expect(Set([leaf, fromDER, ca.certificate]).count == 2)
    }

    @Test func pemBundleAndFile() throws {
        let ca = try TestCA()
        let leaf = try ca.issueLeaf("bundle").certificate
        let bundle = leaf.pemEncoded() + ca.certificate.pemEncoded()
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nexcrypto-\(UUID().uuidString).pem").path
        try bundle.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Certificate.certificates(pemFile: path) == [leaf, ca.certificate])
        #expect(throws: CryptoError.self) { try Certificate.certificates(pemFile: path + ".missing") }
    }

    @Test func keyPEMFileLoads() throws {
        let key = try PrivateKey.generate(.ed25519)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nexcrypto-\(UUID().uuidString).key").path
        try key.pemEncoded().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try PrivateKey(pemFile: path).publicKey == key.publicKey)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func aKeyFileOthersCanReadIsRefused(mode: Int) throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nexcrypto-\(UUID().uuidString).key").path
        try key.pemEncoded().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        do {
            _ = try PrivateKey(pemFile: path)
            Issue.record("loaded a key with mode \(String(mode, radix: 8))")
        } catch {
            #expect(error.message.contains("chmod 600"))
        }
    }

    @Test(arguments: [[UInt8](), [0x30, 0x03, 0x02, 0x01, 0x01], Array("garbage".utf8)])
    func malformedCertificatesAreRejected(bytes: [UInt8]) {
        #expect(throws: CryptoError.self) { try Certificate(der: bytes) }
        #expect(throws: CryptoError.self) { try Certificate(pem: bytes) }
        #expect(throws: CryptoError.self) { try Certificate.certificates(pem: bytes) }
    }

    @Test func trailingBytesAfterDERAreRejected() throws {
        let leaf = try TestCA().issueLeaf("trailing").certificate
        #expect(throws: CryptoError.self) { try Certificate(der: leaf.derBytes + [0]) }
    }

    @Test func invalidProfilesAreRefused() throws {
        let key = try PrivateKey.generate(.ed25519)
        let now = Date()
        #expect(throws: CryptoError.self) {
            try CertificateIssuer.selfSigned(
                CertificateProfile(subjectCommonName: "backwards", notValidBefore: now, notValidAfter: now - 1), key: key)
        }
        #expect(throws: CryptoError.self) {
            try CertificateIssuer.selfSigned(
                CertificateProfile(subjectCommonName: "san", validity: now...now, dnsNames: ["a,IP:1.2.3.4"]), key: key)
        }
        #expect(throws: CryptoError.self) {
            try CertificateIssuer.selfSigned(
                CertificateProfile(subjectCommonName: "ip", validity: now...now, ipAddresses: ["not-an-ip"]), key: key)
        }
    }
}
