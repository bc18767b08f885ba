import NexCrypto
import NexWire

/// Flow control for deliveries that carry inbox entries (connection queue; D54, amended). A border
/// post back from an outage may have thousands of notices waiting; sent in one go they would fill
/// its link and trip the slow-consumer limits, and since it had receipted nothing the next attach
/// would send the same again. So an inbox delivery is sent only while the connection has a window:
/// its output under half of `limits.outboundBufferBytes` and its unreceipted deliveries under half
/// of `limits.maxUnreceiptedDeliveries`. The rest wait here, in order (so new traffic on a durable
/// subscription still follows its backlog), and go out as receipts arrive and the socket drains.
/// While any are held, plain deliveries routed after them wait behind them too, so a connection's
/// deliveries keep the order they were routed in. A client must receipt when its input goes idle
/// (docs/PROTOCOL.md §0x25), or the window stays shut. Nothing held is lost if the connection
/// ends: every entry stays in its inbox until receipted.
extension Connection {
    /// Whether an inbox delivery may be sent now.
    var hasInboxWindow: Bool {
        pendingOutputBytes < limits.outboundBufferBytes / 2
            && deliveries.unreceiptedCount < max(1, limits.maxUnreceiptedDeliveries / 2)
    }

    /// Holds an inbox-carrying delivery behind any held before it, then sends what the window allows.
    /// A node that leaves more than twice `limits.inboxMessagesPerNode` deliveries held (a full
    /// backlog and as much new traffic again: it stopped receipting) is disconnected as a slow
    /// consumer; its inboxes keep every entry their bounds allow.
    func holdInboxDelivery(_ message: DeliveryMessage, subscriptionIDs: [UInt32]) {
        heldDeliveries.append(message, subscriptionIDs: subscriptionIDs)
        let bound = 2 * limits.inboxMessagesPerNode
        if heldDeliveries.count > bound {
            abandonSlowConsumer("slow-consumer: more than \(bound) inbox deliveries waiting for receipts (2 × limits.inboxMessagesPerNode); the inboxes keep them")
            return
        }
        // The outbox drain that brought it flushes once for its whole batch.
        sendHeldInboxDeliveries(flushing: false)
    }

    /// Sends held inbox deliveries while the window allows (after a receipt, a drained socket, or a
    /// new held delivery). Deliveries whose subscriptions were all withdrawn meanwhile are skipped
    /// (not a follow-up routed to a holder with no subscription id, D57).
    func sendHeldInboxDeliveries(flushing: Bool = true) {
        guard session.isEstablished, slowConsumerDetail == nil else { return }
        var sent = false
        while session.isEstablished, slowConsumerDetail == nil, !heldDeliveries.isEmpty, hasInboxWindow,
              let (message, subscriptionIDs, toHolder) = heldDeliveries.popFirst() {
            let live = subscriptionIDs.filter { subscriptions[$0] != nil }
            guard !live.isEmpty || toHolder else { continue }
            sendDelivery(message, subscriptionIDs: live)
            sent = true
        }
        if sent, flushing { flush() }
    }

    /// Sends one delivery now: numbered in the delivery window, its inbox entries noted for the
    /// cursors a receipt moves.
    func sendDelivery(_ message: DeliveryMessage, subscriptionIDs live: [UInt32]) {
        let sequence = deliveries.deliver(message.messageID, originator: SHA256Digest(bytes: message.certificateFingerprint))
        for id in live { if let inbox = durableInboxes[id] { inboxDeliveries.delivered(sequence, inbox: inbox, auditSequence: message.auditSequence) } }
        enqueue(.deliver(Deliver(
            deliverySequence: sequence, subscriptionIDs: live, originNode: message.originNode,
            receivedAtMillis: UInt64(max(0, message.receivedAtMillis)), certificateFingerprint: message.certificateFingerprint,
            auditSequence: message.auditSequence, envelope: message.envelope)))
    }
}
