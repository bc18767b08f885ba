import NexCrypto
import NexWire

/// The delivery window and the deliveries held for it (connection queue; D54 amended, D58).
///
/// A delivery moves into the transport's output only while the connection's **delivery window** is
/// open: less than ``deliveryWindowBytes`` of output unsent. Whatever cannot go at once waits on the
/// connection in three lanes by priority (``HeldDeliveries``), and leaves most urgent first as the
/// socket drains: so a connection busy with routine traffic has at most ~64 KiB (plus the kernel's
/// socket buffer) ahead of an urgent notice, not its whole outbound buffer. A follow-up waits in
/// its original's lane while the original is held, so it never overtakes it.
///
/// Deliveries that carry inbox entries are also flow-controlled by receipts (D54): sent only while
/// the connection has fewer than half of `limits.maxUnreceiptedDeliveries` unreceipted and less than
/// half of `limits.outboundBufferBytes` unsent. A border post back from an outage may have thousands
/// waiting; sent in one go they would trip the slow-consumer limits, and since it had receipted
/// nothing the next attach would send the same again. A client must receipt when its input goes
/// idle (docs/PROTOCOL.md §0x25), or that window stays shut. Nothing held is lost if the connection
/// ends: every entry stays in its inbox until receipted.
extension Connection {
    /// The most output a connection may have unsent before deliveries wait in their lanes.
    static let deliveryWindowBytes = 64 * 1024

    /// Whether a delivery may move into the transport now.
    var hasDeliveryWindow: Bool {
        pendingOutputBytes < min(Self.deliveryWindowBytes, limits.outboundBufferBytes / 2)
    }

    /// Whether an inbox delivery may be sent now.
    var hasInboxWindow: Bool {
        hasDeliveryWindow && deliveries.unreceiptedCount < max(1, limits.maxUnreceiptedDeliveries / 2)
    }

    /// Holds a delivery in its lane; the outbox drain sends what the windows allow once it has
    /// held everything posted with it (so an attach's whole backlog is in its lanes, urgent
    /// entries first, before the first is sent). A node that leaves more
    /// than twice `limits.inboxMessagesPerNode` inbox deliveries held (a full backlog and as much new
    /// traffic again: it stopped receipting) is disconnected as a slow consumer; its inboxes keep
    /// every entry their bounds allow. Plain deliveries are bounded by the slow-consumer limits
    /// (``isOverDeliveryLimits`` counts them) before they get here.
    func holdDelivery(_ message: DeliveryMessage, subscriptionIDs: [UInt32], carriesInbox: Bool) {
        heldDeliveries.append(message, subscriptionIDs: subscriptionIDs, carriesInbox: carriesInbox)
        if carriesInbox {
            for id in subscriptionIDs {
                if let inbox = durableInboxes[id] { inboxDeliveries.held(inbox: inbox, auditSequence: message.auditSequence) }
            }
        }
        let bound = 2 * limits.inboxMessagesPerNode
        if heldDeliveries.count - heldDeliveries.plainCount > bound {
            abandonSlowConsumer("slow-consumer: more than \(bound) inbox deliveries waiting for receipts (2 × limits.inboxMessagesPerNode); the inboxes keep them")
        }
    }

    /// Sends held deliveries, most urgent lane first, while the windows allow (after a receipt, a
    /// drained socket, or a new held delivery); stops at the first that must wait, so nothing
    /// overtakes within a lane and no lower lane passes a waiting higher one. Deliveries whose
    /// subscriptions were all withdrawn meanwhile are skipped (not a follow-up routed to a holder
    /// with no subscription id, D57).
    func sendHeldDeliveries() {
        while session.isEstablished, slowConsumerDetail == nil {
            var sent = false
            while session.isEstablished, slowConsumerDetail == nil, let next = heldDeliveries.first,
                  next.carriesInbox ? hasInboxWindow : hasDeliveryWindow {
                _ = heldDeliveries.popFirst()
                let live = next.subscriptionIDs.filter { subscriptions[$0] != nil }
                guard !live.isEmpty || next.toHolder else { continue }
                sendDelivery(next.message, subscriptionIDs: live)
                sent = true
            }
            guard sent else { return }
            flush()
            // The socket took everything: the window is open again for what still waits.
            guard pendingOutputBytes == 0, !heldDeliveries.isEmpty else { return }
        }
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

    /// Durable subscription `subscriptionID` (inbox `inbox`) ended on this connection: unless
    /// another durable subscription of the connection still holds the inbox, its entries here
    /// stop moving the inbox's cursor (``InboxDeliveries/forget(inbox:)``).
    func durableSubscriptionEnded(_ subscriptionID: UInt32, inbox: String?) {
        pendingDurableAttaches.remove(subscriptionID)
        guard let inbox, !durableInboxes.values.contains(inbox) else { return }
        inboxDeliveries.forget(inbox: inbox)
    }
}
