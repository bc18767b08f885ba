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

        // Every scalar key through the table: its default when absent, its range, its error text.
        for section in ConfigKeyTable.sections {
            guard var mapping = try top.mapping(section) else { continue }
            for key in ConfigKeyTable.all where key.section == section {
                try key.read(from: &mapping, into: &config)
            }
            try mapping.rejectUnknownKeys()
        }
        (config.roster, config.rosterFile) = try parseRosterSection(top.value("roster"), file: path)
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
                // Name the one mapping at fault: the node's own rules unless its role's fail alone.
                var roleOnly = policy
                roleOnly.nodes[entry.id] = nil
                let roleFails = (try? roleOnly.permissions(node: entry.id, role: entry.role.rawValue, country: entry.country)) == nil
                let source = roleFails ? "permissions.roles.\(entry.role.rawValue)" : "permissions.nodes.\(entry.id)"
                throw ConfigurationError(file: file, key: source, message: "a pattern is not a valid topic filter for node \(entry.id): \(error.reason)")
            }
        }
        return policy
    }

    /// The `roster` section: the list itself, or `{ file: PATH }` naming a YAML file whose top-level
    /// `roster` is the list (a generated roster, docs/REGION.md). Returns the roster and that file.
    private static func parseRosterSection(_ node: Node?, file: String) throws(ConfigurationError) -> (Roster, String?) {
        guard let node, node.mapping != nil else { return (try parseRoster(node, file: file), nil) }
        var section = try YAMLMapping(file: file, path: "roster", node: node)
        let rosterPath = try section.string("file", default: "")
        try section.rejectUnknownKeys()
        guard !rosterPath.isEmpty else {
            throw ConfigurationError(file: file, key: "roster.file", line: node.line, message: "expected the path of a roster file, or a list of nodes")
        }
        guard let data = FileManager.default.contents(atPath: rosterPath), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: file, key: "roster.file", line: node.line,
                                     message: "cannot read \"\(rosterPath)\" (paths are relative to the directory nexd runs in, the repository root)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: rosterPath, key: "", message: "not valid YAML: \(error)")
        }
        guard let root else { throw ConfigurationError(file: rosterPath, key: "", message: "the file is empty") }
        var top = try YAMLMapping(file: rosterPath, path: "", node: root)
        let roster = try parseRoster(top.value("roster"), file: rosterPath)
        try top.rejectUnknownKeys()
        return (roster, rosterPath)
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
