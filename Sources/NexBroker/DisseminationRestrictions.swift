/// The originator's dissemination restrictions, carried (and signed) in the envelope: who may
/// receive the notice.
///
/// Rules, in order: a denied node or a denied country never receives it (deny wins); when any
/// allow list is given, a recipient must be an allowed node or in an allowed country; with no allow
/// list, everyone not denied may receive it.
public struct DisseminationRestrictions: Sendable, Equatable {
    public let allowedCountries: Set<String>
    public let deniedCountries: Set<String>
    public let allowedNodes: Set<String>
    public let deniedNodes: Set<String>

    /// Creates restrictions from the envelope's lists.
    public init(allowedCountries: [String] = [], deniedCountries: [String] = [], allowedNodes: [String] = [], deniedNodes: [String] = []) {
        self.allowedCountries = Set(allowedCountries)
        self.deniedCountries = Set(deniedCountries)
        self.allowedNodes = Set(allowedNodes)
        self.deniedNodes = Set(deniedNodes)
    }

    /// True when the notice may go to anyone.
    public var isUnrestricted: Bool {
        allowedCountries.isEmpty && deniedCountries.isEmpty && allowedNodes.isEmpty && deniedNodes.isEmpty
    }

    /// Why `node` of `country` may not receive the notice, or nil when it may.
    public func withholdingReason(node: String, country: String) -> WithholdingReason? {
        if deniedNodes.contains(node) { return .deniedNode }
        if deniedCountries.contains(country) { return .deniedCountry }
        if allowedCountries.isEmpty, allowedNodes.isEmpty { return nil }
        if allowedNodes.contains(node) || allowedCountries.contains(country) { return nil }
        return .notAllowed
    }
}

/// Why a matching subscriber did not receive a notice (stable codes, in the routing record).
public enum WithholdingReason: String, Sendable, CaseIterable {
    /// The originator denied this node.
    case deniedNode = "denied-node"
    /// The originator denied the subscriber's country.
    case deniedCountry = "denied-country"
    /// The originator named allowed countries or nodes, and the subscriber is not among them.
    case notAllowed = "not-in-allowed"
    /// The subscriber's own permissions deny this topic (a deny rule inside a wider subscription).
    case subscriberPermission = "subscriber-permission"
    /// A holder of the original of a follow-up, reachable only on connections where the
    /// capability `lifecycle.1` is not in effect and no subscription matches (D57).
    case noCapability = "no-capability"
}
