import Foundation
import NexBroker
import NexNotices
import Yams

extension DaemonConfiguration {
    /// The config `nexd` reads when given no `--config`.
    public static let defaultPath = "Config/nexd.yaml"

    /// Loads and validates the YAML config at `path`.
    /// - Throws: ``ConfigurationError`` naming the file, key and line of the first problem.
    public static func load(path: String) throws(ConfigurationError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, key: "", message: "cannot read the file (does it exist? run from the repository root or pass --config PATH)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, key: "", message: "the file is not UTF-8 text")
        }
        return try parse(yaml: text, path: path)
    }

    /// Parses and validates YAML text; `path` names it in errors.
    public static func parse(yaml text: String, path: String) throws(ConfigurationError) -> DaemonConfiguration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(file: path, key: "", message: "the file is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(file: path, key: "", message: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(file: path, key: "", message: "not valid YAML: \(error)")
        }
        var top = try YAMLMapping(file: path, path: "", node: root)
        var config = DaemonConfiguration(sourcePath: path, roster: Roster([]))

        if var listen = try top.mapping("listen") {
            config.listen.host = try listen.string("host", default: config.listen.host)
            config.listen.port = UInt16(try listen.integer("port", default: Int(config.listen.port), range: 0...65_535))
            try listen.rejectUnknownKeys()
        }
        if var tls = try top.mapping("tls") {
            config.tls.caCertificate = try tls.string("ca", default: config.tls.caCertificate)
            config.tls.certificate = try tls.string("certificate", default: config.tls.certificate)
            config.tls.privateKey = try tls.string("key", default: config.tls.privateKey)
            let crl = try tls.string("crl", default: "")
            config.tls.revocationList = crl.isEmpty ? nil : crl
            config.tls.revocationListWarning = .seconds(86_400 * (try tls.integer("crlWarnDays", default: 7, range: 0...3650)))
            try tls.rejectUnknownKeys()
        }
        if var audit = try top.mapping("audit") {
            config.audit.directory = try audit.string("directory", default: config.audit.directory)
            config.audit.segmentMaximumBytes = try audit.integer(
                "segmentMaxBytes", default: config.audit.segmentMaximumBytes, range: 4096...(1 << 34))
            config.audit.synchronizesWrites = try audit.boolean("fsync", default: config.audit.synchronizesWrites)
            config.audit.signingKey = try audit.string("key", default: config.audit.signingKey ?? "")
            config.audit.signingCertificate = try audit.string("certificate", default: config.audit.signingCertificate ?? "")
            config.audit.checkpointEveryRecords = try audit.integer(
                "checkpointEveryRecords", default: config.audit.checkpointEveryRecords, range: 1...10_000_000)
            config.audit.checkpointInterval = .seconds(try audit.integer("checkpointIntervalSeconds", default: 10, range: 1...86_400))
            config.audit.recoveryRetryInterval = .milliseconds(
                try audit.integer("recoveryRetryMilliseconds", default: 1000, range: 10...3_600_000))
            try audit.rejectUnknownKeys()
        }
        if var limits = try top.mapping("limits") {
            config.limits.maximumFrameSize = try limits.integer(
                "maxFrameBytes", default: config.limits.maximumFrameSize, range: 1024...(16 << 20))
            config.limits.maximumSubscriptionsPerConnection = try limits.integer(
                "maxSubscriptionsPerConnection", default: config.limits.maximumSubscriptionsPerConnection, range: 1...65_535)
            config.limits.replayWindow = .seconds(try limits.integer("replayWindowSeconds", default: 120, range: 1...86_400))
            config.limits.replayCacheEntries = try limits.integer(
                "replayCacheEntries", default: config.limits.replayCacheEntries, range: 1000...100_000_000)
            // 0 (the default) = derived from the roster at start-up.
            let share = try limits.integer("replayCacheEntriesPerNode", default: 0, range: 0...100_000_000)
            config.limits.replayCacheEntriesPerNode = share == 0 ? nil : share
            config.limits.outboundBufferBytes = try limits.integer(
                "outboundBufferBytes", default: config.limits.outboundBufferBytes, range: 65_536...(1 << 32))
            config.limits.maximumConnections = try limits.integer(
                "maxConnections", default: config.limits.maximumConnections, range: 1...1_000_000)
            config.limits.verificationThreads = try limits.integer(
                "verificationThreads", default: config.limits.verificationThreads, range: 0...256)
            config.limits.refusalsRecordedPerSource = try limits.integer(
                "refusalsRecordedPerSource", default: config.limits.refusalsRecordedPerSource, range: 1...1_000_000)
            config.limits.refusalInterval = .seconds(try limits.integer("refusalIntervalSeconds", default: 10, range: 1...3600))
            config.limits.publishRatePerNode = try limits.integer(
                "publishRatePerNode", default: config.limits.publishRatePerNode, range: 0...10_000_000)
            config.limits.publishBurstPerNode = try limits.integer(
                "publishBurstPerNode", default: config.limits.publishBurstPerNode, range: 1...100_000_000)
            config.limits.failedVerificationsPerSecondPerNode = try limits.integer(
                "failedVerificationsPerSecondPerNode", default: config.limits.failedVerificationsPerSecondPerNode, range: 0...1_000_000)
            config.limits.failedVerificationsBurstPerNode = try limits.integer(
                "failedVerificationsBurstPerNode", default: config.limits.failedVerificationsBurstPerNode, range: 1...1_000_000)
            config.limits.maximumConnectionsPerNode = try limits.integer(
                "maxConnectionsPerNode", default: config.limits.maximumConnectionsPerNode, range: 1...1_000_000)
            config.limits.maximumPendingHandshakes = try limits.integer(
                "maxPendingHandshakes", default: config.limits.maximumPendingHandshakes, range: 1...1_000_000)
            config.limits.handshakeTimeout = .seconds(try limits.integer("handshakeTimeoutSeconds", default: 10, range: 1...600))
            config.limits.maximumInFlightPublishes = try limits.integer(
                "maxInFlightPublishesPerConnection", default: config.limits.maximumInFlightPublishes, range: 1...1_000_000)
            config.limits.controlFramesPerSecondPerConnection = try limits.integer(
                "controlFramesPerSecondPerConnection", default: config.limits.controlFramesPerSecondPerConnection, range: 0...10_000_000)
            config.limits.maximumUnansweredControlFrames = try limits.integer(
                "maxUnansweredControlFramesPerConnection", default: config.limits.maximumUnansweredControlFrames, range: 1...1_000_000)
            config.limits.maximumUnreceiptedDeliveries = try limits.integer(
                "maxUnreceiptedDeliveries", default: config.limits.maximumUnreceiptedDeliveries, range: 16...10_000_000)
            config.limits.slowConsumerPolicy = try limits.choice(
                "slowConsumerPolicy", default: config.limits.slowConsumerPolicy)
            config.limits.idleTimeout = .seconds(try limits.integer("idleTimeoutSeconds", default: 60, range: 0...86_400))
            config.limits.maximumSubscriptionsPerNode = try limits.integer(
                "maxSubscriptionsPerNode", default: config.limits.maximumSubscriptionsPerNode, range: 1...1_000_000)
            config.limits.subscribesPerSecondPerNode = try limits.integer(
                "subscribesPerSecondPerNode", default: config.limits.subscribesPerSecondPerNode, range: 0...1_000_000)
            try limits.rejectUnknownKeys()
        }
        if var development = try top.mapping("development") {
            config.development.pkiDirectory = try development.string("pki", default: config.development.pkiDirectory)
            config.development.createMissingPKI = try development.boolean("createMissingPKI", default: false)
            try development.rejectUnknownKeys()
        }
        config.roster = try parseRoster(top.value("roster"), file: path)
        guard var permissions = try top.mapping("permissions") else {
            throw ConfigurationError(file: path, key: "permissions", message: "missing: without rules every publish and subscribe is denied")
        }
        config.permissions = try parsePermissions(&permissions, roster: config.roster, file: path)
        try top.rejectUnknownKeys()
        return config
    }

    private static func parsePermissions(_ mapping: inout YAMLMapping, roster: Roster, file: String) throws(ConfigurationError) -> PermissionPolicy {
        func actions(_ mapping: inout YAMLMapping) throws(ConfigurationError) -> ActionPermissions {
            var result = ActionPermissions()
            if var publish = try mapping.mapping("publish") {
                result.publish = PermissionRules(allow: try publish.stringList("allow"), deny: try publish.stringList("deny"))
                try publish.rejectUnknownKeys()
            }
            if var subscribe = try mapping.mapping("subscribe") {
                result.subscribe = PermissionRules(allow: try subscribe.stringList("allow"), deny: try subscribe.stringList("deny"))
                try subscribe.rejectUnknownKeys()
            }
            try mapping.rejectUnknownKeys()
            return result
        }
        var policy = PermissionPolicy(roles: [:])
        if var roles = try mapping.mapping("roles") {
            for role in roles.keys {
                guard NodeRole(rawValue: role) != nil else {
                    throw ConfigurationError(file: file, key: roles.keyPath(role), line: roles.value(role)?.line,
                                             message: "\"\(role)\" is not a role; use one of \(NodeRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var rules = try roles.mapping(role)!
                policy.roles[role] = try actions(&rules)
            }
        }
        if var nodes = try mapping.mapping("nodes") {
            for node in nodes.keys {
                guard roster.entry(for: node) != nil else {
                    throw ConfigurationError(file: file, key: nodes.keyPath(node), line: nodes.value(node)?.line,
                                             message: "\"\(node)\" is not on the roster")
                }
                var rules = try nodes.mapping(node)!
                policy.nodes[node] = try actions(&rules)
            }
        }
        try mapping.rejectUnknownKeys()
        // Every pattern must be a valid filter once substituted, for every node it applies to.
        for entry in roster.entries {
            do {
                _ = try policy.permissions(node: entry.id, role: entry.role.rawValue, country: entry.country)
            } catch {
                let source = policy.nodes[entry.id] != nil ? "permissions.nodes.\(entry.id) or permissions.roles.\(entry.role.rawValue)" : "permissions.roles.\(entry.role.rawValue)"
                throw ConfigurationError(file: file, key: source, message: "a pattern is not a valid topic filter for node \(entry.id): \(error.reason)")
            }
        }
        return policy
    }

    private static func parseRoster(_ node: Node?, file: String) throws(ConfigurationError) -> Roster {
        guard let node else {
            throw ConfigurationError(file: file, key: "roster", message: "missing: list the nodes allowed to connect")
        }
        guard let sequence = node.sequence else {
            throw ConfigurationError(file: file, key: "roster", line: node.line, message: "expected a list of nodes")
        }
        var entries: [RosterEntry] = []
        var seen: Set<String> = []
        for (index, item) in sequence.enumerated() {
            var mapping = try YAMLMapping(file: file, path: "roster[\(index)]", node: item)
            let id = try mapping.string("id", default: "")
            guard RosterEntry.isValidID(id) else {
                throw ConfigurationError(file: file, key: mapping.keyPath("id"), line: item.line,
                                         message: "\"\(id)\" is not a node id (lowercase tokens of a-z, 0-9, - joined by dots)")
            }
            guard seen.insert(id).inserted else {
                throw ConfigurationError(file: file, key: mapping.keyPath("id"), line: item.line, message: "\"\(id)\" appears twice")
            }
            let roleText = try mapping.string("role", default: "")
            guard let role = NodeRole(rawValue: roleText) else {
                throw ConfigurationError(file: file, key: mapping.keyPath("role"), line: item.line,
                                         message: "\"\(roleText)\" is not a role; use one of \(NodeRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let country = try mapping.string("country", default: "")
            guard RosterEntry.isValidCountry(country) else {
                throw ConfigurationError(file: file, key: mapping.keyPath("country"), line: item.line,
                                         message: "\"\(country)\" is not a lowercase ISO 3166 alpha-2 code")
            }
            let name = try mapping.optionalString("name")
            try mapping.rejectUnknownKeys()
            entries.append(RosterEntry(id: id, role: role, country: country, name: name))
        }
        guard !entries.isEmpty else {
            throw ConfigurationError(file: file, key: "roster", line: node.line, message: "is empty: no node could connect")
        }
        return Roster(entries)
    }
}
