import Foundation
@testable import NexCrypto

/// A throwaway certificate authority for tests.
struct TestCA {
    let key: PrivateKey
    let certificate: Certificate

    init(key: PrivateKey, certificate: Certificate) {
        self.key = key
        self.certificate = certificate
    }

    init(name: String = "NoticeExchange Test Root", algorithm: SignatureAlgorithm = .ecdsaP256SHA256) throws {
        key = try PrivateKey.generate(algorithm)
        let now = Date()
        certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(
                subjectCommonName: name, organization: "NoticeExchange development",
                validity: now.addingTimeInterval(-3600)...now.addingTimeInterval(86_400 * 365),
                isCertificateAuthority: true),
            key: key)
    }

    /// A fresh key and a leaf certificate for it, valid for `validity` (default: an hour ago to a day ahead).
    func issueLeaf(
        _ commonName: String,
        usage: ExtendedKeyUsage? = [.clientAuth],
        validity: ClosedRange<Date>? = nil,
        algorithm: SignatureAlgorithm = .ecdsaP256SHA256,
        dnsNames: [String] = [],
        ipAddresses: [String] = []
    ) throws -> (key: PrivateKey, certificate: Certificate) {
        let now = Date()
        let leafKey = try PrivateKey.generate(algorithm)
        let profile = CertificateProfile(
            subjectCommonName: commonName, organization: "NoticeExchange development",
            validity: validity ?? now.addingTimeInterval(-3600)...now.addingTimeInterval(86_400),
            extendedKeyUsage: usage, dnsNames: dnsNames, ipAddresses: ipAddresses)
        let certificate = try CertificateIssuer.issue(
            profile, for: leafKey.publicKey, issuer: self.certificate, issuerKey: key)
        return (leafKey, certificate)
    }
}
