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
        /// nil: intact; else words of the problem.
        let problem: String?
        var testDescription: String { "\(kind) signed by \(signedByAuditKey ? "the audit key" : "a node") → \(problem ?? "intact")" }
    }

    static let cases = [
        Case(kind: "expire", signedByAuditKey: true, problem: nil),
        Case(kind: "expire", signedByAuditKey: false, problem: "only nexd's audit key signs expire messages"),
        Case(kind: "red", signedByAuditKey: true, problem: "nexd's audit key signs only expire messages"),
    ]

    @Test(arguments: cases)
    func bothVerifiers(_ test: Case) throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try pki.openLog(temp.path + "/audit")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        log.append([AuditEvent(.start, timeMillis: now)])
        log.append(test.signedByAuditKey
            ? try AuditVerdictTestPKI.notice(from: "nexd-audit", certificate: pki.signer.certificate, key: pki.signer.key, at: now + 1, kind: test.kind)
            : try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: pki.node, key: pki.nodeKey, at: now + 1, kind: test.kind))
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
