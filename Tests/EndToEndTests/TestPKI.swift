import Foundation
import NexClient
import NexCrypto

/// A throwaway PKI for one test: a CA, nexd's certificate, good node certificates and a matrix of
/// bad ones. Every key is generated in process (fast, no `openssl` command).
final class TestPKI: @unchecked Sendable {
    let directory: String
    let caKey: PrivateKey
    let ca: Certificate
    private let now = Date()

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        caKey = try PrivateKey.generate(.ecdsaP256SHA256)
        ca = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "Test CA", notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               isCertificateAuthority: true),
            key: caKey)
        try write(ca.pemEncoded(), "ca.pem")
        let serverKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let server = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd", notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               extendedKeyUsage: .serverAuth, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]),
            for: serverKey.publicKey, issuer: ca, issuerKey: caKey)
        try write(server.pemEncoded(), "nexd.pem")
        try write(serverKey.pemEncoded(), "nexd.key")
        let auditKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let audit = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit", notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               extendedKeyUsage: .timeStamping),
            for: auditKey.publicKey, issuer: ca, issuerKey: caKey)
        try write(audit.pemEncoded(), "audit.pem")
        try write(auditKey.pemEncoded(), "audit.key")
    }

    var revocationListPath: String { directory + "/ca.crl.pem" }
    private var revocationListNumber: UInt64 = 0

    /// Writes the CA's revocation list (``revocationListPath``) listing `revoked`; `withoutNextUpdate`
    /// omits the next-update date (a list nexd must refuse).
    func writeRevocationList(revoking revoked: [Certificate] = [], nextUpdate: Date? = nil, withoutNextUpdate: Bool = false) throws {
        revocationListNumber += 1
        let list = try CertificateRevocationList.issue(
            issuer: ca, issuerKey: caKey,
            revoked: revoked.map { RevokedCertificate(serialNumberHex: $0.serialNumberHex, revocationDate: Date() - 60) },
            thisUpdate: min(Date() - 60, (nextUpdate ?? .distantFuture) - 60),
            nextUpdate: withoutNextUpdate ? nil : nextUpdate ?? Date() + 86_400,
            crlNumber: revocationListNumber)
        try write(list.pemEncoded(), "ca.crl.pem")
    }

    /// Writes `ca.crl.pem` without a CRL number (a v1 list, as `openssl ca -gencrl` writes one
    /// when no `crlnumber` file is configured; ``CertificateRevocationList`` always numbers).
    func writeRevocationListWithoutNumber() throws {
        let work = directory + "/openssl-ca"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try caKey.pemEncoded().write(toFile: work + "/ca.key", atomically: true, encoding: .utf8)
        try "".write(toFile: work + "/index.txt", atomically: true, encoding: .utf8)
        try "[ca]\ndefault_ca = d\n[d]\ndatabase = \(work)/index.txt\ndefault_md = sha256\ndefault_crl_days = 1\n"
            .write(toFile: work + "/ca.cnf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "ca", "-gencrl", "-config", work + "/ca.cnf", "-keyfile", work + "/ca.key",
                             "-cert", caPath, "-out", directory + "/ca.crl.pem"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    var auditCertificatePath: String { directory + "/audit.pem" }
    var auditKeyPath: String { directory + "/audit.key" }

    var caPath: String { directory + "/ca.pem" }
    var serverCertificatePath: String { directory + "/nexd.pem" }
    var serverKeyPath: String { directory + "/nexd.key" }

    private func write(_ text: String, _ name: String) throws {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        if name.hasSuffix(".key") {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }

    /// Credentials for `commonName`, issued by this CA unless `issuer` is given.
    func credentials(
        _ commonName: String, algorithm: SignatureAlgorithm = .ecdsaP256SHA256,
        usage: ExtendedKeyUsage? = .clientAuth, validity: ClosedRange<Date>? = nil,
        issuer: (Certificate, PrivateKey)? = nil
    ) throws -> NodeCredentials {
        let key = try PrivateKey.generate(algorithm)
        let profile = CertificateProfile(
            subjectCommonName: commonName, validity: validity ?? (now - 3600)...(now + 86_400), extendedKeyUsage: usage)
        let (issuerCertificate, issuerKey) = issuer ?? (ca, caKey)
        let certificate = try CertificateIssuer.issue(profile, for: key.publicKey, issuer: issuerCertificate, issuerKey: issuerKey)
        return NodeCredentials(certificate: certificate, key: key, trustRoots: [ca])
    }

    /// An intermediate CA issued by this CA.
    func intermediateCA(subject: String = "Test Intermediate") throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: subject, notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               isCertificateAuthority: true),
            for: key.publicKey, issuer: ca, issuerKey: caKey)
        return (certificate, key)
    }

    /// A second, unrelated CA (optionally with the same subject as the real one).
    func otherCA(subject: String = "Other Root") throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: subject, notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               isCertificateAuthority: true),
            key: key)
        return (certificate, key)
    }
}
