/// Who receives one accepted notice, who is withheld from it and why: decided from the
/// subscription table and what the broker knows of each subscriber, with no I/O.
///
/// Rules, per matching subscriber (in ascending connection id): the subscriber's own permissions
/// must allow delivery of the topic (a deny rule inside a wider subscription withholds it); then
/// the originator's restrictions apply, except to the originator's own node, whose notices are
/// never hidden from itself, and — for a notice copied for compliance review (every diffusion,
/// D55) — except to a compliance reviewer (the General Secretariat), who receives it as a
/// compliance copy, marked as such. The daemon turns a decision into the routing audit record and
/// the deliveries.
public struct RoutingDecision: Sendable, Equatable {
    /// One subscriber connection that receives the notice.
    public struct Recipient: Sendable, Equatable {
        /// The connection the delivery leaves on.
        public let connection: UInt64
        /// The subscriber's node id.
        public let node: String
        /// Its matching subscription ids, ascending.
        public let subscriptionIDs: [UInt32]
        /// Whether it receives the notice only as a compliance copy: the originator's restrictions
        /// would have withheld it (D55).
        public let isComplianceCopy: Bool

        /// Creates a recipient entry.
        public init(connection: UInt64, node: String, subscriptionIDs: [UInt32], isComplianceCopy: Bool = false) {
            self.connection = connection
            self.node = node
            self.subscriptionIDs = subscriptionIDs
            self.isComplianceCopy = isComplianceCopy
        }
    }

    /// One matching subscriber connection that does not receive the notice, and why.
    public struct Withheld: Sendable, Equatable {
        public let connection: UInt64
        public let node: String
        public let reason: WithholdingReason

        /// Creates a withheld entry.
        public init(connection: UInt64, node: String, reason: WithholdingReason) {
            self.connection = connection
            self.node = node
            self.reason = reason
        }
    }

    /// Receivers, in ascending connection id.
    public let recipients: [Recipient]
    /// Matching subscribers withheld from, in ascending connection id.
    public let withheld: [Withheld]
    /// The originator's restrictions the decision applied.
    public let restrictions: DisseminationRestrictions

    /// Whether the originator restricted who may receive the notice.
    public var hasRestrictions: Bool { !restrictions.isUnrestricted }

    /// Creates a decision from its parts (tests; the broker uses ``route(_:from:restrictions:in:subscriber:)``).
    public init(recipients: [Recipient], withheld: [Withheld], restrictions: DisseminationRestrictions) {
        self.recipients = recipients
        self.withheld = withheld
        self.restrictions = restrictions
    }

    /// Routes a notice on `topic` from node `originator` under `restrictions` to the subscriptions
    /// of `table` that match it; `subscriber` tells what is known of a matching connection (one
    /// with none — being unregistered — is skipped). With `copiesForCompliance`, compliance
    /// reviewers receive it whatever the restrictions say (D55). `original`, for a follow-up,
    /// withholds what its original's restrictions withheld (checked after the follow-up's own, D57).
    public static func route(_ topic: Topic, from originator: String, restrictions: DisseminationRestrictions,
                             original: OriginalRestrictions? = nil,
                             copiesForCompliance: Bool = false, in table: SubscriptionTable<UInt64>,
                             subscriber facts: (UInt64) -> SubscriberFacts?) -> RoutingDecision {
        var recipients: [Recipient] = []
        var withheld: [Withheld] = []
        for (connection, subscriptionIDs) in table.matches(for: topic).sorted(by: { $0.key < $1.key }) {
            guard let subscriber = facts(connection) else { continue }
            switch subscriber.delivery(of: topic, from: originator, restrictions: restrictions, original: original,
                                       copiesForCompliance: copiesForCompliance) {
            case .withheld(let reason):
                withheld.append(Withheld(connection: connection, node: subscriber.node, reason: reason))
            case .delivered(let isComplianceCopy):
                recipients.append(Recipient(connection: connection, node: subscriber.node, subscriptionIDs: subscriptionIDs,
                                            isComplianceCopy: isComplianceCopy))
            }
        }
        return RoutingDecision(recipients: recipients, withheld: withheld, restrictions: restrictions)
    }
}

/// What routing needs to know of one subscriber connection.
public struct SubscriberFacts: Sendable, Equatable {
    /// The subscriber's node id.
    public let node: String
    /// Its country (lowercase ISO 3166 alpha-2), for country restrictions.
    public let country: String
    /// Its permissions under the settings in force.
    public let permissions: NodePermissions
    /// Whether it reviews notices for compliance (the General Secretariat): it receives those
    /// copied for compliance review even when the originator's restrictions leave it out (D55).
    public let reviewsCompliance: Bool

    /// Creates subscriber facts.
    public init(node: String, country: String, permissions: NodePermissions, reviewsCompliance: Bool = false) {
        self.node = node
        self.country = country
        self.permissions = permissions
        self.reviewsCompliance = reviewsCompliance
    }

    /// Whether a subscriber receives a notice, and how.
    public enum Delivery: Sendable, Equatable {
        /// It receives the notice; `isComplianceCopy` when only the compliance exception lets it.
        case delivered(isComplianceCopy: Bool)
        /// It does not, for this reason.
        case withheld(WithholdingReason)
    }

    /// Whether this subscriber receives a notice on `topic` from `originator`: its own permissions
    /// first (no exception overrides them), then the originator's restrictions — which a compliance
    /// reviewer passes when the notice is copied for compliance review (D55); for a follow-up, its
    /// original's restrictions too (`original`, D57).
    public func delivery(of topic: Topic, from originator: String, restrictions: DisseminationRestrictions,
                         original: OriginalRestrictions? = nil, copiesForCompliance: Bool) -> Delivery {
        guard let reason = withholdingReason(for: topic, from: originator, restrictions: restrictions)
            ?? original?.withholdingReason(for: self) else {
            return .delivered(isComplianceCopy: false)
        }
        if reason != .subscriberPermission, copiesForCompliance, reviewsCompliance {
            return .delivered(isComplianceCopy: true)
        }
        return .withheld(reason)
    }

    /// Why this subscriber may not receive a notice on `topic` from `originator`, or nil.
    public func withholdingReason(for topic: Topic, from originator: String,
                                  restrictions: DisseminationRestrictions) -> WithholdingReason? {
        if !permissions.allowsDelivery(of: topic) { return .subscriberPermission }
        // The originator's restrictions never hide its own notice from itself.
        if node == originator { return nil }
        return restrictions.withholdingReason(node: node, country: country)
    }
}

/// The restrictions of the original a follow-up refers to, and its owner (whose own record is
/// never hidden from it): a follow-up never reaches a node its original was withheld from (D57).
public struct OriginalRestrictions: Sendable, Equatable {
    /// The original's restrictions.
    public let restrictions: DisseminationRestrictions
    /// The node that published the original.
    public let owner: String

    /// Creates the original's restrictions.
    public init(_ restrictions: DisseminationRestrictions, owner: String) {
        self.restrictions = restrictions
        self.owner = owner
    }

    /// Why the original's restrictions withhold `subscriber`, or nil.
    public func withholdingReason(for subscriber: SubscriberFacts) -> WithholdingReason? {
        subscriber.node == owner ? nil : restrictions.withholdingReason(node: subscriber.node, country: subscriber.country)
    }
}

extension DisseminationRestrictions {
    /// Restrictions read back from their ``recordDescription`` (an audit `route` record's
    /// `restrictions`); nil when the text is not of that form.
    public init?(recordDescription text: String) {
        var lists: [String: [String]] = [:]
        for part in text.split(separator: " ") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            lists[String(pair[0])] = pair[1].split(separator: ",").map(String.init)
        }
        guard Set(lists.keys).isSubset(of: ["allow-countries", "deny-countries", "allow-nodes", "deny-nodes"]) else { return nil }
        self.init(allowedCountries: lists["allow-countries"] ?? [], deniedCountries: lists["deny-countries"] ?? [],
                  allowedNodes: lists["allow-nodes"] ?? [], deniedNodes: lists["deny-nodes"] ?? [])
    }

    /// `allow-countries=ug,ke deny-countries=tz allow-nodes=… deny-nodes=…` (only the lists given,
    /// each sorted): the form the routing audit record keeps.
    public var recordDescription: String {
        [("allow-countries", allowedCountries), ("deny-countries", deniedCountries),
         ("allow-nodes", allowedNodes), ("deny-nodes", deniedNodes)]
            .filter { !$0.1.isEmpty }
            .map { "\($0.0)=\($0.1.sorted().joined(separator: ","))" }
            .joined(separator: " ")
    }
}
