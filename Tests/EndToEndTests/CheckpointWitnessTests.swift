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
        #expect(intact.isIntact)

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
