import NexAudit
import NexBroker

/// Where one accepted notice goes among the durable inboxes, merged with the live routing decision:
/// an inbox attached to a connection rides on that connection's delivery (its durable subscription
/// id added), an inbox whose node is away is queued, and the restrictions and permissions judged
/// for live subscribers are judged for inboxes too, at routing time (D54). Pure.
struct InboxRouting: Sendable {
    /// The live decision's recipients, with attached inboxes merged in (ascending connection id).
    let recipients: [RoutingDecision.Recipient]
    /// The inbox names each recipient connection's delivery carries.
    let inboxesByConnection: [UInt64: [String]]
    /// Inboxes not attached anywhere that keep the notice for their node.
    let queued: [InboxKey]
    /// Matching inboxes withheld from, and why.
    let withheld: [(key: InboxKey, reason: WithholdingReason)]
    /// Every inbox that keeps an entry for the notice (attached or queued), in key order.
    let targets: [InboxKey]
    /// The queued inboxes that keep it only as a compliance copy (D55).
    var complianceQueued: Set<InboxKey> = []

    /// Merges the inboxes of `book` matching `topic` into `decision`. `facts` tells what is known
    /// of a node under the settings in force (nil: off the roster, so nothing is kept for it).
    static func route(_ decision: RoutingDecision, topic: Topic, from originator: String, original: OriginalRestrictions? = nil,
                      copiesForCompliance: Bool = false,
                      book: InboxBook, facts: (String) -> SubscriberFacts?) -> InboxRouting {
        guard !book.inboxes.isEmpty else {
            return InboxRouting(recipients: decision.recipients, inboxesByConnection: [:], queued: [], withheld: [], targets: [])
        }
        var extraSubscriptions: [UInt64: (node: String, ids: [UInt32])] = [:]
        var inboxesByConnection: [UInt64: [String]] = [:]
        var queued: [InboxKey] = []
        var withheld: [(key: InboxKey, reason: WithholdingReason)] = []
        var targets: [InboxKey] = []
        var complianceQueued: Set<InboxKey> = []
        var complianceConnections: Set<UInt64> = []
        for key in book.matching(topic) {
            guard let subscriber = facts(key.node) else { continue }
            let isComplianceCopy: Bool
            switch subscriber.delivery(of: topic, from: originator, restrictions: decision.restrictions, original: original,
                                       copiesForCompliance: copiesForCompliance) {
            case .withheld(let reason):
                withheld.append((key, reason))
                continue
            case .delivered(let compliance):
                isComplianceCopy = compliance
            }
            targets.append(key)
            if let attachment = book.inboxes[key]?.attachment {
                extraSubscriptions[attachment.connection, default: (key.node, [])].ids.append(attachment.subscriptionID)
                inboxesByConnection[attachment.connection, default: []].append(key.name)
                if isComplianceCopy { complianceConnections.insert(attachment.connection) }
            } else {
                queued.append(key)
                if isComplianceCopy { complianceQueued.insert(key) }
            }
        }
        guard !extraSubscriptions.isEmpty else {
            var routing = InboxRouting(recipients: decision.recipients, inboxesByConnection: [:], queued: queued,
                                       withheld: withheld, targets: targets)
            routing.complianceQueued = complianceQueued
            return routing
        }
        var recipients: [RoutingDecision.Recipient] = []
        for recipient in decision.recipients {
            if let extra = extraSubscriptions.removeValue(forKey: recipient.connection) {
                recipients.append(.init(connection: recipient.connection, node: recipient.node,
                                        subscriptionIDs: (recipient.subscriptionIDs + extra.ids).sorted(),
                                        isComplianceCopy: recipient.isComplianceCopy))
            } else {
                recipients.append(recipient)
            }
        }
        if !extraSubscriptions.isEmpty {   // connections with only an inbox on them: merged in by id
            for (connection, extra) in extraSubscriptions {
                recipients.append(.init(connection: connection, node: extra.node, subscriptionIDs: extra.ids.sorted(),
                                        isComplianceCopy: complianceConnections.contains(connection)))
            }
            recipients.sort { $0.connection < $1.connection }
        }
        var routing = InboxRouting(recipients: recipients, inboxesByConnection: inboxesByConnection, queued: queued,
                                   withheld: withheld, targets: targets)
        routing.complianceQueued = complianceQueued
        return routing
    }
}
