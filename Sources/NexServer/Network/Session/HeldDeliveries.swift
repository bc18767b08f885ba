import NexWire

/// Deliveries waiting on their connection for room in the inbox window (Connection+InboxFlow.swift),
/// oldest first: those that carry inbox entries, and any routed after them. A FIFO over an array
/// with a moving start.
struct HeldDeliveries {
    /// `toHolder`: routed with no subscription id, a follow-up to a record the node holds (D57);
    /// otherwise an item whose ids have all ended is skipped.
    private var items: [(message: DeliveryMessage, subscriptionIDs: [UInt32], toHolder: Bool)] = []
    private var start = 0

    var isEmpty: Bool { start == items.count }
    var count: Int { items.count - start }

    mutating func append(_ message: DeliveryMessage, subscriptionIDs: [UInt32]) {
        items.append((message, subscriptionIDs, subscriptionIDs.isEmpty))
    }

    /// The oldest held delivery, removed.
    mutating func popFirst() -> (message: DeliveryMessage, subscriptionIDs: [UInt32], toHolder: Bool)? {
        guard start < items.count else { return nil }
        let item = items[start]
        start += 1
        if start == items.count {
            items.removeAll(keepingCapacity: items.count < 4096)
            start = 0
        } else if start > 1024, start * 2 > items.count {
            items.removeFirst(start)
            start = 0
        }
        return item
    }

    /// Subscription `id` ended (unsubscribed or withdrawn): no held delivery names it any more, so a
    /// later subscription reusing the id never receives what was routed for the old one.
    mutating func removeSubscription(_ id: UInt32) {
        guard start < items.count else { return }
        for index in start..<items.count where items[index].subscriptionIDs.contains(id) {
            items[index].subscriptionIDs.removeAll { $0 == id }
        }
    }

    /// The message ids of the held deliveries that still name a subscription, oldest first, each
    /// once (for a disconnect record).
    var messageIDs: [MessageID] {
        var seen = Set<MessageID>()
        return items[start...].compactMap { item in
            (!item.subscriptionIDs.isEmpty || item.toHolder) && seen.insert(item.message.messageID).inserted ? item.message.messageID : nil
        }
    }
}
