import Dispatch
import NexAudit
import NexWire

/// Subscribers that cannot keep up (`limits.slowConsumerPolicy`). Connection queue.
///
/// A subscriber is slow when its outbound buffer is over `limits.outboundBufferBytes` or it leaves
/// more than `limits.maxUnreceiptedDeliveries` without a receipt. Deliveries reach a connection
/// through its outbox, never by waiting on it, so neither policy slows the publisher or the other
/// subscribers; both leave the ids the subscriber missed in the audit log.
extension Connection {
    /// Stable reason codes of the audit records.
    enum SlowConsumerReason {
        /// `disconnect` policy: the connection was closed.
        static let disconnected = "slow-consumer"
        /// `drop` policy: deliveries were dropped (one record per interval).
        static let dropped = "slow-consumer-dropped"
    }

    /// Whether a new delivery would go over either limit. Deliveries held in the priority lanes
    /// (D58) count as if they were in the output buffer: they are owed to the node.
    var isOverDeliveryLimits: Bool {
        pendingOutputBytes + heldDeliveries.plainBytes > limits.outboundBufferBytes
            || deliveries.unreceiptedCount + heldDeliveries.plainCount >= limits.maxUnreceiptedDeliveries
    }

    /// Condemns the connection (`disconnect` policy, or output past twice the limit under `drop`):
    /// it closes on its next turn of the queue. Until then deliveries are no longer queued but noted
    /// as missed, so the disconnect record lists every one (the rest of an outbox batch included).
    func abandonSlowConsumer(_ detail: String) {
        guard session.isEstablished, slowConsumerDetail == nil else { return }
        slowConsumerDetail = detail
        logger.warning("slow consumer disconnected", metadata: ["pending.bytes": "\(pendingOutputBytes)"])
        queue.async { self.close(reason: detail, code: SlowConsumerReason.disconnected) }
    }

    /// Every delivery this connection was routed but its node did not confirm: queued or sent
    /// without a receipt, condemned after the decision, or still in the outbox. For the disconnect record.
    func missedDeliveries() -> MissedDeliveries {
        var missed = MissedDeliveries()
        for messageID in deliveries.unreceiptedMessageIDs { missed.note(messageID) }
        // Held deliveries were routed before the condemnation, those after it after: routing order.
        for messageID in heldDeliveries.messageIDs { missed.note(messageID) }
        for messageID in missedAfterAbandon { missed.note(messageID) }
        for case .delivery(let message, _) in outbox.withLock({ $0.items }) { missed.note(message.messageID) }
        return missed
    }

    /// `drop` policy: notes a delivery not queued because the subscriber is over its limits. The
    /// first drop of an episode is logged; the drops are recorded once per `limits.refusalIntervalSeconds`,
    /// or as soon as ``MissedDeliveries/dropRecordThreshold`` ids are waiting.
    func dropDelivery(_ messageID: MessageID) {
        droppedDeliveries.note(messageID)
        if !isDroppingDeliveries {
            isDroppingDeliveries = true
            logger.warning("slow consumer: dropping deliveries while its output is over the limit", metadata: [
                "pending.bytes": "\(pendingOutputBytes)", "msg.id": "\(messageID)",
            ])
        }
        if droppedDeliveries.total >= MissedDeliveries.dropRecordThreshold {
            // The interval's timer, still pending, finds nothing or the next ids: harmless.
            recordDroppedDeliveries()
            return
        }
        guard !isDropRecordScheduled else { return }
        isDropRecordScheduled = true
        let interval = context.limits.refusalInterval.components.seconds
        queue.asyncAfter(deadline: .now() + .seconds(Int(interval))) { self.recordDroppedDeliveries() }
    }

    /// A delivery was queued again: the episode of drops (if any) is over.
    func deliveriesResumed() {
        guard isDroppingDeliveries else { return }
        isDroppingDeliveries = false
        logger.info("slow consumer caught up; deliveries resume", metadata: ["dropped": "\(droppedDeliveries.total)"])
    }

    /// Writes the record of the deliveries dropped since the last one (interval timer, and at close).
    func recordDroppedDeliveries() {
        isDropRecordScheduled = false
        guard !droppedDeliveries.isEmpty, let identity else { return }
        var event = AuditEvent(.route, timeMillis: WallClock.nowMillis(), outcome: .refused)
        event.reason = SlowConsumerReason.dropped
        event.connection = id
        event.node = identity.id
        event.detail = "\(droppedDeliveries.summary): the subscriber's output was over limits.outboundBufferBytes "
            + "or limits.maxUnreceiptedDeliveries (limits.slowConsumerPolicy drop)"
        droppedDeliveries.describe(into: &event)
        droppedDeliveries = MissedDeliveries()
        context.audit.append([event])
    }
}
