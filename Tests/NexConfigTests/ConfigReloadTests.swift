import Testing
@testable import NexConfig

@Suite struct ConfigReloadTests {
    private static let running = DaemonConfiguration(roster: Roster([RosterEntry(id: "gs.fr.lyon", role: .gs, country: "fr")]))

    @Test func nothingChangedNamesNothing() {
        let plan = ConfigReload(running: Self.running, loaded: Self.running)
        #expect(plan.keptUntilRestart.isEmpty && plan.appliedToNewConnections.isEmpty && plan.appliedLive.isEmpty)
    }

    @Test func aRestartOnlyKeyKeepsItsRunningValue() {
        var loaded = Self.running
        loaded.limits.replayWindow = .seconds(30)
        loaded.limits.publishRatePerNode = 1
        let plan = ConfigReload(running: Self.running, loaded: loaded)
        #expect(plan.effective.limits.replayWindow == .seconds(120))
        #expect(plan.effective.limits.publishRatePerNode == 20_000)
        #expect(plan.keptUntilRestart == ["limits.replayWindowSeconds", "limits.publishRatePerNode"])
    }

    /// `listen`, `audit` and `development` are restart-only throughout: named by section, once.
    @Test func aWholeRestartOnlySectionIsNamedOnce() {
        var loaded = Self.running
        loaded.listen.host = "0.0.0.0"
        loaded.listen.port = 1
        loaded.audit.directory = "elsewhere"
        loaded.development.createMissingPKI = true
        let plan = ConfigReload(running: Self.running, loaded: loaded)
        #expect(plan.keptUntilRestart == ["listen", "audit", "development"])
        #expect(plan.effective.listen.port == 7247)
        #expect(plan.effective.audit.directory == "var/audit")
        #expect(!plan.effective.development.createMissingPKI)
    }

    @Test func aNewConnectionsKeyIsAppliedAndNamed() {
        var loaded = Self.running
        loaded.limits.maxFrameBytes = 4096
        loaded.limits.controlFramesPerSecondPerConnection = 5
        let plan = ConfigReload(running: Self.running, loaded: loaded)
        #expect(plan.effective.limits.maxFrameBytes == 4096)
        #expect(plan.appliedToNewConnections == ["limits.maxFrameBytes", "limits.controlFramesPerSecondPerConnection"])
        #expect(plan.keptUntilRestart.isEmpty)
    }

    @Test func aLiveKeyIsApplied() {
        var loaded = Self.running
        loaded.limits.subscribesPerSecondPerNode = 1
        loaded.tls.crl = ["ca.crl.pem"]
        let plan = ConfigReload(running: Self.running, loaded: loaded)
        #expect(plan.effective.limits.subscribesPerSecondPerNode == 1)
        #expect(plan.effective.tls.crl == ["ca.crl.pem"])
        #expect(plan.appliedLive == ["tls.crl", "limits.subscribesPerSecondPerNode"])
        #expect(plan.keptUntilRestart.isEmpty && plan.appliedToNewConnections.isEmpty)
    }

    /// Every restart-only key of the table is kept (each changed on its own).
    @Test(arguments: ConfigKeyTable.all.filter { $0.applyMode == .restartOnly }.map(\.path))
    func everyRestartOnlyKeyIsKept(path: String) throws {
        let key = try #require(ConfigKeyTable.key(path))
        // A loaded config that differs from the running one in every key.
        var other = DaemonConfiguration(roster: Self.running.roster)
        other.listen = .init(); other.listen.host = "::1"; other.listen.port = 1
        other.audit.directory = "d"; other.audit.segmentMaxBytes = 4096; other.audit.fsync = false
        other.audit.key = nil; other.audit.certificate = nil; other.audit.previousCertificates = "p.pem"; other.audit.checkpointEveryRecords = 1
        other.audit.checkpointInterval = .seconds(1); other.audit.recoveryRetry = .milliseconds(10)
        other.development.pki = "p"; other.development.createMissingPKI = true
        other.metrics.enabled = true; other.metrics.host = "::1"; other.metrics.port = 1
        other.limits.replayWindow = .seconds(1); other.limits.replayCacheEntries = 1000; other.limits.replayCacheEntriesPerNode = 1
        other.limits.verificationThreads = 1; other.limits.refusalsRecordedPerSource = 1; other.limits.refusalInterval = .seconds(1)
        other.limits.publishRatePerNode = 1; other.limits.publishBurstPerNode = 1
        other.limits.failedVerificationsPerSecondPerNode = 1; other.limits.failedVerificationsBurstPerNode = 1
        other.limits.duplicatesPerSecondPerNode = 1; other.limits.duplicatesBurstPerNode = 1
        other.limits.connectsPerSecondPerNode = 1; other.limits.connectsBurstPerNode = 1
        other.limits.inboxMessagesPerNode = 1; other.limits.inboxBytesPerNode = 65_536; other.limits.inboxBytesTotal = 1_048_576
        other.limits.inboxMaxAge = .seconds(60); other.limits.inboxesPerNode = 1
        #expect(key.differs(between: Self.running, and: other), "the test does not change \(path)")
        var loaded = Self.running
        key.copyValue(from: other, to: &loaded)
        let plan = ConfigReload(running: Self.running, loaded: loaded)
        #expect(!key.differs(between: plan.effective, and: Self.running))
        #expect(plan.keptUntilRestart == [["listen", "audit", "metrics", "development"].contains(key.section) ? key.section : path])
    }
}
