import Foundation
import Testing
@testable import NexConfig

@Suite struct ConfigurationTests {
    /// The repository root, found from this file's path (tests may run from any directory).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func theAnnotatedDefaultLoads() throws {
        let configuration = try DaemonConfiguration.load(path: Self.repositoryRoot + "/Config/nexd.yaml")
        #expect(configuration.listen.host == "127.0.0.1")
        #expect(configuration.listen.port == 7247)
        #expect(configuration.limits.replayWindow == .seconds(120))
        #expect(configuration.limits.failedVerificationsPerSecondPerNode == 5)
        #expect(configuration.limits.failedVerificationsBurstPerNode == 50)
        #expect(configuration.limits.duplicatesPerSecondPerNode == 10)
        #expect(configuration.limits.duplicatesBurstPerNode == 2048)
        #expect(configuration.limits.connectsPerSecondPerNode == 2)
        #expect(configuration.limits.connectsBurstPerNode == 32)
        #expect(configuration.limits.maxInFlightPublishBytesPerConnection == 8 << 20)
        #expect(configuration.permissions.roles["gs"]?.publish.allow == ["notice.>", "alert.>", "decision.>"])
        // Alerts are the General Secretariat's (D55): no NCB or regional bureau publishes alert.>.
        #expect(configuration.permissions.roles["ncb"]?.publish.allow.contains("alert.>") == false)
        #expect(configuration.permissions.roles["rb"]?.publish.allow.isEmpty ?? true)
        #expect(configuration.permissions.roles["gs"]?.subscribe.allow.contains("diffusion.>") == true)
        #expect(configuration.limits.hitMaxAge == .seconds(86_400))
        #expect(configuration.permissions.nodes["rb.ke.nairobi"]?.subscribe.allow == ["hit.>"])
        #expect(configuration.development.createMissingPKI)
        let rusumo = try #require(configuration.roster.entry(for: "bcp.rw.rusumo"))
        #expect(rusumo.role == .bcp)
        #expect(rusumo.country == "rw")
        #expect(configuration.roster.entry(for: "gs.fr.lyon")?.role == .gs)
        #expect(configuration.roster.entries.count >= 15)
    }

    private static let roster = """
        roster:
          - { id: gs.fr.lyon, role: gs, country: fr }
        permissions:
          roles:
            gs: { publish: { allow: [notice.>] } }
        """

    @Test func defaultsApplyWhenSectionsAreOmitted() throws {
        let configuration = try DaemonConfiguration.parse(yaml: Self.roster, path: "t.yaml")
        #expect(configuration.audit.directory == "var/audit")
        #expect(configuration.limits.maxFrameBytes == 65_536)
        #expect(configuration.limits.slowConsumerPolicy == .disconnect)
        #expect(configuration.limits.idleTimeout == .seconds(60))
        #expect(configuration.limits.maxSubscriptionsPerNode == 1024)
        #expect(configuration.limits.controlFramesPerSecondPerConnection == 1000)
        #expect(configuration.limits.maxUnansweredControlFramesPerConnection == 256)
        #expect(configuration.limits.subscribesPerSecondPerNode == 10)
        #expect(!configuration.development.createMissingPKI)
    }

    @Test func theSlowConsumerAndIdleLimitsParse() throws {
        let yaml = "limits:\n  slowConsumerPolicy: drop\n  idleTimeoutSeconds: 0\n  maxSubscriptionsPerNode: 8\n" + Self.roster
        let configuration = try DaemonConfiguration.parse(yaml: yaml, path: "t.yaml")
        #expect(configuration.limits.slowConsumerPolicy == .drop)
        #expect(configuration.limits.idleTimeout == .zero)
        #expect(configuration.limits.maxSubscriptionsPerNode == 8)
    }

    @Test func theControlFrameLimitsParse() throws {
        let yaml = "limits:\n  controlFramesPerSecondPerConnection: 0\n  maxUnansweredControlFramesPerConnection: 16\n" + Self.roster
        let configuration = try DaemonConfiguration.parse(yaml: yaml, path: "t.yaml")
        #expect(configuration.limits.controlFramesPerSecondPerConnection == 0)
        #expect(configuration.limits.maxUnansweredControlFramesPerConnection == 16)
    }

    /// A blank audit key or certificate is refused when the config loads, so nexd never runs
    /// without signed checkpoints because of an empty value (checked in the review of issue 12).
    @Test(arguments: ["key", "certificate"])
    func aBlankAuditKeyOrCertificateIsRefused(key: String) throws {
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse(yaml: "audit:\n  \(key): \"\"\n" + Self.roster, path: "t.yaml")
        }
    }

    @Test func theSubscribeRateParses() throws {
        let configuration = try DaemonConfiguration.parse(yaml: "limits:\n  subscribesPerSecondPerNode: 0\n" + Self.roster, path: "t.yaml")
        #expect(configuration.limits.subscribesPerSecondPerNode == 0)
    }

    /// The issue 11 review's keys (D45-D47) parse; the rates take 0 (off).
    @Test func theDuplicateConnectAndInFlightByteLimitsParse() throws {
        let yaml = "limits:\n  duplicatesPerSecondPerNode: 0\n  duplicatesBurstPerNode: 7\n  connectsPerSecondPerNode: 0\n"
            + "  connectsBurstPerNode: 3\n  maxInFlightPublishBytesPerConnection: 65536\n" + Self.roster
        let configuration = try DaemonConfiguration.parse(yaml: yaml, path: "t.yaml")
        #expect(configuration.limits.duplicatesPerSecondPerNode == 0)
        #expect(configuration.limits.duplicatesBurstPerNode == 7)
        #expect(configuration.limits.connectsPerSecondPerNode == 0)
        #expect(configuration.limits.connectsBurstPerNode == 3)
        #expect(configuration.limits.maxInFlightPublishBytesPerConnection == 65_536)
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse(yaml: "limits:\n  maxInFlightPublishBytesPerConnection: 1000\n" + Self.roster, path: "t.yaml")
        }
    }

    @Test func theReplayShareIsDerivedUnlessSet() throws {
        let derived = try DaemonConfiguration.parse(yaml: "limits:\n  replayCacheEntries: 9000\n" + Self.roster, path: "t.yaml")
        #expect(derived.limits.replayCacheEntriesPerNode == nil)
        #expect(derived.limits.replayCacheShare(rosterSize: derived.roster.entries.count) == 9000 / derived.roster.entries.count)
        let set = try DaemonConfiguration.parse(yaml: "limits:\n  replayCacheEntriesPerNode: 500\n" + Self.roster, path: "t.yaml")
        #expect(set.limits.replayCacheShare(rosterSize: set.roster.entries.count) == 500)
    }

    @Test(arguments: [
        ("listen:\n  hots: 1.2.3.4\n" + roster, "listen.hots", 2, "unknown key"),
        ("listen:\n  port: 70000\n" + roster, "listen.port", 2, "out of range"),
        ("listen:\n  port: seven\n" + roster, "listen.port", 2, "expected an integer"),
        ("audit:\n  fsync: maybe\n" + roster, "audit.fsync", 2, "expected true or false"),
        ("limits:\n  replayWindowSeconds: 0\n" + roster, "limits.replayWindowSeconds", 2, "out of range"),
        ("limits:\n  replayCacheEntriesPerNode: -1\n" + roster, "limits.replayCacheEntriesPerNode", 2, "out of range"),
        ("limits:\n  slowConsumerPolicy: wait\n" + roster, "limits.slowConsumerPolicy", 2, "is not one of disconnect, drop"),
        ("limits:\n  idleTimeoutSeconds: -1\n" + roster, "limits.idleTimeoutSeconds", 2, "out of range"),
        ("limits:\n  controlFramesPerSecondPerConnection: -1\n" + roster, "limits.controlFramesPerSecondPerConnection", 2, "out of range"),
        ("limits:\n  maxUnansweredControlFramesPerConnection: 0\n" + roster, "limits.maxUnansweredControlFramesPerConnection", 2, "out of range"),
        ("limits:\n  subscribesPerSecondPerNode: -1\n" + roster, "limits.subscribesPerSecondPerNode", 2, "out of range"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\npermissions:\n  roles:\n    chief: {}\n", "permissions.roles.chief", 5, "is not a role"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\npermissions:\n  nodes:\n    ncb.xx.y: {}\n", "permissions.nodes.ncb.xx.y", 5, "not on the roster"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\npermissions:\n  roles:\n    gs: { publish: { allow: [a.>.b] } }\n", "permissions.roles.gs", nil, "not a valid topic filter"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\npermissions:\n  roles:\n    gs: { publish: { permit: [a] } }\n", "permissions.roles.gs.publish.permit", 5, "unknown key"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: fr }\n", "permissions", nil, "missing"),
        ("colour: red\n" + roster, "colour", 1, "unknown key"),
        ("listen: {}\n", "roster", nil, "missing"),
        ("roster:\n  - { id: gs.fr.lyon, role: chief, country: fr }\n", "roster[0].role", 2, "is not a role"),
        ("roster:\n  - { id: gs.fr.lyon, role: gs, country: FRA }\n", "roster[0].country", 2, "ISO 3166"),
        ("roster:\n  - { id: GS.fr, role: gs, country: fr }\n", "roster[0].id", 2, "is not a node id"),
        ("roster:\n  - { id: a.b, role: gs, country: fr }\n  - { id: a.b, role: gs, country: fr }\n", "roster[1].id", 3, "appears twice"),
        ("roster:\n  - { id: a.b, role: gs, country: fr, rank: 1 }\n", "roster[0].rank", 2, "unknown key"),
    ] as [(String, String, Int?, String)])
    func badConfigsNameTheKeyAndLine(yaml: String, key: String, line: Int?, message: String) {
        do {
            _ = try DaemonConfiguration.parse(yaml: yaml, path: "bad.yaml")
            Issue.record("accepted a bad config")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.key == key)
            if let line { #expect(error.line == line) }
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func invalidYAMLIsRefusedWithTheFileName() {
        #expect(throws: ConfigurationError.self) { try DaemonConfiguration.parse(yaml: "listen: [unclosed", path: "x.yaml") }
    }
}
