import Foundation
import NexAudit
import NexClient
import NexCrypto
import NexServer
import NexWire
import Testing

/// Revocation over real mTLS: checked on every handshake, re-read on reload, live sessions of a
/// revoked node ended at once, and an expired list failing closed.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RevocationTests {
    @Test func aRevokedNodeIsRefusedAtTheHandshakeAndAudited() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let revoked = try nexd.credentials("bcp.ke.busia")
        try nexd.pki.writeRevocationList(revoking: [revoked.certificate])
        guard case .applied(let summary) = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        #expect(summary.contains("1 revoked"))

        #expect(throws: ClientError.self) {
            let connection = try nexd.connect(revoked)
            _ = try connection.subscribe("notice.>", id: 1)
        }
        let refusal = try #require(try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" })
        #expect(refusal.string("reason") == "certificate-revoked")
        // A new certificate for the same node (not on the list) gets in.
        let reissued = try nexd.credentials("bcp.ke.busia")
        #expect(try nexd.connect(reissued).subscribe("notice.>", id: 1) == .accepted)
    }

    @Test func revokingALiveNodeDisconnectsItAtTheReloadWhileOthersCarryOn() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        let revokedConnection = try nexd.connect(busia)
        #expect(try revokedConnection.subscribe("notice.>", id: 1) == .accepted)
        let (rusumo, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try rusumo.subscribe("notice.>", id: 1) == .accepted)

        try nexd.pki.writeRevocationList(revoking: [busia.certificate])
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        #expect(ReloadTests.awaitRefusal(revokedConnection) == .permissionDenied)
        let disconnect = try #require(try nexd.awaitRecord { $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia" })
        #expect(disconnect.string("reason") == "certificate-revoked")

        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials)
        guard case .accepted = try gs.publish(notice) else { Issue.record("refused"); return }
        #expect(try rusumo.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        #expect(throws: ClientError.self) { _ = try nexd.connect(busia).subscribe("notice.>", id: 1) }
    }

    @Test func anExpiredListRefusesEveryHandshakeUntilItIsReSigned() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-crl-\(UUID().uuidString)").path
        let pki = try TestPKI(directory: root + "/pki")
        try pki.writeRevocationList(nextUpdate: Date() - 60)
        let nexd = try TestDaemon(root: root, pki: pki)
        defer { nexd.remove() }
        #expect(throws: ClientError.self) { _ = try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) }
        let refusal = try #require(try nexd.awaitRecord { $0.event == "connect" && $0.string("outcome") == "refused" })
        #expect(refusal.string("reason") == "crl-expired")

        try pki.writeRevocationList()
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
    }

    @Test func aListSignedByAnotherCAIsRefusedAtReload() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let other = try nexd.pki.otherCA(subject: "Test CA")
        let forged = try CertificateRevocationList.issue(
            issuer: other.0, issuerKey: other.1, revoked: [], thisUpdate: Date() - 60, nextUpdate: Date() + 3600, crlNumber: 99)
        try forged.pemEncoded().write(toFile: nexd.pki.revocationListPath, atomically: true, encoding: .utf8)
        guard case .refused(let reason) = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("applied"); return }
        #expect(reason.contains("tls.crl"))
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
    }

    /// Publishes of a revoked node still in the pipeline at the reload are refused: none is
    /// accepted after the reload record (found by review).
    @Test func noPublishOfARevokedNodeIsAcceptedAfterTheReload() throws {
        let nexd = try TestDaemon { configuration in
            configuration.limits.publishRatePerNode = 1_000_000
            configuration.limits.publishBurstPerNode = 1_000_000
        }
        defer { nexd.remove() }
        let lyon = try nexd.credentials("gs.fr.lyon")
        let connection = try nexd.connect(lyon)
        let (rusumo, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try rusumo.subscribe("notice.>", id: 1) == .accepted)
        // Pipeline many publishes without waiting for ACKs, then revoke at once.
        let notices = try (0..<800).map { _ in try signedNotice(from: lyon) }
        for notice in notices { try connection.send(.publish(envelope: notice.wireBytes)) }
        try nexd.pki.writeRevocationList(revoking: [lyon.certificate])
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        _ = ReloadTests.awaitRefusal(connection)
        nexd.stop()
        let records = try nexd.auditRecords()
        let reload = try #require(records.first { $0.event == "reload" })
        let late = records.filter {
            $0.event == "publish" && $0.string("outcome") == "accepted" && $0.string("node") == "gs.fr.lyon"
                && ($0.sequence ?? 0) > (reload.sequence ?? 0)
        }
        #expect(late.count == 0, "publishes of the revoked node accepted after the reload")
        let disconnect = try #require(records.first { $0.event == "disconnect" && $0.string("node") == "gs.fr.lyon" })
        #expect(disconnect.string("reason") == "certificate-revoked")
    }

    /// An older list (lower CRL number) would silently un-revoke a node: refused (found by review).
    @Test func aReloadRefusesAnOlderRevocationList() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let older = try String(contentsOfFile: nexd.pki.revocationListPath, encoding: .utf8)   // number 1, empty
        let busia = try nexd.credentials("bcp.ke.busia")
        try nexd.pki.writeRevocationList(revoking: [busia.certificate])                      // number 2
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        try older.write(toFile: nexd.pki.revocationListPath, atomically: true, encoding: .utf8)
        guard case .refused(let reason) = nexd.daemon.reload(to: nexd.configuration) else {
            Issue.record("a rolled-back revocation list (number 1 after 2) was applied")
            return
        }
        #expect(reason.contains("older"))
        #expect(throws: ClientError.self) { _ = try nexd.connect(busia).subscribe("notice.>", id: 1) }
    }

    /// Issue 11: a newer list that lacks a revocation of the list in force (a lost list started
    /// anew) is refused at reload, naming the serial; the node stays refused.
    @Test func aReloadRefusesANewerListThatOmitsARevocation() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let busia = try nexd.credentials("bcp.ke.busia")
        try nexd.pki.writeRevocationList(revoking: [busia.certificate])                      // number 2
        guard case .applied = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("refused"); return }
        try nexd.pki.writeRevocationList()                                                   // number 3, empty
        guard case .refused(let reason) = nexd.daemon.reload(to: nexd.configuration) else {
            Issue.record("a list without busia's revocation was applied")
            return
        }
        #expect(reason.contains("(number 3) omits serial \(busia.certificate.serialNumberHex), revoked in list number 2"), "\(reason)")
        #expect(reason.contains("crl-floor"))
        #expect(throws: ClientError.self) { _ = try nexd.connect(busia).subscribe("notice.>", id: 1) }
    }

    @Test func aReloadRefusesAnExpiredRevocationList() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        try nexd.pki.writeRevocationList(nextUpdate: Date() - 60)
        guard case .refused(let reason) = nexd.daemon.reload(to: nexd.configuration) else { Issue.record("applied"); return }
        #expect(reason.contains("expired"))
        #expect(try nexd.connect(as: "gs.fr.lyon").0.subscribe("notice.>", id: 1) == .accepted)
    }
}
