/// One node's compiled permissions (patterns substituted and validated).
public struct NodePermissions: Sendable, Equatable {
    public let publishAllow: [TopicFilter]
    public let publishDeny: [TopicFilter]
    public let subscribeAllow: [TopicFilter]
    public let subscribeDeny: [TopicFilter]

    /// Creates compiled permissions.
    public init(publishAllow: [TopicFilter], publishDeny: [TopicFilter], subscribeAllow: [TopicFilter], subscribeDeny: [TopicFilter]) {
        self.publishAllow = publishAllow
        self.publishDeny = publishDeny
        self.subscribeAllow = subscribeAllow
        self.subscribeDeny = subscribeDeny
    }

    /// Nothing allowed (default deny).
    public static let denyAll = NodePermissions(publishAllow: [], publishDeny: [], subscribeAllow: [], subscribeDeny: [])

    /// Every roster node may do anything (for tests of other features).
    public static let unrestricted: NodePermissions = {
        let everything = [try! TopicFilter(validating: ">")]
        return NodePermissions(publishAllow: everything, publishDeny: [], subscribeAllow: everything, subscribeDeny: [])
    }()

    /// Whether the node may publish on `topic`: an allow rule matches and no deny rule does.
    public func allowsPublish(to topic: Topic) -> PermissionDecision {
        if let rule = publishDeny.first(where: { $0.matches(topic) }) {
            return .denied("publishing to \(topic) is denied by rule \"\(rule)\"")
        }
        guard publishAllow.contains(where: { $0.matches(topic) }) else {
            return .denied("no publish rule allows \(topic)")
        }
        return .allowed
    }

    /// Whether the node may subscribe with `filter`: an allow rule must cover everything the filter
    /// can match, and no deny rule may cover it. A deny rule that covers only part of the filter
    /// does not refuse the subscription; ``allowsDelivery(of:)`` withholds those topics instead.
    public func allowsSubscribe(to filter: TopicFilter) -> PermissionDecision {
        if let rule = subscribeDeny.first(where: { $0.covers(filter) }) {
            return .denied("subscribing to \(filter) is denied by rule \"\(rule)\"")
        }
        guard subscribeAllow.contains(where: { $0.covers(filter) }) else {
            return .denied("no subscribe rule covers \(filter)")
        }
        return .allowed
    }

    /// Whether a notice on `topic` may be delivered to this node (deny wins per message).
    public func allowsDelivery(of topic: Topic) -> Bool {
        !subscribeDeny.contains { $0.matches(topic) } && subscribeAllow.contains { $0.matches(topic) }
    }
}
