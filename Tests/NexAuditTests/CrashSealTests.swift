import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// The first nexd after a crash re-verifies the records the crashed run left after its last
/// checkpoint and only then seals them (docs/AUDIT.md §Crash sealing).
@Suite struct CrashSealTests {
    /// A run that "crashes" (never closes) with `tail` records after its last checkpoint.
    private func crashedRun(_ pki: AuditVerdictTestPKI, in directory: String, tail: [AuditEvent]) throws {
        let log = try pki.openLog(directory)
        log.append([AuditEvent(.start, timeMillis: Int64(Date().timeIntervalSince1970 * 1000))])
        log.writeCheckpointNow()
        log.append(tail)
        log.simulateCrash()
    }

    @Test func theNextStartSealsWhatACrashedRunLeftWithACheckpointThatSaysSo() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try crashedRun(pki, in: temp.path, tail: try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: pki.node, key: pki.nodeKey, at: now))
        #expect(try pki.verify(temp.path).verdict == .unsealed(first: 3, last: 4))

        let reopened = try pki.openLog(temp.path)
        #expect(reopened.sealedAfterCrash?.first == 3)
        #expect(reopened.sealedAfterCrash?.last == 4)
        reopened.flush()
        let lines = try AuditTestSupport.lines(in: temp.path)
        let seal = try #require(lines.last?.text)
        #expect(seal.contains(#""event":"checkpoint","reason":"sealed-after-crash","detail":"covers records 3…4 written before a crash"#))
        #expect(seal.contains(#""size":4,"#))
        let result = try pki.verify(temp.path)
        #expect(result.verdict == .intact)
        #expect(result.crashSeals == [5])
        reopened.close()
    }

    @Test func aCleanStopLeavesNothingToSeal() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let count = try AuditTestSupport.lines(in: temp.path).count
        let reopened = try pki.openLog(temp.path)
        reopened.flush()
        #expect(reopened.sealedAfterCrash == nil)
        #expect(try AuditTestSupport.lines(in: temp.path).count == count)
        reopened.close()
    }

    @Test func aForgedTailIsNotSealedAndNexdDoesNotStart() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(pki, in: temp.path, tail: [AuditTestSupport.subscribeEvent(1)])
        // While nexd was down, someone appended a notice "from gs.fr.lyon" with a self-made certificate.
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let selfMade = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: AuditVerdictTestPKI.validity, extendedKeyUsage: .clientAuth),
            key: key)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try AuditVerdictTestPKI.appendChained(try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: selfMade, key: key, at: now),
                                              to: temp.path)
        let count = try AuditTestSupport.lines(in: temp.path).count
        #expect {
            _ = try pki.openLog(temp.path)
        } throws: { error in
            guard let error = error as? AuditError else { return false }
            return error.code == .corrupt && error.message.contains("refusing to seal") && error.message.contains("not issued by a given CA")
        }
        #expect(try AuditTestSupport.lines(in: temp.path).count == count)
    }
}
