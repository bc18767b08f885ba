import Foundation
import NexAudit
import NexClient
import NexCrypto
import Testing

/// Signed checkpoints reach nodes (in welcome and pushed), verify with the audit certificate, and a
/// node's witness catches a truncation of the log behind it.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CheckpointWitnessTests {
    @Test func nodesReceiveSignedCheckpointsAndTheirWitnessCatchesATruncation() throws {
        let nexd = try TestDaemon { $0.audit.checkpointEveryRecords = 4 }
        defer { nexd.remove() }
        let auditCertificate = try #require(try Certificate.certificates(pemFile: nexd.pki.auditCertificatePath).first)
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        var pushed: [SignedCheckpoint] = []
        subscriber.onCheckpoint = { bytes in
            if let checkpoint = try? SignedCheckpoint(parsing: bytes) { pushed.append(checkpoint) }
        }
        _ = try subscriber.subscribe("notice.>", id: 1)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        for _ in 0..<6 { _ = try publisher.publish(try signedNotice(from: gs)) }
        for _ in 0..<6 { _ = try subscriber.nextDelivery(timeout: .seconds(5)) }
        // Read on until a checkpoint covering the publishes has arrived.
        let deadline = ContinuousClock.now + .seconds(5)
        while (pushed.last?.treeSize ?? 0) < 12, ContinuousClock.now < deadline {
            _ = try? subscriber.nextFrame(timeout: .milliseconds(100))
        }
        let witness = try #require(pushed.last)
        #expect(witness.isValid(signedBy: auditCertificate))
        #expect(pushed.allSatisfy { $0.isValid(signedBy: auditCertificate) })
        #expect(zip(pushed, pushed.dropFirst()).allSatisfy { $0.treeSize < $1.treeSize })

        // A later node is welcomed with the latest checkpoint.
        let (late, _) = try nexd.connect(as: "ncb.ug.kampala")
        let welcomed = try SignedCheckpoint(parsing: try #require(late.latestCheckpoint))
        #expect(welcomed.treeSize >= witness.treeSize)
        late.close()
        subscriber.close()
        publisher.close()
        nexd.stop()

        var options = AuditVerifier.Options()
        options.auditCertificate = auditCertificate
        options.witnesses = [("bcp.rw.rusumo's witness", witness)]
        let intact = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(intact.problem == nil, "\(String(describing: intact.problem))")
        #expect(intact.foundNoProblem)

        // Cut the log at a record boundary behind the witness (and drop nexd's own checkpoint file):
        // the chain alone cannot see it, the witness can.
        let segment = nexd.auditDirectory + "/" + (try AuditSegments.list(in: nexd.auditDirectory)[0])
        let lines = try String(contentsOfFile: segment, encoding: .utf8).split(separator: "\n")
        let keep = Int(witness.treeSize) - 2
        try Data((lines.prefix(keep).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: segment))
        try? FileManager.default.removeItem(atPath: nexd.auditDirectory + "/checkpoint.json")
        var chainOnly = AuditVerifier.Options()
        chainOnly.auditCertificate = auditCertificate
        #expect(try AuditVerifier.verify(directory: nexd.auditDirectory, options: chainOnly).problem == nil)
        let truncated = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        let problem = try #require(truncated.problem)
        #expect(problem.description.contains("witness"), "\(problem)")
    }

    @Test func onlyClientsThatAskReceivePushedCheckpoints() throws {
        let nexd = try TestDaemon { $0.audit.checkpointEveryRecords = 2 }
        defer { nexd.remove() }
        let node = try nexd.credentials("ncb.ug.kampala")
        let context = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [nexd.pki.ca])
        let silent = try NexConnection(host: "127.0.0.1", port: nexd.port, context: context, acceptsCheckpoints: false)
        let asking = try nexd.connect(node)
        var silentCount = 0, askingCount = 0
        silent.onCheckpoint = { _ in silentCount += 1 }
        asking.onCheckpoint = { _ in askingCount += 1 }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        for _ in 0..<4 { _ = try publisher.publish(try signedNotice(from: gs)) }
        let deadline = ContinuousClock.now + .seconds(3)
        while askingCount == 0, ContinuousClock.now < deadline { _ = try? asking.nextFrame(timeout: .milliseconds(100)) }
        _ = try? silent.nextFrame(timeout: .milliseconds(300))
        #expect(askingCount > 0)
        #expect(silentCount == 0)
    }

    @Test func aWitnessIsNeverReplacedByACheckpointThatDoesNotExtendIt() throws {
        let pki = try TestPKI(directory: FileManager.default.temporaryDirectory.appendingPathComponent("nex-witness-\(UUID().uuidString)").path)
        defer { try? FileManager.default.removeItem(atPath: pki.directory) }
        let key = try PrivateKey(pemFile: pki.auditKeyPath)
        let certificate = try #require(try Certificate.certificates(pemFile: pki.auditCertificatePath).first)
        let signer = CheckpointSigner(key: key, certificate: certificate)
        func checkpoint(_ size: UInt64, _ rootByte: UInt8) throws -> [UInt8] {
            try signer.sign(size: size, root: SHA256Digest(bytes: [UInt8](repeating: rootByte, count: 32))!, timeMillis: 1).encoded()
        }
        let path = pki.directory + "/witness.json"
        var warnings: [String] = []
        let keeper = try WitnessKeeper(path: path, auditCertificatePath: pki.auditCertificatePath) { warnings.append($0) }
        keeper.offer(try checkpoint(10, 1))
        keeper.offer(try checkpoint(12, 2))
        #expect(keeper.witness?.treeSize == 12)
        keeper.offer(try checkpoint(12, 3))   // same size, another root: a second history
        keeper.offer(try checkpoint(5, 4))    // a smaller tree: the log went back
        #expect(keeper.witness?.treeSize == 12)
        #expect(keeper.witness?.rootHash.bytes.first == 2)
        #expect(warnings.filter { $0.hasPrefix("ALERT") }.count == 2)
        #expect(FileManager.default.fileExists(atPath: path + ".conflict-12"))
        #expect(FileManager.default.fileExists(atPath: path + ".conflict-5"))
        // A forged checkpoint (signed by another key) is ignored.
        let forger = CheckpointSigner(key: try PrivateKey.generate(.ecdsaP256SHA256), certificate: certificate)
        keeper.offer(try forger.sign(size: 99, root: SHA256Digest(bytes: [UInt8](repeating: 9, count: 32))!, timeMillis: 1).encoded())
        #expect(keeper.witness?.treeSize == 12)
        // The file holds the kept witness.
        let reread = try WitnessKeeper(path: path, auditCertificatePath: pki.auditCertificatePath) { _ in }
        #expect(reread.witness?.treeSize == 12)
    }

    @Test func aClientRefusesAServerCertificateForAnotherName() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let node = try nexd.credentials("gs.fr.lyon")
        let wrongName = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [nexd.pki.ca],
                                              serverName: "nexd.other.example")
        #expect(throws: ClientError.self) {
            _ = try NexConnection(host: "127.0.0.1", port: nexd.port, context: wrongName, timeout: .seconds(5))
        }
        let rightName = try TLSContext.client(certificate: node.certificate, key: node.key, trustRoots: [nexd.pki.ca],
                                              serverName: "127.0.0.1")
        #expect(try NexConnection(host: "127.0.0.1", port: nexd.port, context: rightName, timeout: .seconds(5)).welcome.nodeID == "gs.fr.lyon")
    }
}
