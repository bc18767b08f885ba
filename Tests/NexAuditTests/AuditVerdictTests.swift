import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// What exit 0 means (issue 10): the verdict vouches only for what the auditor's anchors vouch for,
/// and only for records sealed by a checkpoint. Each test builds its case without any key but the
/// ones an attacker could make himself.
@Suite struct AuditVerdictTests {
    @Test func aCleanRunIsIntactAndSealedWithTheAuditorsAnchors() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let result = try pki.verify(temp.path)
        #expect(result.verdict == .intact)
        #expect(result.verdict.exitStatus == 0)
        #expect(result.verifiedSignatures == 1)
        #expect(result.verifiedCertificates == 1)
        #expect(result.sealedThrough == result.treeSize)
        let first = try #require(try AuditTestSupport.lines(in: temp.path).first)
        #expect(first.text.contains(#""event":"start","format":6,"#))
    }

    @Test func withoutAnchorsNothingIsVouchedFor() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let noCA = try pki.verify(temp.path) { $0.certificateAuthorities = [] }
        #expect(noCA.verdict.exitStatus == 2)
        let noAudit = try pki.verify(temp.path) { $0.auditCertificates = [] }
        #expect(noAudit.verdict.exitStatus == 2)
        #expect(try AuditVerifier.verify(directory: temp.path).verdict.exitStatus == 2)
    }

    @Test func anAuditCertificateTheCADidNotIssueIsNoAnchor() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let selfMade = try AuditTestSupport.signer()
        let result = try pki.verify(temp.path) { $0.auditCertificates = [selfMade.certificate] }
        #expect(result.anchorProblem?.contains("is not issued by a given CA") == true)
        #expect(result.verdict.exitStatus == 2)
        // A node certificate the CA did issue is not an audit certificate either.
        let nodeAsAudit = try pki.verify(temp.path) { $0.auditCertificates = [pki.node] }
        #expect(nodeAsAudit.anchorProblem?.contains("timeStamping") == true)
    }

    @Test func recordsAfterTheLastCheckpointAreUnsealed() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let log = try pki.openLog(temp.path)
            log.append([AuditEvent(.start, timeMillis: Int64(Date().timeIntervalSince1970 * 1000))])
            log.writeCheckpointNow()
            log.append([AuditTestSupport.subscribeEvent(1), AuditTestSupport.subscribeEvent(2)])
            // No close: the run "crashes" with two records after its checkpoint.
            log.simulateCrash()
        }
        let result = try pki.verify(temp.path)
        #expect(result.problem == nil)
        #expect(result.verdict == .unsealed(first: 3, last: 4))
        #expect(result.verdict.exitStatus == 4)
    }

    @Test func aLogWithoutAnyCheckpointIsUnsealedEvenWhenRehashed() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        // Drop every checkpoint and nexd's checkpoint.json; renumber and re-hash the rest.
        var lines = try AuditTestSupport.lines(in: temp.path).filter { !$0.text.contains(#""event":"checkpoint""#) }
        for index in lines.indices {
            lines[index].text = lines[index].text.replacingOccurrences(
                of: #"^\{"seq":\d+,"#, with: "{\"seq\":\(index + 1),", options: .regularExpression)
        }
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        try FileManager.default.removeItem(atPath: temp.path + "/" + AuditCheckpointFile.name)
        let result = try pki.verify(temp.path)
        #expect(result.problem == nil)
        #expect(result.verdict == .unsealed(first: 1, last: UInt64(lines.count)))
    }

    @Test func aCheckpointFileWithAJunkSignatureIsTampering() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let path = temp.path + "/" + AuditCheckpointFile.name
        let original = try #require(try AuditCheckpointFile.read(directory: temp.path))
        let junk = SignedCheckpoint(treeSize: original.treeSize, rootHash: original.rootHash, timeMillis: original.timeMillis,
                                    certificateFingerprint: original.certificateFingerprint,
                                    signature: (0..<original.signature.count).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        try (junk.jsonText() + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try pki.verify(temp.path)
        #expect(result.verdict.exitStatus == 1)
        #expect(result.problem?.witness == AuditCheckpointFile.name)
    }

    @Test func aNoticeSignedWithASelfMadeCertificateIsTamperingAtItsCertificateRecord() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let log = try pki.openLog(temp.path)
            log.append([AuditEvent(.start, timeMillis: Int64(Date().timeIntervalSince1970 * 1000))])
            log.writeCheckpointNow()
            log.flush()
        }
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let selfMade = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: AuditVerdictTestPKI.validity, extendedKeyUsage: .clientAuth),
            key: key)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try AuditVerdictTestPKI.appendChained(try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: selfMade, key: key, at: now),
                                              to: temp.path)
        let result = try pki.verify(temp.path)
        let problem = try #require(result.problem)
        #expect(problem.sequence == 3)
        #expect(problem.reason.contains("is not issued by a given CA"))
        #expect(result.verdict.exitStatus == 1)
        // Without the CA check the same log only looked unsealed.
        #expect(try pki.verify(temp.path) { $0.certificateAuthorities = [] }.problem == nil)
    }

    @Test(arguments: ["another node", "expired"])
    func anOriginatorCertificateMustNameTheSenderAndBeValidThen(variant: String) throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        do {
            let log = try pki.openLog(temp.path)
            log.append([AuditEvent(.start, timeMillis: Int64(Date().timeIntervalSince1970 * 1000))])
            log.flush()
        }
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let name = variant == "another node" ? "ncb.ke.nairobi" : "gs.fr.lyon"
        let validity = variant == "expired" ? Date().addingTimeInterval(-7200)...Date().addingTimeInterval(-3600) : AuditVerdictTestPKI.validity
        let certificate = try AuditVerdictTestPKI.nodeCertificate(name, key: key, issuer: pki.ca, issuerKey: pki.caKey, validity: validity)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try AuditVerdictTestPKI.appendChained(
            try AuditVerdictTestPKI.notice(from: "gs.fr.lyon", certificate: certificate, key: key, at: now), to: temp.path)
        let problem = try #require(try pki.verify(temp.path).problem)
        #expect(problem.sequence == 3, "\(problem)")
        #expect(problem.reason.contains(variant == "expired" ? "was not valid when nexd accepted" : "not to the sender"))
    }

    @Test func aRecordAfterTheFinalCheckpointOfACleanStopIsTampering() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        let count = try AuditTestSupport.lines(in: temp.path).count
        var connect = AuditEvent(.connect, timeMillis: Int64(Date().timeIntervalSince1970 * 1000) + 10, outcome: .accepted)
        connect.node = "gs.fr.lyon"
        try AuditVerdictTestPKI.appendChained([connect], to: temp.path)
        let problem = try #require(try pki.verify(temp.path).problem)
        #expect(problem.sequence == UInt64(count + 1))
        #expect(problem.reason.contains("clean stop"))
    }

    @Test func aNewRunAfterACleanStopBeginsWithStart() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        try pki.writeCleanRun(temp.path)
        #expect(try pki.verify(temp.path).verdict == .intact)
    }

    @Test func aTimeEarlierThanThePreviousRecordsIsTampering() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        var lines = try AuditTestSupport.lines(in: temp.path)
        let target = 2
        let earlier = Timestamp.format(millis: Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000)
        lines[target].text = lines[target].text.replacingOccurrences(
            of: #""time":"[^"]+""#, with: "\"time\":\"\(earlier)\"", options: .regularExpression)
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let problem = try #require(try pki.verify(temp.path).problem)
        #expect(problem.sequence == UInt64(target + 1))
        #expect(problem.reason.contains("is earlier than the previous record's"))
    }

    @Test func theWriterNeverStampsARecordEarlierThanTheOneBefore() throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try pki.openLog(temp.path)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // A certificate record stamped after the publish that follows it (as nexd's pipeline did).
        log.append([AuditEvent(.start, timeMillis: now + 50), AuditTestSupport.subscribeEvent(1)])
        log.append([AuditEvent(.stop, timeMillis: now + 40)])
        log.close()
        var times: [Int64] = []
        try AuditReader(directory: temp.path).forEachRecord { record in
            times.append(record.timeMillis ?? 0)
            return true
        }
        #expect(times == times.sorted())
        #expect(times.count == 4)
        #expect(try pki.verify(temp.path).verdict == .intact)
    }

    @Test(arguments: [
        (#""future":1,"#, "member \"future\""),
        (#""event":"lifecycle""#, "event \"lifecycle\""),
        (#""format":7,"#, "audit format 7"),
    ])
    func contentOfANewerFormatCannotBeVerified(insert: String, expected: String) throws {
        let pki = try AuditVerdictTestPKI()
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try pki.writeCleanRun(temp.path)
        var lines = try AuditTestSupport.lines(in: temp.path)
        if insert.hasPrefix(#""event""#) {
            lines[1].text = lines[1].text.replacingOccurrences(of: #""event":"certificate""#, with: insert)
        } else if insert.hasPrefix(#""format""#) {
            lines[0].text = lines[0].text.replacingOccurrences(of: #""format":6,"#, with: insert)
        } else {
            lines[1].text = lines[1].text.replacingOccurrences(of: #""event":"certificate","#, with: #""event":"certificate","# + insert)
        }
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let result = try pki.verify(temp.path)
        let problem = try #require(result.problem)
        #expect(problem.kind == .unknownFormat)
        #expect(problem.reason.contains(expected), "\(problem)")
        #expect(result.verdict.exitStatus == 2)
    }
}
