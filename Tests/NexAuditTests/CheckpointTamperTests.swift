import Foundation
import NexCrypto
import Testing
@testable import NexAudit

/// Alterations only checkpoints and witnesses can catch, each reported at the exact record or witness.
@Suite struct CheckpointTamperTests {
    /// 20 records with a checkpoint after every 5 (records 6, 12, 18, and 24 at close covering 1…23).
    private func makeLog(segmentBytes: Int = 64 << 20) throws -> (TemporaryDirectory, CheckpointSigner) {
        let temp = try TemporaryDirectory()
        let signer = try AuditTestSupport.signer()
        try AuditTestSupport.makeLog(in: temp.path, count: 20, every: 5, signer: signer, segmentBytes: segmentBytes)
        return (temp, signer)
    }

    private func verify(_ directory: String, _ signer: CheckpointSigner, witnesses: [SignedCheckpoint] = [],
                        usesCheckpointFile: Bool = true) throws -> AuditVerification {
        var options = AuditVerifier.Options()
        options.auditCertificate = signer.certificate
        options.witnesses = witnesses.enumerated().map { ("witness-\($0.offset).json", $0.element) }
        options.usesCheckpointFile = usesCheckpointFile
        return try AuditVerifier.verify(directory: directory, options: options)
    }

    @Test func theTestLogIsIntact() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let result = try verify(temp.path, signer)
        #expect(result.foundNoProblem)
        #expect(result.checkpointCount == 4)
        #expect(result.witnessesChecked.count == 1)
    }

    @Test(arguments: [(3, UInt64(6), "1…5"), (8, UInt64(12), "6…11"), (14, UInt64(18), "12…17")])
    func aRewrittenRecordWithARehashedChainIsCaughtByTheNextCheckpoint(line: Int, checkpointRecord: UInt64, suspects: String) throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        var lines = try AuditTestSupport.lines(in: temp.path)
        lines[line - 1].text = lines[line - 1].text.replacingOccurrences(of: "notice.>", with: "hit.rw")
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let problem = try #require(try verify(temp.path, signer).problem)
        #expect(problem.sequence == checkpointRecord)
        #expect(problem.reason.contains("checkpoint root does not match"))
        #expect(problem.reason.contains("a record among \(suspects)"))
    }

    @Test func aForgedCheckpointIsNamed() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let forger = try AuditTestSupport.signer()
        var lines = try AuditTestSupport.lines(in: temp.path)
        // Re-sign record 12's checkpoint (same size and root) with another key, keeping the fingerprint.
        let record = try #require(AuditRecord(segment: "", line: 0, bytes: Array(lines[11].text.utf8)))
        let (original, _) = try SignedCheckpoint.fromRecord(record)
        let forged = try forger.sign(size: original.treeSize, root: original.rootHash, timeMillis: original.timeMillis)
        lines[11].text = lines[11].text.replacingOccurrences(
            of: Data(original.signature).base64EncodedString(), with: Data(forged.signature).base64EncodedString())
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        let problem = try #require(try verify(temp.path, signer).problem)
        #expect(problem.sequence == 12)
        #expect(problem.reason.contains("forged checkpoint"))
    }

    @Test func aCheckpointSignedWithAnotherCertificateIsNamed() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let other = try AuditTestSupport.signer()
        let result = try verify(temp.path, other, usesCheckpointFile: false)
        #expect(result.problem?.sequence == 6)
        #expect(result.problem?.reason.contains("not a given audit certificate") == true)
        _ = signer
    }

    @Test func truncationAtARecordBoundaryIsCaughtByNexdsCheckpointFile() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let lines = try AuditTestSupport.lines(in: temp.path)
        try AuditTestSupport.write(Array(lines.prefix(19)), to: temp.path)
        let problem = try #require(try verify(temp.path, signer).problem)
        #expect(problem.witness?.hasPrefix("checkpoint.json") == true)
        #expect(problem.sequence == 20)
        #expect(problem.reason.contains("records 20…23 were removed"))
    }

    @Test func truncationBehindAWitnessIsCaughtOnlyWithTheWitness() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let witness = try #require(try AuditCheckpointFile.read(directory: temp.path))
        let lines = try AuditTestSupport.lines(in: temp.path)
        // The attacker cuts the log after record 12's checkpoint and removes nexd's own copy.
        try AuditTestSupport.write(Array(lines.prefix(12)), to: temp.path)
        try FileManager.default.removeItem(atPath: temp.path + "/" + AuditCheckpointFile.name)
        #expect(try verify(temp.path, signer).foundNoProblem)
        let problem = try #require(try verify(temp.path, signer, witnesses: [witness]).problem)
        #expect(problem.witness == "witness-0.json")
        #expect(problem.sequence == 13)
    }

    @Test func aRewrittenTailBehindAWitnessIsNamedByTheWitness() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let witness = try #require(try AuditCheckpointFile.read(directory: temp.path))
        var lines = try AuditTestSupport.lines(in: temp.path)
        // Rewrite record 20, re-hash, drop the later checkpoints (an attacker cannot sign new ones).
        lines[19].text = lines[19].text.replacingOccurrences(of: "notice.>", with: "hit.rw")
        lines = Array(lines.prefix(23))
        try AuditTestSupport.writeRechained(lines, to: temp.path)
        try FileManager.default.removeItem(atPath: temp.path + "/" + AuditCheckpointFile.name)
        let problem = try #require(try verify(temp.path, signer, witnesses: [witness]).problem)
        #expect(problem.witness == "witness-0.json")
        #expect(problem.reason.contains("does not extend this checkpoint"))
        #expect(problem.reason.contains("a record among 18…23"))
    }

    @Test func aSegmentTruncatedAtARecordBoundaryIsNamed() throws {
        let (temp, signer) = try makeLog(segmentBytes: 1200)
        defer { temp.remove() }
        var lines = try AuditTestSupport.lines(in: temp.path)
        let firstSegment = lines[0].segment
        let lastOfFirst = try #require(lines.lastIndex { $0.segment == firstSegment })
        lines.remove(at: lastOfFirst)
        try AuditTestSupport.write(lines, to: temp.path)
        let problem = try #require(try verify(temp.path, signer).problem)
        #expect(problem.sequence == UInt64(lastOfFirst + 1))
        #expect(problem.reason.contains("where \(lastOfFirst + 1) was expected"))
    }

    @Test func aTornFinalRecordIsNotTamperingAndIsRepairedWithTheTree() throws {
        let (temp, signer) = try makeLog()
        defer { temp.remove() }
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path).last!)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":25,"time":"2026-11-2"#.utf8))
        handle.closeFile()
        let torn = try verify(temp.path, signer)
        #expect(torn.problem == nil)
        #expect(torn.tornTail?.sequence == 25)
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = signer
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        #expect(log.recovery.tornBytes == 27)
        log.close()
        let repaired = try verify(temp.path, signer)
        #expect(repaired.foundNoProblem)
        #expect(repaired.lastCheckpoint?.treeSize == 25)  // the repair record is checkpointed at close
    }
}
