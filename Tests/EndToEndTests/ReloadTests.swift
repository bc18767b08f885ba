import Foundation
import NexAudit
import NexBroker
import NexClient
import NexConfig
import NexServer
import NexWire
import Testing

/// SIGHUP reload over real mTLS: new settings apply at once to live sessions; bad ones are refused.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ReloadTests {
    /// The error frame a client receives before nexd closes its connection.
    static func awaitRefusal(_ connection: NexConnection) -> WireErrorCode? {
        do {
            while true { _ = try connection.nextFrame(timeout: .seconds(5)) }
        } catch {
            if case .refused(let code) = error.code { return code }
            return nil
        }
    }

    @Test func aNodeRemovedFromTheRosterIsDisconnectedWhileOthersCarryOn() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (removed, _) = try nexd.connect(as: "bcp.ke.busia")
        let (staying, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try staying.subscribe("notice.>", id: 1) == .accepted)

        var configuration = nexd.configuration
        configuration.roster = Roster(TestDaemon.roster.filter { $0.id != "bcp.ke.busia" })
        guard case .applied(let summary) = nexd.daemon.reload(to: configuration) else {
            Issue.record("reload refused")
            return
        }
        #expect(summary.contains("−1"))
        #expect(Self.awaitRefusal(removed) == .notInRoster)
        let disconnect = try #require(try nexd.awaitRecord {
            $0.event == "disconnect" && $0.string("node") == "bcp.ke.busia"
        })
        #expect(disconnect.string("reason") == "removed-from-roster")
        #expect(try nexd.auditRecords().contains { $0.event == "reload" && $0.string("outcome") == "accepted" })

        // The node that stays keeps receiving, and the removed one cannot come back.
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials)
        guard case .accepted = try gs.publish(notice) else { Issue.record("refused"); return }
        #expect(try staying.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
        #expect(throws: ClientError.self) {
            let again = try nexd.connect(as: "bcp.ke.busia").0
            _ = try again.subscribe("notice.>", id: 1)
        }
    }

    @Test func subscriptionsNoLongerPermittedAreWithdrawnAndOthersKept() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (border, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try border.subscribe("notice.>", id: 1) == .accepted)
        #expect(try border.subscribe("alert.>", id: 2) == .accepted)

        // Border points may now read alerts only.
        var configuration = nexd.configuration
        var roles = configuration.permissions.roles
        roles["bcp"] = ActionPermissions(publish: PermissionRules(allow: ["hit.*.%country"]), subscribe: PermissionRules(allow: ["alert.>"]))
        configuration.permissions = PermissionPolicy(roles: roles)
        guard case .applied = nexd.daemon.reload(to: configuration) else { Issue.record("reload refused"); return }

        let withdrawn = try border.awaitFrame(timeout: .seconds(5)) { frame -> SubscribeNack? in
            if case .subnack(let nack) = frame { return nack }
            return nil
        }
        #expect(withdrawn.subscriptionID == 1)
        #expect(withdrawn.code == .permissionDenied)
        let record = try #require(try nexd.awaitRecord {
            $0.event == "unsubscribe" && $0.string("node") == "bcp.rw.rusumo" && $0.string("reason") == "permission-revoked"
        })
        #expect(record.string("filter") == "notice.>")

        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials, topic: "notice.red.fr")
        let alert = try signedNotice(from: gsCredentials, topic: "alert.cyber.rw", kind: "orange")
        guard case .accepted = try gs.publish(notice), case .accepted = try gs.publish(alert) else {
            Issue.record("refused")
            return
        }
        // Only the alert arrives: the withdrawn subscription no longer routes.
        let delivery = try border.nextDelivery(timeout: .seconds(5))
        #expect(delivery.envelope == alert.wireBytes)
        #expect(delivery.subscriptionIDs == [2])
        #expect(throws: ClientError.self) { try border.nextDelivery(timeout: .milliseconds(300)) }
    }

    @Test func aBrokenConfigIsRefusedAndTheRunningOneStays() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nex-reload-\(UUID().uuidString)").path
        let nexd = try TestDaemon(root: root) { configuration in
            configuration.sourcePath = root + "/nexd.yaml"
        }
        defer { nexd.remove() }
        try "listen: { port: [not a number }\n".write(toFile: root + "/nexd.yaml", atomically: true, encoding: .utf8)
        let (border, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try border.subscribe("notice.>", id: 1) == .accepted)

        guard case .refused(let reason) = nexd.daemon.reload() else { Issue.record("a broken config was applied"); return }
        #expect(reason.contains("nexd.yaml"))
        // A config that parses but names a missing CA file is refused too.
        var missingCA = nexd.configuration
        missingCA.tls.ca = root + "/no-such-ca.pem"
        guard case .refused(let caReason) = nexd.daemon.reload(to: missingCA) else { Issue.record("applied"); return }
        #expect(caReason.contains("tls.ca"))

        let refusals = try nexd.auditRecords().filter { $0.event == "reload" }
        #expect(refusals.map { $0.string("outcome") } == ["refused", "refused"])
        #expect(refusals.allSatisfy { $0.string("reason") == "invalid-config" })
        // Still serving under the old settings.
        let (gs, gsCredentials) = try nexd.connect(as: "gs.fr.lyon")
        let notice = try signedNotice(from: gsCredentials)
        guard case .accepted = try gs.publish(notice) else { Issue.record("refused"); return }
        #expect(try border.nextDelivery(timeout: .seconds(5)).envelope == notice.wireBytes)
    }

    @Test func startupOnlySettingsKeepTheirRunningValuesAndAreNamed() throws {
        var running = DaemonConfiguration(roster: Roster(TestDaemon.roster))
        running.listen.port = 7247
        var loaded = running
        loaded.listen.port = 9000
        loaded.limits.replayWindow = .seconds(30)
        loaded.limits.maxFrameBytes = 4096
        loaded.limits.subscribesPerSecondPerNode = 1
        let (effective, differing) = NexDaemon.keepingStartupSettings(of: running, in: loaded)
        #expect(effective.listen.port == 7247)
        #expect(effective.limits.replayWindow == .seconds(120))
        #expect(effective.limits.maxFrameBytes == 4096)   // applies to new connections
        #expect(effective.limits.subscribesPerSecondPerNode == 1)   // applies at the next subscribe
        #expect(differing == ["listen", "limits.replayWindowSeconds"])
    }

    @Test func connectedNodesAreToldWhenNexdStops() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        let (border, _) = try nexd.connect(as: "bcp.rw.rusumo")
        #expect(try border.subscribe("notice.>", id: 1) == .accepted)
        nexd.stop()
        #expect(Self.awaitRefusal(border) == .shuttingDown)
        var events: [String] = []
        var disconnect: AuditRecord?
        try AuditReader(directory: nexd.auditDirectory).forEachRecord { record in
            if record.event == "disconnect" { disconnect = record }
            events.append(record.event ?? "?")
            return true
        }
        #expect(disconnect?.string("reason") == "shutdown")
        // Disconnect, then the stop record, then the final checkpoint.
        #expect(events.suffix(3) == ["disconnect", "stop", "checkpoint"])
    }

    /// A reload that would drop the revocation list un-revokes every revoked node: refused.
    @Test func aReloadThatDropsTheRevocationListIsRefused() throws {
        let nexd = try TestDaemon()
        defer { nexd.remove() }
        var configuration = nexd.configuration
        configuration.tls.crl = []
        guard case .refused(let reason) = nexd.daemon.reload(to: configuration) else { Issue.record("applied"); return }
        #expect(reason.contains("tls.crl"))
    }

    /// Publishes read before a reload narrowed the publisher's rules are judged by the new rules.
    @Test func publishesInFlightAreJudgedByTheRulesInForce() throws {
        let nexd = try TestDaemon { configuration in
            configuration.limits.publishRatePerNode = 1_000_000
            configuration.limits.publishBurstPerNode = 1_000_000
        }
        defer { nexd.remove() }
        let (publisher, gs) = try nexd.connect(as: "gs.fr.lyon")
        let notices = try (0..<400).map { _ in try signedNotice(from: gs) }
        for notice in notices { try publisher.send(.publish(envelope: notice.wireBytes)) }
        var configuration = nexd.configuration
        var roles = configuration.permissions.roles
        roles["gs"] = ActionPermissions(publish: PermissionRules(allow: ["alert.>"]), subscribe: PermissionRules(allow: [">"]))
        configuration.permissions = PermissionPolicy(roles: roles)
        guard case .applied = nexd.daemon.reload(to: configuration) else { Issue.record("refused"); return }
        var answers = 0
        while answers < notices.count {
            switch try publisher.nextFrame(timeout: .seconds(10)) {
            case .ack, .nack: answers += 1
            default: break
            }
        }
        nexd.stop()
        let records = try nexd.auditRecords()
        let reload = try #require(records.first { $0.event == "reload" })
        let late = records.filter {
            $0.event == "publish" && $0.string("outcome") == "accepted" && ($0.sequence ?? 0) > (reload.sequence ?? 0)
        }
        #expect(late.count == 0, "notice.* publishes accepted after the reload denied them")
    }
}

extension ReloadTests {
    /// The CRL number survives a restart (D29): after nexd used CA A's list number 2 and came back
    /// with CA B, a reload back to A with A's list number 1 is refused — the running list (B's
    /// number 1) alone would not stop it. (The second nexd gets its own audit log, with the first
    /// one's `crl-floor` lines added: one log cannot change audit keys.)
    @Test func aReloadBackToACAWithAnOlderListIsRefused() throws {
        let first = try TestDaemon()
        defer { first.remove() }
        let firstList = try String(contentsOfFile: first.pki.revocationListPath, encoding: .utf8)
        try first.pki.writeRevocationList()
        guard case .applied = first.daemon.reload(to: first.configuration) else { Issue.record("refused"); return }
        first.stop()

        let otherPKI = try TestPKI(directory: first.root + "/other-pki")
        try otherPKI.writeRevocationList()
        let second = try TestDaemon(pki: otherPKI)
        defer { second.remove() }
        let floor = second.auditDirectory + "/crl-floor"
        let recorded = try String(contentsOfFile: first.auditDirectory + "/crl-floor", encoding: .utf8)
        try (String(contentsOfFile: floor, encoding: .utf8) + recorded).write(toFile: floor, atomically: true, encoding: .utf8)
        try firstList.write(toFile: first.pki.revocationListPath, atomically: true, encoding: .utf8)
        guard case .refused(let reason) = second.daemon.reload(to: first.configuration) else { Issue.record("applied"); return }
        #expect(reason.contains("is number 1, older than number 2 that nexd has already used"), "\(reason)")
        #expect(reason.contains("crl-floor"))
    }
}
