import NexWire

/// Deliveries that carry inbox entries, waiting on their connection for room in the inbox window
/// (Connection+InboxFlow.swift), oldest first. A FIFO over an array with a moving start.
struct HeldDeliveries {
    private var items: [(message: DeliveryMessage, subscriptionIDs: [UInt32])] = []
    private var start = 0

    var isEmpty: Bool { start == items.count }
    var count: Int { items.count - start }

    mutating func append(_ message: DeliveryMessage, subscriptionIDs: [UInt32]) {
        items.append((message, subscriptionIDs))
    }

    /// The oldest held delivery, removed.
    mutating func popFirst() -> (message: DeliveryMessage, subscriptionIDs: [UInt32])? {
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

    /// The message ids of every held delivery, oldest first (for a disconnect record).
    var messageIDs: [MessageID] { items[start...].map(\.message.messageID) }
}
