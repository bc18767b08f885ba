import NexBroker

/// The holders of a follow-up's original that topic routing did not reach (D57): each is sent the
/// follow-up on every connection of the node where `lifecycle.1` is in effect, as a `deliver` with
/// no subscription id ("a follow-up to something you hold"); on a connection without it the node
/// is withheld with reason `no-capability`. Holders are judged like subscribers: their own
/// permissions, the follow-up's restrictions and the original's (a compliance reviewer passes
/// them for a diffusion's follow-up, as for the diffusion, D55). Pure.
enum HolderRouting {
    /// One connection of a holder node.
    struct Connection: Sendable, Equatable {
        let id: UInt64
        let facts: SubscriberFacts
        /// Whether `lifecycle.1` is in effect on it.
        let hasLifecycle: Bool
    }

    /// The extra recipients (no subscription ids) and withheld connections for the holders in
    /// `holders` that neither a recipient connection nor an inbox in `reached` covers.
    /// `connections(node)` lists the node's live connections (ascending id); those in `judged`
    /// (withheld by topic routing already) are not judged twice.
    static func route(holders: [String], reached: Set<String>, judged: Set<UInt64> = [], topic: Topic, from originator: String,
                      restrictions: DisseminationRestrictions, original: OriginalRestrictions, copiesForCompliance: Bool = false,
                      connections: (String) -> [Connection])
        -> (recipients: [RoutingDecision.Recipient], withheld: [RoutingDecision.Withheld]) {
        var recipients: [RoutingDecision.Recipient] = []
        var withheld: [RoutingDecision.Withheld] = []
        for node in holders where !reached.contains(node) {
            for connection in connections(node) where !judged.contains(connection.id) {
                switch connection.facts.delivery(of: topic, from: originator, restrictions: restrictions, original: original,
                                                 copiesForCompliance: copiesForCompliance) {
                case .withheld(let reason):
                    withheld.append(.init(connection: connection.id, node: node, reason: reason))
                case .delivered(let isComplianceCopy) where connection.hasLifecycle:
                    recipients.append(.init(connection: connection.id, node: node, subscriptionIDs: [], isComplianceCopy: isComplianceCopy))
                case .delivered:
                    withheld.append(.init(connection: connection.id, node: node, reason: .noCapability))
                }
            }
        }
        return (recipients, withheld)
    }
}
