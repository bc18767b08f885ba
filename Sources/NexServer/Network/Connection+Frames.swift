import Dispatch
import NexAudit
import NexBroker
import NexConfig
import NexCrypto
import NexNotices
import NexWire

/// What an open connection does with each frame from its node (connection queue).
extension Connection {
    /// A frame came out of the decoder: the session machine judges it (hello, admission of
    /// control frames, the receipt bound, frames only nexd sends) and says what to do.
    func handle(_ frame: Frame) {
        perform(session.frameDecoded(frame, deliveries: deliveries.summary, nowNanos: DispatchTime.now().uptimeNanoseconds))
    }

    /// Performs the session machine's actions, in order (connection queue).
    func perform(_ actions: [SessionAction]) {
        for action in actions {
            switch action {
            case .admit:
                admitIdentifiedNode()
            case .recordRefusal(let refusal, let detail):
                recordRefusal(refusal, detail: detail)
            case .recordHandshakeEnd(let end):
                recordHandshakeEnd(end)
            case .recordProtocolError(let error):
                recordProtocolError(error)
            case .noteControlFrameRateExceeded(let type, let limit):
                logger.warning("control frame rate exceeded; closing", metadata: ["frame.type": "\(type)", "limit": "\(limit)"])
            case .send(let frame):
                enqueue(frame)
            case .noteLifecycle:
                // Behind the registration the admit posted: the broker queue keeps this order.
                let broker = context.broker
                let connectionID = id
                broker.queue.async { broker.noteLifecycle(connectionID) }
            case .publish(let envelope):
                handlePublish(envelope)
            case .subscribe(let subscribe):
                handleSubscribe(subscribe)
            case .subscribeDurable(let subscribe):
                handleSubscribeDurable(subscribe)
            case .unsubscribe(let subscriptionID):
                handleUnsubscribe(subscriptionID)
            case .recordReceipts(let through):
                recordReceipts(upTo: through)
            case .answerCertificateRequest(let fingerprint):
                handleCertificateRequest(fingerprint)
            case .scheduleIdleCheck(let deadline):
                scheduleIdleCheck(atNanos: deadline)
            case .pingQuietNode(let nonce):
                pingQuietNode(nonce: nonce)
            case .closeIdle(let reason):
                closeIdle(reason)
            case .closeAfterFlush:
                closeAfterFlush()
            case .closeNow(let reason, let code):
                close(reason: reason, code: code)
            }
        }
    }

    // MARK: - Receipts and certificates

    /// Records one audit entry for every delivery up to `through` not yet receipted.
    func recordReceipts(upTo through: UInt64) {
        let received = deliveries.receipt(through: through).map(\.description)
        guard !received.isEmpty else { return }
        let now = WallClock.nowMillis()
        var event = AuditEvent(.receipt, timeMillis: now)
        event.connection = id
        event.node = identity?.id
        event.deliverySequence = through
        event.receivedMessageIDs = received
        // Inbox cursors move in the same append: the node has every entry up to each one.
        let cursors = inboxDeliveries.receipt(through: through)
        var events = [event]
        for (inbox, cursor) in cursors {
            var moved = AuditEvent(.inbox, timeMillis: now)
            moved.reason = "receipted"
            moved.connection = id
            moved.node = identity?.id
            moved.inbox = inbox
            moved.throughSequence = cursor
            events.append(moved)
        }
        context.audit.append(events)
        if let node = identity?.id, !cursors.isEmpty {
            let broker = context.broker
            broker.queue.async {
                for (inbox, cursor) in cursors { broker.inboxReceipted(node: node, inbox: inbox, through: cursor) }
            }
        }
        if !heldDeliveries.isEmpty { sendHeldDeliveries() }
    }
}
