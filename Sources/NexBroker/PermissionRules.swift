/// Allow and deny topic patterns for one action (publish or subscribe), as written in the config.
///
/// Patterns are filters whose tokens may be `%country` or `%role`, substituted per node
/// (`hit.%country` becomes `hit.rw` for a Rwandan node).
public struct PermissionRules: Sendable, Equatable {
    public var allow: [String]
    public var deny: [String]

    /// Creates rules.
    public init(allow: [String] = [], deny: [String] = []) {
        self.allow = allow
        self.deny = deny
    }

    /// These rules followed by `other`'s (a node override adds to its role's rules).
    public func adding(_ other: PermissionRules) -> PermissionRules {
        PermissionRules(allow: allow + other.allow, deny: deny + other.deny)
    }
}

/// What a role (or one node, as an override) may publish and subscribe to.
public struct ActionPermissions: Sendable, Equatable {
    public var publish: PermissionRules
    public var subscribe: PermissionRules

    /// Creates the permissions of one role or node.
    public init(publish: PermissionRules = .init(), subscribe: PermissionRules = .init()) {
        self.publish = publish
        self.subscribe = subscribe
    }
}
