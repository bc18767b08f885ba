import Testing
@testable import NexConfig

@Suite struct ConfigKeyTableTests {
    private static let minimal = """
        roster:
          - { id: gs.fr.lyon, role: gs, country: fr }
        permissions:
          roles:
            gs: { publish: { allow: [notice.>] } }
        """

    @Test func pathsAreUniqueAndInTheirSections() {
        let paths = ConfigKeyTable.all.map(\.path)
        #expect(Set(paths).count == paths.count)
        for key in ConfigKeyTable.all {
            #expect(ConfigKeyTable.sections.contains(key.section), "\(key.path)")
            #expect(!key.name.isEmpty && !key.name.contains("."), "\(key.path)")
        }
    }

    /// Every stored property of the section structs has its row: a property added without one
    /// would be neither read, nor defaulted from the table, nor kept by a reload.
    @Test func everyPropertyOfTheSectionsHasARow() {
        func count(_ section: String) -> Int { ConfigKeyTable.all.filter { $0.section == section }.count }
        #expect(Mirror(reflecting: DaemonConfiguration.Listen()).children.count == count("listen"))
        #expect(Mirror(reflecting: DaemonConfiguration.TLSFiles()).children.count == count("tls"))
        #expect(Mirror(reflecting: DaemonConfiguration.Audit()).children.count == count("audit"))
        #expect(Mirror(reflecting: DaemonConfiguration.Limits()).children.count == count("limits"))
        #expect(Mirror(reflecting: DaemonConfiguration.Metrics()).children.count == count("metrics"))
        #expect(Mirror(reflecting: DaemonConfiguration.Development()).children.count == count("development"))
    }

    /// A config that sets no scalar key loads every key at the table's default, which is also the
    /// initial value of a configuration built in code.
    @Test func anAbsentKeyTakesTheTableDefault() throws {
        let loaded = try DaemonConfiguration.parse(yaml: Self.minimal, path: "t.yaml")
        let built = DaemonConfiguration(roster: Roster([]))
        for key in ConfigKeyTable.all {
            #expect(!key.differs(between: loaded, and: built), "\(key.path)")
        }
        #expect(loaded.limits.maxFrameBytes == ConfigKeyTable.Limits.maxFrameBytes.defaultValue)
        #expect(loaded.tls.crl.isEmpty)
        #expect(loaded.limits.replayCacheEntriesPerNode == nil)
    }

    /// Each format reads its YAML value into the property of its row.
    @Test(arguments: [
        ("listen:\n  port: 9000\n", "listen.port"),
        ("tls:\n  crl: x.pem\n", "tls.crl"),
        ("tls:\n  crl: [x.pem, y.pem]\n", "tls.crl"),
        ("tls:\n  crl:\n    - x.pem\n", "tls.crl"),
        ("tls:\n  crlWarnDays: 2\n", "tls.crlWarnDays"),
        ("audit:\n  key: k.pem\n", "audit.key"),
        ("audit:\n  fsync: false\n", "audit.fsync"),
        ("audit:\n  recoveryRetryMilliseconds: 250\n", "audit.recoveryRetryMilliseconds"),
        ("limits:\n  replayCacheEntriesPerNode: 7\n", "limits.replayCacheEntriesPerNode"),
        ("limits:\n  slowConsumerPolicy: drop\n", "limits.slowConsumerPolicy"),
        ("limits:\n  idleTimeoutSeconds: 0\n", "limits.idleTimeoutSeconds"),
        ("development:\n  pki: elsewhere\n", "development.pki"),
    ])
    func aSetKeyChangesOnlyItsProperty(yaml: String, path: String) throws {
        let loaded = try DaemonConfiguration.parse(yaml: yaml + Self.minimal, path: "t.yaml")
        let built = DaemonConfiguration(roster: Roster([]))
        let changed = ConfigKeyTable.all.filter { $0.differs(between: loaded, and: built) }.map(\.path)
        #expect(changed == [path])
    }

    /// `tls.crl` takes one file or a list (one per CA); `null`, `~` and `[]` mean none.
    @Test(arguments: [
        ("crl: a.pem", ["a.pem"]), ("crl: [a.pem, b.pem]", ["a.pem", "b.pem"]), ("crl:\n    - a.pem\n    - b.pem", ["a.pem", "b.pem"]),
        ("crl: null", []), ("crl: ~", []), ("crl: []", []),
    ])
    func revocationListsAreOneFileOrAList(line: String, expected: [String]) throws {
        let loaded = try DaemonConfiguration.parse(yaml: "tls:\n  " + line + "\n" + Self.minimal, path: "t.yaml")
        #expect(loaded.tls.crl == expected)
    }

    @Test func aRevocationListEntryMustBeAFileName() {
        for line in ["crl: [a.pem, \"\"]", "crl: {a: b}", "crl: [[a.pem]]"] {
            #expect(throws: ConfigurationError.self, "\(line)") {
                try DaemonConfiguration.parse(yaml: "tls:\n  " + line + "\n" + Self.minimal, path: "t.yaml")
            }
        }
    }

    @Test func durationsKeepTheirUnit() throws {
        let yaml = "tls:\n  crlWarnDays: 2\naudit:\n  recoveryRetryMilliseconds: 250\nlimits:\n  replayWindowSeconds: 30\n"
        let loaded = try DaemonConfiguration.parse(yaml: yaml + Self.minimal, path: "t.yaml")
        #expect(loaded.tls.crlWarn == .seconds(2 * 86_400))
        #expect(loaded.audit.recoveryRetry == .milliseconds(250))
        #expect(loaded.limits.replayWindow == .seconds(30))
        #expect(ConfigKeyTable.key("audit.recoveryRetryMilliseconds")?.defaultDescription == "1000")
        #expect(ConfigKeyTable.key("tls.crlWarnDays")?.defaultDescription == "7")
        #expect(ConfigKeyTable.key("tls.crl")?.defaultDescription == "none")
    }

    @Test func aNodeRulesErrorNamesTheNodesRules() {
        let yaml = """
            roster:
              - { id: rb.ke.nairobi, role: rb, country: ke }
            permissions:
              nodes:
                rb.ke.nairobi: { subscribe: { allow: [a.>.b] } }
            """
        do {
            _ = try DaemonConfiguration.parse(yaml: yaml, path: "bad.yaml")
            Issue.record("accepted a bad pattern")
        } catch {
            // Not "permissions.nodes.rb.ke.nairobi or permissions.roles.rb": the file has no roles.rb.
            #expect(error.key == "permissions.nodes.rb.ke.nairobi")
            #expect(error.message.contains("not a valid topic filter"))
        }
    }
}
