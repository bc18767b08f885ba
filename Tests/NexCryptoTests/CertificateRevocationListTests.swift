import Foundation
import Testing
@testable import NexCrypto

extension TestCA {
    /// A revocation list of this CA valid from an hour ago for `validFor` seconds (negative: expired).
    func revocationList(
        revoking certificates: [Certificate] = [], number: UInt64 = 1,
        thisUpdate: Date = Date().addingTimeInterval(-3600), validFor: TimeInterval = 86_400
    ) throws -> CertificateRevocationList {
        try CertificateRevocationList.issue(
            issuer: certificate, issuerKey: key,
            revoked: certificates.map { RevokedCertificate($0, revocationDate: thisUpdate) },
            thisUpdate: thisUpdate, nextUpdate: thisUpdate.addingTimeInterval(validFor), crlNumber: number)
    }
}

@Suite struct CertificateRevocationListTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func issuedListRoundTripsThroughPEM(algorithm: SignatureAlgorithm) throws {
        let ca = try TestCA(name: "CRL Root \(algorithm.name)", algorithm: algorithm)
        let thisUpdate = Date(timeIntervalSince1970: 1_800_000_000)
        let nextUpdate = thisUpdate.addingTimeInterval(30 * 86_400)
        let list = try CertificateRevocationList.issue(
            issuer: ca.certificate, issuerKey: ca.key, revoked: [], thisUpdate: thisUpdate, nextUpdate: nextUpdate,
            crlNumber: 7)
        let pem = list.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN X509 CRL-----\n"))
        let parsed = try CertificateRevocationList(pem: pem)
        #expect(parsed.derBytes == list.derBytes)
        #expect(parsed.thisUpdate == thisUpdate)
        #expect(parsed.nextUpdate == nextUpdate)
        #expect(parsed.crlNumber == 7)
        #expect(parsed.revoked.isEmpty)
        #expect(parsed.issuerDescription == ca.certificate.subjectDescription)
        #expect(parsed.isSigned(by: ca.certificate))
    }

    /// A list without nextUpdate can be made (for nexd's refusal tests) and reads back as such.
    @Test func aListWithoutNextUpdateReadsBackWithNone() throws {
        let ca = try TestCA()
        let list = try CertificateRevocationList.issue(
            issuer: ca.certificate, issuerKey: ca.key, revoked: [], thisUpdate: Date() - 60, nextUpdate: nil, crlNumber: 1)
        let parsed = try CertificateRevocationList(pem: list.pemEncoded())
        #expect(parsed.nextUpdate == nil)
        #expect(parsed.isSigned(by: ca.certificate))
    }

    @Test func revokedEntriesReadBackAndAreFound() throws {
        let ca = try TestCA()
        let revokedLeaf = try ca.issueLeaf("revoked").certificate
        let otherLeaf = try ca.issueLeaf("still-valid").certificate
        let when = Date(timeIntervalSince1970: 1_800_000_123)
        let list = try CertificateRevocationList.issue(
            issuer: ca.certificate, issuerKey: ca.key,
            revoked: [RevokedCertificate(revokedLeaf, revocationDate: when),
                      RevokedCertificate(serialNumberHex: "0x00:0A", revocationDate: when)],
            thisUpdate: when, nextUpdate: when.addingTimeInterval(60), crlNumber: UInt64.max)
        let parsed = try CertificateRevocationList(pem: list.pemEncoded())
        #expect(parsed.crlNumber == UInt64.max)
        #expect(Set(parsed.revoked.map(\.serialNumberHex)) == [revokedLeaf.serialNumberHex, "0a"])
        #expect(parsed.revoked.allSatisfy { $0.revocationDate == when })
        #expect(parsed.isRevoked(serialNumberHex: revokedLeaf.serialNumberHex))
        #expect(parsed.isRevoked(serialNumberHex: revokedLeaf.serialNumberHex.uppercased()))
        #expect(parsed.isRevoked(serialNumberHex: "a"))
        #expect(!parsed.isRevoked(serialNumberHex: otherLeaf.serialNumberHex))
    }

    @Test func signatureIsCheckedAgainstTheIssuer() throws {
        let ca = try TestCA()
        let other = try TestCA(name: "Other Root", algorithm: .ed25519)
        let list = try ca.revocationList()
        #expect(list.isSigned(by: ca.certificate))
        #expect(!list.isSigned(by: other.certificate))
        // Signing with a key that is not the issuer's is refused.
        #expect(throws: CryptoError.self) {
            try CertificateRevocationList.issue(
                issuer: ca.certificate, issuerKey: other.key, revoked: [], thisUpdate: Date(),
                nextUpdate: Date().addingTimeInterval(60), crlNumber: 1)
        }
    }

    @Test func badInputIsRefused() throws {
        let ca = try TestCA()
        let leaf = try ca.issueLeaf("twice").certificate
        #expect(throws: CryptoError.self) {
            try ca.revocationList(revoking: [leaf, leaf])
        }
        #expect(throws: CryptoError.self) {
            try ca.revocationList(validFor: -60)
        }
        #expect(throws: CryptoError.self) {
            try CertificateRevocationList(pem: ca.certificate.pemEncoded())
        }
        #expect(throws: CryptoError.self) {
            try CertificateRevocationList(pemFile: "/nonexistent/ca.crl.pem")
        }
    }
}
