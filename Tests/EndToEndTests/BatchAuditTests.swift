import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// The audit log of batch-signed notices over real mTLS (format 6, D74): the batch's signature
/// recorded once, each notice with its proof; a batched notice that waited in a durable inbox is
/// sent whole after a restart and re-verifies at the border post; `nex audit trace`'s check.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct BatchAuditTests {
    @Test func theLogRecordsEachBatchSignatureOnceAndTraceReVerifiesANotice() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
        defer { nexd.remove() }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try BatchSignatureTests.connectBatching(nexd, gs)
        let first = try BatchSignatureTests.batch(4, from: gs)
        let second = try BatchSignatureTests.batch(3, from: gs)
        var accepted: [UInt64] = []
        for notice in first + second {
            guard case .accepted(let ack) = try publisher.publish(notice) else { Issue.record("refused"); return }
            accepted.append(ack.auditSequence)
        }
        publisher.close()
        nexd.stop()
        let records = try nexd.auditRecords()
        let batches = records.filter { $0.event == "batch" }
        #expect(batches.count == 2)
        // Each directly before its batch's first notice, with that batch's root signature.
        for (batch, notices, sequence) in [(batches[0], first, accepted[0]), (batches[1], second, accepted[4])] {
            #expect(batch.sequence == sequence - 1)
            #expect(batch.string("node") == "gs.fr.lyon" && batch.integer("size") == Int64(notices.count))
            #expect(batch.base64("signature") == (try notices[0].batchSeal())?.rootSignature)
        }
        let publishes = records.filter { $0.event == "publish" && $0.string("outcome") == "accepted" }
        #expect(publishes.count == 7)
        for (record, notice) in zip(publishes, first + second) {
            let stored = try SignedEnvelope(parsing: try #require(record.base64("envelope")))
            #expect(stored.body == notice.body)
            #expect(try BatchSeal(parsing: stored.signature, allowsEmptyRootSignature: true).rootSignature.isEmpty)
        }
        var options = AuditVerifier.Options()
        options.auditCertificate = try Certificate.certificates(pemFile: nexd.pki.auditCertificatePath).first
        options.certificateAuthorities = [nexd.pki.ca]
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(verification.foundNoProblem, "\(verification)")
        #expect(verification.verifiedSignatures == 7)
        if PythonVerifier.python != nil {
            let (status, output) = try PythonVerifier.run([nexd.auditDirectory, "--ca", nexd.pki.caPath, "--audit-cert", nexd.pki.auditCertificatePath])
            #expect(status == 0, "\(output)")
        }
        // A review of one notice finds its batch record and re-verifies the signature there.
        let index = AuditIndex(directory: nexd.auditDirectory, indexDirectory: nexd.auditDirectory + "-index")
        let id = second[2].envelope.messageID.description
        let trace = AuditTrace(messageID: id, records: try index.records(message: id), certificate: index.certificateRecord(fingerprint:),
                               batchRecords: index.batchRecords(root:))
        #expect(trace.signatureCheck?.hasPrefix("valid") == true, "\(trace.signatureCheck ?? "nil")")
        let blind = AuditTrace(messageID: id, records: try index.records(message: id), certificate: index.certificateRecord(fingerprint:))
        #expect(blind.signatureCheck?.contains("no batch record") == true, "\(blind.signatureCheck ?? "nil")")
    }

    @Test func aBatchedNoticeWaitingInAnInboxIsSentWholeAfterARestart() throws {
        let nexd = try TestDaemon { $0.protocolFeatures.batchSignatures = true }
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        var post = try nexd.connectDurable(busia)
        guard case .accepted = try post.subscribeDurable("notice.>", id: 1) else { Issue.record("durable subscribe refused"); return }
        post.close()
        _ = try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" }
        let gs = try nexd.credentials("gs.fr.lyon")
        let publisher = try BatchSignatureTests.connectBatching(nexd, gs)
        let notices = try BatchSignatureTests.batch(3, from: gs)
        for notice in notices {
            guard case .accepted = try publisher.publish(notice) else { Issue.record("refused"); return }
        }
        publisher.close()
        // The inbox is rebuilt from the log, whose records hold the envelopes without the root signature.
        try nexd.restart()
        post = try nexd.connectDurable(busia)
        guard case .accepted(let status) = try post.subscribeDurable("notice.>", id: 2) else { Issue.record("durable subscribe refused"); return }
        #expect(status.waiting == 3)
        for notice in notices {
            let delivery = try post.nextDelivery(timeout: .seconds(5))
            #expect(delivery.envelope == notice.wireBytes)
            let certificate = try post.fetchCertificate(fingerprint: delivery.certificateFingerprint)
            let outcome = DeliveryVerifier.verify(delivery, certificate: certificate, trustRoots: busia.trustRoots)
            #expect(outcome.isVerified, "\(outcome)")
            try post.sendReceipt(through: delivery.deliverySequence)
        }
        post.close()
    }
}
