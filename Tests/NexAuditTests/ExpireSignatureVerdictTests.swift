import Foundation
import NexCrypto
import Testing
@testable import NexAudit

/// Only nexd's audit key signs an `expire`, and it signs nothing else (D61): both verifiers call
/// a log intact only then.
@Suite struct ExpireSignatureVerdictTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let kind: String
        let signedByAuditKey: Bool
        /// Signed by a node certificate that has the timeStamping purpose besides clientAuth.
        var bothPurposes = false
        /// nil: intact; else words of the problem.
        let problem: String?
        var testDescription: String { "\(kind) signed by \(signedByAuditKey ? "the audit key" : "a node") → \(problem ?? "intact")" }
    }

    static let cases = [
        Case(kind: "expire", signedByAuditKey: true, problem: nil),
        Case(kind: "expire", signedByAuditKey: false, problem: "only nexd's audit key signs expire messages"),
        Case(kind: "red", signedByAuditKey: true, problem: "nexd's audit key signs only expire messages"),
        Case(kind: "expire", signedByAuditKey: false, bothPurposes: true, problem: "only nexd's audit key signs expire messages"),
    ]

    @Test(arguments: cases)
    func bothVerifiers(_ test: Case) throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try pki.openLog(temp.path + "/audit")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        log.append([AuditEvent(.start, timeMillis: now)])
        let both = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: AuditVerdictTestPKI.validity, extendedKeyUsage: [.clientAuth, .timeStamping]),
            for: pki.nodeKey.publicKey, issuer: pki.ca, issuerKey: pki.caKey)
        log.append(test.signedByAuditKey
            ? try AuditVerdictTestPKI.notice(from: "nexd-audit", certificate: pki.signer.certificate, key: pki.signer.key, at: now + 1, kind: test.kind)
            : try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: test.bothPurposes ? both : pki.node, key: pki.nodeKey, at: now + 1,
                                             kind: test.kind))
        log.append([AuditEvent(.stop, timeMillis: now + 2)])
        log.close()

        let result = try pki.verify(temp.path + "/audit")
        if let expected = test.problem {
            #expect(result.problem?.reason.contains(expected) == true, "\(String(describing: result.problem))")
        } else {
            #expect(result.problem == nil, "\(String(describing: result.problem))")
        }
        guard PythonVerifierTests.python != nil else { return }
        try pki.ca.pemEncoded().write(toFile: temp.path + "/ca.pem", atomically: true, encoding: .utf8)
        try pki.signer.certificate.pemEncoded().write(toFile: temp.path + "/audit.pem", atomically: true, encoding: .utf8)
        let (status, output) = try PythonVerifierTests.run([temp.path + "/audit", "--ca", temp.path + "/ca.pem", "--audit-cert", temp.path + "/audit.pem"])
        if let expected = test.problem {
            #expect(status == 1 && output.contains(expected), "\(output)")
        } else {
            #expect(status == 0 && output.contains("INTACT"), "\(output)")
        }
    }
}

extension ExpireSignatureVerdictTests {
    /// A log of one `expire` signed with `signer` (key and certificate).
    func writeExpire(to directory: String, pki: AuditVerdictTestPKI, signedWith key: PrivateKey, certificate: Certificate) throws {
        let log = try pki.openLog(directory)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        log.append([AuditEvent(.start, timeMillis: now)])
        log.append(try AuditVerdictTestPKI.notice(from: "nexd-audit", certificate: certificate, key: key, at: now + 1, kind: "expire"))
        log.append([AuditEvent(.stop, timeMillis: now + 2)])
        log.close()
    }

    @Test func anExpireSignerMustBeAGivenAuditCertificate() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        // Another audit certificate of the same CA (another deployment's, say), not given.
        let otherKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let other = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: AuditVerdictTestPKI.validity, extendedKeyUsage: .timeStamping),
            for: otherKey.publicKey, issuer: pki.ca, issuerKey: pki.caKey)
        try writeExpire(to: temp.path + "/audit", pki: pki, signedWith: otherKey, certificate: other)
        let result = try pki.verify(temp.path + "/audit")
        #expect(result.problem?.reason.contains("not a given audit certificate") == true, "\(String(describing: result.problem))")
        guard PythonVerifierTests.python != nil else { return }
        try pki.ca.pemEncoded().write(toFile: temp.path + "/ca.pem", atomically: true, encoding: .utf8)
        try pki.signer.certificate.pemEncoded().write(toFile: temp.path + "/audit.pem", atomically: true, encoding: .utf8)
        let (status, output) = try PythonVerifierTests.run([temp.path + "/audit", "--ca", temp.path + "/ca.pem", "--audit-cert", temp.path + "/audit.pem"])
        #expect(status == 1 && output.contains("not a given audit certificate"), "\(output)")
    }

    @Test func anAuditCertificateAsOriginatorIsFormat5Content() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try writeExpire(to: temp.path, pki: pki, signedWith: pki.signer.key, certificate: pki.signer.certificate)
        var lines = try AuditTestSupport.lines(in: temp.path)
        lines[0].text = lines[0].text.replacingOccurrences(of: #""format":6,"#, with: #""format":4,"#)
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let result = try pki.verify(temp.path)
        #expect(result.problem?.reason.contains("audit format 5 content") == true, "\(String(describing: result.problem))")
        #expect(result.problem?.sequence == 2, "\(String(describing: result.problem))")
    }
}
