/// The answer of a permission check: a value the caller audits, not an error.
public enum PermissionDecision: Sendable, Equatable {
    case allowed
    /// Denied, with a reason that names the rule (or the absence of one).
    case denied(String)

    /// Whether the action is allowed.
    public var isAllowed: Bool { self == .allowed }
}
