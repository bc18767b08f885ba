import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexWire
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// When the audit log cannot be written nexd refuses what it cannot record (publishes, connects,
/// subscribes, with `audit-unavailable`), and serves again once the disk does, with the repair in
/// the log. The disk failure is injected: CI has no mount rights.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AuditFailureTests {
    private func awaitWritable(_ nexd: TestDaemon, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while nexd.daemon.auditLog.failure != nil {
            if ContinuousClock.now > deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    @Test func nexdRefusesWhatItCannotAuditAndRecoversWhenTheDiskDoes() throws {
        let nexd = try TestDaemon { $0.audit.recoveryRetry = .milliseconds(50) }
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try subscriber.subscribe("notice.>", id: 1) == .accepted)
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let (secondPublisher, ncb) = try nexd.connect(as: "ncb.rw.kigali")
        let first = try signedNotice(from: gs)
        guard case .accepted = try publisher.publish(first) else { Issue.record("refused before any fault"); return }
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == first.wireBytes)

        nexd.daemon.auditLog.injectFault(.failAfterPartialWrite(bytes: 100, errno: ENOSPC))
        // Its batch (the node's certificate and the acceptance) is torn: numbered, never durable.
        let retried = try signedNotice(from: ncb)
        guard case .refused(let nack) = try secondPublisher.publish(retried) else { Issue.record("accepted while the disk fails"); return }
        #expect(nack.code == .auditUnavailable)
        // Refused at once: the log has failed.
        let lost = try signedNotice(from: gs)
        guard case .refused(let second) = try publisher.publish(lost) else { Issue.record("accepted while the disk fails"); return }
        #expect(second.code == .auditUnavailable)
        do {
            _ = try nexd.connect(as: "ncb.ug.kampala")
            Issue.record("a connection was accepted while the audit log cannot be written")
        } catch let error as ClientError {
            #expect(error.code == .refused(.auditUnavailable))
        }
        guard case .refused(let subnack) = try subscriber.subscribe("hit.>", id: 2) else {
            Issue.record("a subscription was accepted while the audit log cannot be written")
            return
        }
        #expect(subnack.code == .auditUnavailable)

        nexd.daemon.auditLog.injectFault(nil)
        #expect(awaitWritable(nexd))
        let after = try signedNotice(from: gs)
        guard case .accepted = try publisher.publish(after) else { Issue.record("refused after recovery"); return }
        // The torn notice sent again is new to nexd, not a duplicate of a number the log lacks, and
        // its node's certificate is recorded again (verified below).
        guard case .accepted(let retriedAck) = try secondPublisher.publish(retried) else { Issue.record("retry refused"); return }
        #expect(!retriedAck.isDuplicate)
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == after.wireBytes)
        #expect(try subscriber.nextDelivery(timeout: .seconds(5)).envelope == retried.wireBytes)
        #expect(throws: ClientError.self) { try subscriber.nextDelivery(timeout: .milliseconds(300)) }
        let (late, _) = try nexd.connect(as: "ncb.ug.kampala")
        #expect(try late.subscribe("hit.>", id: 1) == .accepted)

        publisher.close()
        secondPublisher.close()
        subscriber.close()
        late.close()
        nexd.stop()
        var options = AuditVerifier.Options()
        let auditCertificates = try Certificate.certificates(pemFile: nexd.pki.auditCertificatePath)
        #expect(auditCertificates.count == 1)
        options.auditCertificate = auditCertificates.first
        let verification = try AuditVerifier.verify(directory: nexd.auditDirectory, options: options)
        #expect(verification.foundNoProblem)
        let records = try nexd.auditRecords()
        let repair = try #require(records.first { $0.event == "repair" })
        #expect(repair.string("reason") == "audit-write-failed")
        #expect(repair.string("detail")?.contains("No space left on device") == true)
        func accepted(_ notice: SignedEnvelope) -> [AuditRecord] {
            records.filter { $0.event == "publish" && $0.string("outcome") == "accepted" && $0.string("msg") == notice.envelope.messageID.description }
        }
        #expect(accepted(first).count == 1)
        #expect(accepted(after).count == 1)
        #expect(accepted(retried).count == 1)
        #expect(!records.contains { $0.string("msg") == lost.envelope.messageID.description })
        #expect(accepted(first)[0].sequence! < repair.sequence!)
        #expect(accepted(after)[0].sequence! > repair.sequence!)
    }

    /// A connect or subscribe admitted just before the disk failed (its record in the failed batch)
    /// does not survive: the session ends, or the subscription is withdrawn, with audit-unavailable.
    @Test func aSessionOrSubscriptionWhoseRecordFailedIsUndone() throws {
        let nexd = try TestDaemon { $0.audit.recoveryRetry = .seconds(30) }
        defer { nexd.remove() }
        let (subscriber, _) = try nexd.connect(as: "bcp.rw.rusumo")
        nexd.daemon.auditLog.flush()   // its connect record is durable
        // Nothing has been written since the fault: nexd still believes the log healthy and admits
        // the subscription; its record's batch then fails.
        nexd.daemon.auditLog.injectFault(.failWrites(errno: EIO))
        let outcome = try subscriber.subscribe("notice.>", id: 1)
        #expect(outcome == .accepted, "\(outcome) \(String(describing: nexd.daemon.auditLog.failure))")
        let withdrawn = try subscriber.awaitFrame(timeout: .seconds(5)) { frame -> SubscribeNack? in
            if case .subnack(let nack) = frame { return nack }
            return nil
        }
        #expect(withdrawn.subscriptionID == 1)
        #expect(withdrawn.code == .auditUnavailable)
    }

    @Test func aSessionWhoseConnectRecordFailedIsEnded() throws {
        let nexd = try TestDaemon { $0.audit.recoveryRetry = .seconds(30) }
        defer { nexd.remove() }
        nexd.daemon.auditLog.injectFault(.failWrites(errno: EIO))
        // Admitted (no write has failed yet), then ended once its connect record fails.
        do {
            let (connection, _) = try nexd.connect(as: "bcp.rw.rusumo")
            _ = try connection.awaitFrame(timeout: .seconds(5)) { _ -> Bool? in nil }
            Issue.record("the session went on without its connect record")
        } catch let error as ClientError {
            #expect(error.code == .refused(.auditUnavailable))
        }
    }
}
