import Foundation
import NexCrypto
import NexWire
import NexSync
import Testing
@testable import NexAudit

@Suite struct CheckpointTests {
    @Test(arguments: [SignatureAlgorithm.ecdsaP256SHA256, .ed25519])
    func signedCheckpointsRoundTripAndVerify(algorithm: SignatureAlgorithm) throws {
        let signer = try AuditTestSupport.signer(algorithm)
        let checkpoint = try signer.sign(size: 42, root: SHA256.hash(Array("root".utf8)), timeMillis: 1_795_910_339_123)
        #expect(checkpoint.isValid(signedBy: signer.certificate))
        #expect(try SignedCheckpoint(parsing: checkpoint.encoded()) == checkpoint)
        #expect(try SignedCheckpoint(jsonText: checkpoint.jsonText()) == checkpoint)
        let other = try AuditTestSupport.signer(algorithm)
        #expect(!checkpoint.isValid(signedBy: other.certificate))
        let larger = SignedCheckpoint(treeSize: 43, rootHash: checkpoint.rootHash, timeMillis: checkpoint.timeMillis,
                                      certificateFingerprint: checkpoint.certificateFingerprint, signature: checkpoint.signature)
        #expect(!larger.isValid(signedBy: signer.certificate))
    }

    @Test func checkpointSigningBytesHaveTheirOwnDomain() {
        let bytes = SignedCheckpoint.signingBytes(treeSize: 1, rootHash: MerkleHash.emptyRoot, timeMillis: 0)
        #expect(bytes.starts(with: Array("NoticeExchange\u{0}v1\u{0}checkpoint".utf8)))
        // The envelope domain is "NoticeExchange\0v1\0env": the two can never be confused.
        #expect(!bytes.starts(with: Envelope.signingDomain + Array("env".utf8)))
        #expect(bytes.count == 28 + 8 + 32 + 8)
    }

    @Test(arguments: [[UInt8](), [2] + [UInt8](repeating: 0, count: 90), [1] + [UInt8](repeating: 0, count: 81) + [0, 5]])
    func malformedEncodingsAreRefused(bytes: [UInt8]) {
        #expect(throws: AuditError.self) { try SignedCheckpoint(parsing: bytes) }
    }

    @Test func theLogCheckpointsEveryNRecordsAndAtClose() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let signer = try AuditTestSupport.signer()
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = signer
        configuration.checkpointEveryRecords = 4
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let seen = Locked<[SignedCheckpoint]>([])
        log.onCheckpoint { checkpoint in seen.withLock { $0.append(checkpoint) } }
        for index in 1...10 { log.append([AuditTestSupport.subscribeEvent(index)]); log.flush() }
        log.close()
        let lines = try AuditTestSupport.lines(in: temp.path)
        let checkpointLines = lines.enumerated().filter { $0.element.text.contains(#""event":"checkpoint""#) }
        // 4 records, checkpoint (5), 4 records (6…9), checkpoint (10), 2 records, checkpoint at close.
        #expect(checkpointLines.map { $0.offset + 1 } == [5, 10, 13])
        let checkpoints = seen.withLock { $0 }
        #expect(checkpoints.map(\.treeSize) == [4, 9, 12])
        #expect(log.latestCheckpoint == checkpoints.last)
        let leaves = lines.map { MerkleHash.leaf(Array($0.text.utf8)) }
        for checkpoint in checkpoints {
            #expect(checkpoint.rootHash == MerkleHash.root(of: leaves.prefix(Int(checkpoint.treeSize))))
            #expect(checkpoint.isValid(signedBy: signer.certificate))
        }
        #expect(try AuditCheckpointFile.read(directory: temp.path) == checkpoints.last)
        var options = AuditVerifier.Options()
        options.auditCertificate = signer.certificate
        let result = try AuditVerifier.verify(directory: temp.path, options: options)
        #expect(result.foundNoProblem)
        #expect(result.checkpointCount == 3)
        #expect(result.treeSize == 13)
    }

    @Test func aQuietLogIsCheckpointedAfterTheInterval() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = try AuditTestSupport.signer()
        configuration.checkpointInterval = .milliseconds(100)
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        log.append([AuditTestSupport.subscribeEvent(1)])
        var waited = 0
        while log.latestCheckpoint == nil, waited < 50 { Thread.sleep(forTimeInterval: 0.05); waited += 1 }
        #expect(log.latestCheckpoint?.treeSize == 1)
        log.close()
    }

    @Test func reopeningResumesTheTreeFromTheLastCheckpoint() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let signer = try AuditTestSupport.signer()
        try AuditTestSupport.makeLog(in: temp.path, count: 7, every: 3, signer: signer)
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = signer
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let before = try #require(log.latestCheckpoint)
        log.append([AuditTestSupport.subscribeEvent(8)])
        log.writeCheckpointNow()
        let after = try #require(log.latestCheckpoint)
        log.close()
        #expect(after.treeSize == before.treeSize + 2)
        let leaves = try AuditTestSupport.lines(in: temp.path).map { MerkleHash.leaf(Array($0.text.utf8)) }
        #expect(after.rootHash == MerkleHash.root(of: leaves.prefix(Int(after.treeSize))))
        let proof = MerkleProof.consistency(oldSize: Int(before.treeSize), leaves: leaves.prefix(Int(after.treeSize)))
        #expect(MerkleVerifier.isValidConsistency(oldSize: before.treeSize, oldRoot: before.rootHash, newSize: after.treeSize,
                                                  newRoot: after.rootHash, proof: proof))
    }

    @Test func theTreeContinuesAcrossRotatedSegments() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let signer = try AuditTestSupport.signer()
        try AuditTestSupport.makeLog(in: temp.path, count: 60, every: 7, signer: signer, segmentBytes: 2048)
        var options = AuditVerifier.Options()
        options.auditCertificate = signer.certificate
        let result = try AuditVerifier.verify(directory: temp.path, options: options)
        #expect(result.foundNoProblem)
        #expect(result.segmentCount > 3)
        #expect(result.checkpointCount >= 8)
        #expect(result.lastCheckpoint?.treeSize == result.treeSize - 1)
    }
}
