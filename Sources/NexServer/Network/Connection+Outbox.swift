import NexCrypto
import NexWire

/// The cross-queue entry points: other queues post frames and deliveries into a locked outbox, and
/// one hop onto the connection queue drains everything posted meanwhile with a single flush. Under
/// load an audit batch's ACKs and deliveries for a connection cost one Dispatch hop, not one each.
extension Connection {
    /// What other queues hand to a connection.
    enum OutboxItem: Sendable {
        case frame(Frame)
        case delivery(DeliveryMessage, subscriptionIDs: [UInt32])
        /// A signed audit checkpoint, for identified open connections that asked for them.
        case checkpoint([UInt8])
    }

    /// Items waiting for the connection queue, and whether a drain is already scheduled.
    struct Outbox: Sendable {
        var items: [OutboxItem] = []
        var isDrainScheduled = false
    }

    /// Sends a frame (from any queue).
    func send(_ frame: Frame) {
        post(.frame(frame))
    }

    /// Pushes a new audit checkpoint (from the audit writer queue).
    func pushCheckpoint(_ encoded: [UInt8]) {
        post(.checkpoint(encoded))
    }

    /// Delivers an accepted notice (from the audit completion).
    func deliver(_ message: DeliveryMessage, subscriptionIDs: [UInt32]) {
        post(.delivery(message, subscriptionIDs: subscriptionIDs))
    }

    /// Delivers an inbox's waiting entries (from the attach's completion) in one post, so the
    /// connection holds them all in their lanes before it sends the first: urgent ones first (D58).
    func deliver(_ messages: [DeliveryMessage], subscriptionID: UInt32) {
        post(contentsOf: messages.map { .delivery($0, subscriptionIDs: [subscriptionID]) })
    }

    private func post(_ item: OutboxItem) {
        post(contentsOf: [item])
    }

    private func post(contentsOf items: [OutboxItem]) {
        let schedule = outbox.withLock { outbox -> Bool in
            outbox.items.append(contentsOf: items)
            if outbox.isDrainScheduled { return false }
            outbox.isDrainScheduled = true
            return true
        }
        if schedule {
            queue.async { self.drainOutbox() }
        }
    }

    /// Connection queue: encodes everything posted, then writes once.
    private func drainOutbox() {
        let items = outbox.withLock { outbox -> [OutboxItem] in
            defer {
                outbox.items = []
                outbox.isDrainScheduled = false
            }
            return outbox.items
        }
        for item in items {
            switch item {
            case .frame(let frame):
                switch frame {
                case .ack, .nack: publishAnswered(); publishBytesAnswered()
                case .suback(let ack):
                    controlFrameAnswered()
                    pendingDurableAttaches.remove(ack.subscriptionID)
                case .certificateResponse, .unsuback: controlFrameAnswered()
                default: break
                }
                guard session.isEstablished || session.isClosing else { continue }
                enqueue(frame)
            case .delivery(let message, let subscriptionIDs):
                guard session.isEstablished else { continue }
                enqueueDelivery(message, subscriptionIDs: subscriptionIDs)
            case .checkpoint(let encoded):
                // Never to a refused or closing peer: the tree size says how busy the log is.
                guard session.receivesCheckpoints else { continue }
                enqueue(.checkpoint(bytes: encoded))
            }
        }
        flush()
        if !heldDeliveries.isEmpty { sendHeldDeliveries() }
    }

    private func enqueueDelivery(_ message: DeliveryMessage, subscriptionIDs: [UInt32]) {
        // An unsubscribe may have overtaken this routed delivery: name only live subscriptions.
        // An empty list from routing is a follow-up to a record the node holds (lifecycle.1, D57).
        let live = subscriptionIDs.filter { self.subscriptions[$0] != nil && !self.pendingDurableAttaches.contains($0) }
        guard !live.isEmpty || subscriptionIDs.isEmpty else { return }
        // Condemned as a slow consumer: the close follows; the disconnect record lists this id.
        guard slowConsumerDetail == nil else {
            missedAfterAbandon.append(message.messageID)
            return
        }
        // Inbox entries are never dropped (the cursor could pass them): they are flow-controlled
        // instead, and wait on the connection for a window (Connection+InboxFlow.swift).
        if live.contains(where: { durableInboxes[$0] != nil }) {
            holdDelivery(message, subscriptionIDs: live, carriesInbox: true)
            return
        }
        if isOverDeliveryLimits {
            switch limits.slowConsumerPolicy {
            case .drop:
                dropDelivery(message.messageID)
                return
            case .disconnect:
                if pendingOutputBytes + heldDeliveries.plainBytes > limits.outboundBufferBytes {
                    abandonSlowConsumer("slow-consumer: more than \(limits.outboundBufferBytes) bytes pending (limits.outboundBufferBytes)")
                } else {
                    let limit = limits.maxUnreceiptedDeliveries
                    abandonSlowConsumer("slow-consumer: more than \(limit) deliveries without a receipt (limits.maxUnreceiptedDeliveries)")
                }
                missedAfterAbandon.append(message.messageID)
                return
            }
        }
        deliveriesResumed()
        // Priority first (D58): while anything waits or the window is shut, a delivery waits in its
        // lane, so a later urgent one can pass routine ones still held (plain deliveries routed
        // after inbox ones wait behind them in their lane: the routing order within a lane is kept).
        if heldDeliveries.isEmpty, !hasDeliveryWindow { flush() }   // judge by what the socket will not take
        if !heldDeliveries.isEmpty || !hasDeliveryWindow {
            holdDelivery(message, subscriptionIDs: live, carriesInbox: false)
            return
        }
        sendDelivery(message, subscriptionIDs: live)
    }
}
