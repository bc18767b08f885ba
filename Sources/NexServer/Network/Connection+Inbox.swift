import NexAudit
import NexBroker
import NexWire

/// Durable subscriptions (capability `inbox.1`; connection queue): a subscribe attached to a
/// named inbox of the node, which nexd keeps while the node is away (D54). The broker records the
/// attach with the redelivery of what waited and sends the SUBACK, then the waiting entries.
extension Connection {
    /// The longest inbox name (bytes).
    static let maximumInboxNameBytes = 128

    /// Admits a durable subscribe like any subscribe, checks the inbox name, then has the broker
    /// attach it; a refusal there is recorded and answered with a SUBNACK.
    func handleSubscribeDurable(_ subscribe: SubscribeDurable) {
        let subscriptionID = subscribe.subscriptionID
        let name = subscribe.inboxName
        guard name.utf8.count <= Self.maximumInboxNameBytes, !name.isEmpty, name.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            refuseSubscription(subscriptionID, filterText: subscribe.filter, .invalidFilter,
                               "an inbox name is 1–\(Self.maximumInboxNameBytes) printable ASCII characters without spaces")
            return
        }
        guard let (filter, identity) = admitSubscription(subscriptionID, filterText: subscribe.filter) else { return }
        subscriptions[subscriptionID] = filter
        durableInboxes[subscriptionID] = name
        // Until its SUBACK passes the outbox, nothing names this id: deliveries routed for an
        // earlier subscription that used the id may still be on their way (D54 amendment).
        pendingDurableAttaches.insert(subscriptionID)
        controlFrameAwaitsAnswer()   // answered by the broker's SUBACK, or the SUBNACK below
        let broker = context.broker
        let connectionID = id
        let key = InboxKey(node: identity.id, name: name)
        broker.queue.async {
            guard let refusal = broker.attachInbox(connectionID, subscriptionID: subscriptionID, key: key, filter: filter) else { return }
            self.queue.async { self.undoDurableSubscription(subscriptionID, filterText: subscribe.filter, refusal) }
        }
    }

    /// The broker refused to attach: forget the subscription and refuse it (recorded, SUBNACK).
    private func undoDurableSubscription(_ subscriptionID: UInt32, filterText: String, _ refusal: WireError) {
        controlFrameAnswered()
        guard session.isEstablished, let inbox = durableInboxes.removeValue(forKey: subscriptionID) else { return }
        durableSubscriptionEnded(subscriptionID, inbox: inbox)
        subscriptions[subscriptionID] = nil
        heldDeliveries.removeSubscription(subscriptionID)
        if let identity { context.nodeSubscriptions.release(identity.id) }
        refuseSubscription(subscriptionID, filterText: filterText, refusal.code, refusal.reason)
        flush()
    }

    /// The broker took durable subscription `subscriptionID` from this connection (from any
    /// queue): another connection of the node attached its inbox, or the attach could not be
    /// recorded (`unrecorded`). The node is told with an unasked SUBNACK; nothing more names it.
    func inboxWithdrawn(_ subscriptionID: UInt32, inbox: String, unrecorded: Bool, detail: String) {
        queue.async {
            guard self.session.isEstablished, self.durableInboxes[subscriptionID] == inbox,
                  let filter = self.subscriptions[subscriptionID] else { return }
            self.durableInboxes[subscriptionID] = nil
            self.durableSubscriptionEnded(subscriptionID, inbox: inbox)
            if unrecorded {
                // No SUBACK left and nothing was recorded: the SUBNACK answers the subscribe.
                self.controlFrameAnswered()
                self.subscriptions[subscriptionID] = nil
                self.heldDeliveries.removeSubscription(subscriptionID)
                if let identity = self.identity { self.context.nodeSubscriptions.release(identity.id) }
                self.enqueue(.subnack(SubscribeNack(subscriptionID: subscriptionID, code: .auditUnavailable, reason: detail)))
            } else {
                self.withdrawSubscription(subscriptionID, filter: filter, code: .duplicateSubscription, reason: "inbox-moved", detail: detail)
            }
            self.flush()
        }
    }
}
