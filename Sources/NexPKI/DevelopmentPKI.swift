import Foundation
import NexCrypto

/// The development PKI: a CA, nexd's server certificate, the audit signing key and one client
/// certificate per roster node, as unencrypted PEM files (keys 0600) under one directory.
///
/// Layout (every path relative to ``directory``):
/// `ca.pem` `ca.key` · `nexd.pem` `nexd.key` (serverAuth; SAN localhost, 127.0.0.1, ::1) ·
/// `audit.pem` `audit.key` (signs audit checkpoints) · `nodes/<id>.pem` `nodes/<id>.key` (clientAuth) ·
/// `ca.crl.pem` (the CA's revocation list, published even when empty) · `ca.crl.issued` (what the
/// newest list held, to re-publish a lost one: ``IssuedList``).
/// For development and tests only: a real deployment uses its own CA.
///
/// Revocation and re-issue: ``revoke(nodeID:validityDays:)``, ``issue(nodeID:algorithm:validityDays:)``,
/// ``refreshCRL(validityDays:)``, ``list()``.
public struct DevelopmentPKI: Sendable {
    /// The directory holding the files.
    public let directory: String

    /// A PKI rooted at `directory` (nothing is read or written yet).
    public init(directory: String) {
        self.directory = directory
    }

    public var caCertificatePath: String { directory + "/ca.pem" }
    public var caKeyPath: String { directory + "/ca.key" }
    public var serverCertificatePath: String { directory + "/nexd.pem" }
    public var serverKeyPath: String { directory + "/nexd.key" }
    public var auditCertificatePath: String { directory + "/audit.pem" }
    public var auditKeyPath: String { directory + "/audit.key" }
    /// The CA's certificate revocation list (PEM).
    public var crlPath: String { directory + "/ca.crl.pem" }
    /// The directory of the node certificates and keys.
    public var nodesDirectory: String { directory + "/nodes" }
    /// Certificate of node `id`.
    public func nodeCertificatePath(_ id: String) -> String { directory + "/nodes/\(id).pem" }
    /// Private key of node `id`.
    public func nodeKeyPath(_ id: String) -> String { directory + "/nodes/\(id).key" }

    /// Whether the CA and the server identity exist.
    public var exists: Bool {
        [caCertificatePath, caKeyPath, serverCertificatePath, serverKeyPath].allSatisfy {
            FileManager.default.fileExists(atPath: $0)
        }
    }

    /// What ``create(nodeIDs:algorithm:validityDays:)`` wrote.
    public struct Summary: Sendable {
        /// Files written, in order.
        public var writtenFiles: [String] = []
        /// Nodes whose certificates already existed and were kept.
        public var keptNodes: [String] = []
    }

    /// Creates the CA and server/audit identities when missing, then a certificate for every node
    /// that lacks one, and an empty revocation list (number 1, next update in
    /// ``revocationListValidityDays`` days) with a new CA. Existing files are never overwritten, and
    /// an existing CA is never replaced nor its revocation list re-created: either would un-revoke
    /// certificates, so half a CA (`ca.pem` without `ca.key` or the reverse) or a CA without its
    /// `ca.crl.pem` is an error, raised before anything is written.
    /// - Throws: ``CryptoError`` on issuance failure, ``PKIError`` for half a CA, a missing list
    ///   beside a CA, or a file that cannot be written.
    /// `progress` is called after each node, with how many of `nodeIDs` are done (issued or kept).
    @discardableResult
    public func create(nodeIDs: [String], algorithm: SignatureAlgorithm = .ecdsaP256SHA256, validityDays: Int = 825,
                       progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> Summary {
        try checkAuthorityIsWhole()
        var summary = Summary()
        try makeDirectory(directory)
        try makeDirectory(directory + "/nodes")
        let now = Date()
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(Double(validityDays) * 86_400)
        let caKey: PrivateKey
        let caCertificate: Certificate
        if FileManager.default.fileExists(atPath: caCertificatePath), FileManager.default.fileExists(atPath: caKeyPath) {
            caKey = try PrivateKey(pemFile: caKeyPath)
            guard let loaded = try Certificate.certificates(pemFile: caCertificatePath).first else {
                throw PKIError("\(caCertificatePath) holds no certificate")
            }
            caCertificate = loaded
        } else {
            caKey = try PrivateKey.generate(algorithm)
            caCertificate = try CertificateIssuer.selfSigned(
                CertificateProfile(subjectCommonName: "NoticeExchange Development CA", organization: "NoticeExchange development (not for production)",
                                   notValidBefore: notBefore, notValidAfter: notAfter, isCertificateAuthority: true),
                key: caKey)
            try write(caKey.pemEncoded(), to: caKeyPath, secret: true, summary: &summary)
            try write(caCertificate.pemEncoded(), to: caCertificatePath, secret: false, summary: &summary)
        }
        func issue(_ commonName: String, usage: ExtendedKeyUsage?, dns: [String] = [], ips: [String] = [],
                   certificatePath: String, keyPath: String) throws {
            let (key, certificate) = try issueLeaf(
                commonName, usage: usage, dns: dns, ips: ips, validity: notBefore...notAfter, algorithm: algorithm,
                authority: (caCertificate, caKey))
            try write(key.pemEncoded(), to: keyPath, secret: true, summary: &summary)
            try write(certificate.pemEncoded(), to: certificatePath, secret: false, summary: &summary)
        }
        if summary.writtenFiles.contains(caCertificatePath) {
            let list = try signRevocationList(revoked: [], number: 1, validityDays: Self.revocationListValidityDays,
                                              authority: (caCertificate, caKey))
            try write(list.pemEncoded(), to: crlPath, secret: false, summary: &summary)
            try write(IssuedList(list, authority: caCertificate).text, to: issuedListPath, secret: false, summary: &summary)
        }
        if !FileManager.default.fileExists(atPath: serverCertificatePath) {
            try issue("nexd", usage: .serverAuth, dns: ["localhost"], ips: ["127.0.0.1", "::1"],
                      certificatePath: serverCertificatePath, keyPath: serverKeyPath)
        }
        if !FileManager.default.fileExists(atPath: auditCertificatePath) {
            // timeStamping: a checkpoint is a signed statement of the log at a time. Never serverAuth
            // or clientAuth, so the audit identity cannot pose as nexd or as a node.
            try issue("nexd-audit", usage: .timeStamping, certificatePath: auditCertificatePath, keyPath: auditKeyPath)
        }
        for (index, id) in nodeIDs.enumerated() {
            defer { progress?(index + 1, nodeIDs.count) }
            if FileManager.default.fileExists(atPath: nodeCertificatePath(id)) {
                summary.keptNodes.append(id)
                continue
            }
            try issue(id, usage: .clientAuth, certificatePath: nodeCertificatePath(id), keyPath: nodeKeyPath(id))
        }
        return summary
    }

    /// A fresh key and a certificate for it signed by `authority`, in the development profile
    /// (organisation "NoticeExchange development (not for production)").
    func issueLeaf(
        _ commonName: String, usage: ExtendedKeyUsage?, dns: [String] = [], ips: [String] = [],
        validity: ClosedRange<Date>, algorithm: SignatureAlgorithm, authority: Authority
    ) throws -> (key: PrivateKey, certificate: Certificate) {
        let key = try PrivateKey.generate(algorithm)
        let certificate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: commonName, organization: "NoticeExchange development (not for production)",
                               validity: validity, extendedKeyUsage: usage, dnsNames: dns, ipAddresses: ips),
            for: key.publicKey, issuer: authority.certificate, issuerKey: authority.key)
        return (key, certificate)
    }

    private func makeDirectory(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }

    private func write(_ text: String, to path: String, secret: Bool, summary: inout Summary) throws {
        try Self.writeAtomically(text, to: path, mode: secret ? 0o600 : 0o644)
        summary.writtenFiles.append(path)
    }
}
