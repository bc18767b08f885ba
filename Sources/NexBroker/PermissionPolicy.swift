/// Permissions as data: rules per role, with per-node additions. Default deny: a node may do only
/// what an allow rule grants, and a matching deny rule always wins.
///
/// ``permissions(node:role:country:)`` substitutes the node's values into the patterns and
/// validates them, giving the ``NodePermissions`` that nexd checks on every publish, subscription
/// and delivery.
public struct PermissionPolicy: Sendable, Equatable {
    /// Rules by role name (`gs`, `ncb`, …).
    public var roles: [String: ActionPermissions]
    /// Additional rules by node id.
    public var nodes: [String: ActionPermissions]

    /// Creates a policy.
    public init(roles: [String: ActionPermissions], nodes: [String: ActionPermissions] = [:]) {
        self.roles = roles
        self.nodes = nodes
    }

    /// The effective permissions of one node.
    /// - Throws: ``TopicError`` when a pattern, after substitution, is not a valid filter.
    public func permissions(node: String, role: String, country: String) throws(TopicError) -> NodePermissions {
        var rules = roles[role] ?? ActionPermissions()
        if let override = nodes[node] {
            rules = ActionPermissions(publish: rules.publish.adding(override.publish),
                                      subscribe: rules.subscribe.adding(override.subscribe))
        }
        func compile(_ patterns: [String]) throws(TopicError) -> [TopicFilter] {
            var filters: [TopicFilter] = []
            for pattern in patterns {
                let text = pattern.substitutingPlaceholders(country: country, role: role)
                filters.append(try TopicFilter(validating: text))
            }
            return filters
        }
        return NodePermissions(
            publishAllow: try compile(rules.publish.allow), publishDeny: try compile(rules.publish.deny),
            subscribeAllow: try compile(rules.subscribe.allow), subscribeDeny: try compile(rules.subscribe.deny))
    }
}

extension String {
    /// Substitutes the whole tokens `%country` and `%role` of a dot-separated pattern. (There is no
    /// `%node`: node ids contain dots, so it would expand to several tokens and could cover another
    /// node's topics.)
    fileprivate func substitutingPlaceholders(country: String, role: String) -> String {
        split(separator: ".", omittingEmptySubsequences: false).map { token -> String in
            switch token {
            case "%country": country
            case "%role": role
            default: String(token)
            }
        }.joined(separator: ".")
    }
}
