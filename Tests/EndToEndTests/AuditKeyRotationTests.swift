import Foundation
import Logging
import NexAudit
import NexCrypto
import NexServer
import NexSync
import Testing

/// Rotating the audit key (issue 18, docs/OPERATIONS.md "The audit key"): with the earlier key's
/// certificate in `audit.previousCertificates`, nexd starts on the new key over a log whose
/// checkpoints and expire messages the old key signed, and an auditor with both certificates
/// finds the log INTACT; without it, nexd refuses to start rather than vouch for what it cannot check.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditKeyRotationTests {
    /// A new audit key and certificate from the test CA, written beside the old ones.
    static func newAuditIdentity(_ pki: TestPKI) throws -> (key: String, certificate: String) {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        let certificate = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit-2", notValidBefore: now - 3600, notValidAfter: now + 86_400,
                               extendedKeyUsage: .timeStamping),
            for: key.publicKey, issuer: pki.ca, issuerKey: pki.caKey)
        let keyPath = pki.directory + "/audit-2.key", certificatePath = pki.directory + "/audit-2.pem"
        try key.pemEncoded().write(toFile: keyPath, atomically: true, encoding: .utf8)
        _ = chmod(keyPath, 0o600)
        try certificate.pemEncoded().write(toFile: certificatePath, atomically: true, encoding: .utf8)
        return (keyPath, certificatePath)
    }

    @Test func nexdStartsOnANewAuditKeyWithTheEarlierCertificateAndTheLogStaysIntact() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (gs, credentials) = try nexd.connect(as: "gs.fr.lyon")
        // An expire the old key signs, and its checkpoints.
        let notice = try signedNotice(from: credentials, topic: "notice.red.rw",
                                      payload: LifecycleTests.redDocument(expiringAt: WallClock.nowMillis() + 1000))
        guard case .accepted = try gs.publish(notice) else { Issue.record("publish refused"); return }
        _ = try #require(try nexd.awaitRecord { $0.event == "publish" && $0.string("kind") == "expire" })
        gs.close()
        let oldCertificate = nexd.pki.auditCertificatePath
        let rotated = try Self.newAuditIdentity(nexd.pki)

        // Without the earlier certificate: refused, the log untouched.
        nexd.stop()
        var refused = nexd.configuration
        refused.audit.key = rotated.key
        refused.audit.certificate = rotated.certificate
        #expect(throws: DaemonError.self) {
            _ = try NexDaemon(configuration: refused, logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }

        // With it: nexd starts, takes publishes, signs with the new key.
        try nexd.restart {
            $0.audit.key = rotated.key
            $0.audit.certificate = rotated.certificate
            $0.audit.previousCertificates = oldCertificate
        }
        let (again, credentialsAgain) = try nexd.connect(as: "gs.fr.lyon")
        guard case .accepted = try again.publish(try signedNotice(from: credentialsAgain)) else { Issue.record("publish refused after the rotation"); return }
        again.close()
        nexd.stop()

        var options = AuditVerifier.Options()
        options.certificateAuthorities = [nexd.pki.ca]
        options.auditCertificates = try Certificate.certificates(pemFile: oldCertificate) + Certificate.certificates(pemFile: rotated.certificate)
        let both = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(both.verdict == .intact, "\(String(describing: both.problem))")
        #expect(both.crashSeals.isEmpty, "a clean stop before the rotation leaves nothing to seal")
        options.auditCertificates = try Certificate.certificates(pemFile: rotated.certificate)
        #expect(try AuditVerifier.verify(directory: nexd.auditDirectory, options: options).verdict != .intact,
                "the new certificate alone does not vouch for the old key's checkpoints")
    }
}
