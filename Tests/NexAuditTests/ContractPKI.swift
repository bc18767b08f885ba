import Foundation
import NexCrypto
@testable import NexAudit

/// A CA and the certificates the verifier contract (docs/AUDIT.md §Verification) wants: an audit
/// certificate (timeStamping) and originator certificates (clientAuth), each issued directly by
/// the CA, valid from an hour ago for a day. `scripts/verify_audit.py` is given its PEM files.
struct ContractPKI {
    let authorityKey: PrivateKey
    let authority: Certificate
    let signer: CheckpointSigner
    private let validity = Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400)

    init() throws {
        authorityKey = try PrivateKey.generate(.ecdsaP256SHA256)
        authority = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "NexAudit Test CA", validity: validity, isCertificateAuthority: true),
            key: authorityKey)
        let auditKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let audit = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: validity, extendedKeyUsage: .timeStamping),
            for: auditKey.publicKey, issuer: authority, issuerKey: authorityKey)
        signer = CheckpointSigner(key: auditKey, certificate: audit)
    }

    /// An originator certificate for `node`'s `key`.
    func originator(_ node: String, key: PrivateKey) throws -> Certificate {
        try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: node, validity: validity, extendedKeyUsage: .clientAuth),
            for: key.publicKey, issuer: authority, issuerKey: authorityKey)
    }

    /// Writes `ca.pem` and `audit.pem` into `directory` and returns the verifier's anchor options.
    func anchorArguments(writingTo directory: String) throws -> [String] {
        try authority.pemEncoded().write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        try signer.certificate.pemEncoded().write(toFile: directory + "/audit.pem", atomically: true, encoding: .utf8)
        return ["--ca", directory + "/ca.pem", "--audit-cert", directory + "/audit.pem"]
    }

    /// Now, in Unix milliseconds: record times that never go back relative to checkpoints (which
    /// the writer stamps with the clock).
    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
