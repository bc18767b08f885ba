import NexWire

/// Deliveries waiting on their connection for room in its delivery window
/// (Connection+InboxFlow.swift), in three FIFO lanes by priority (D58): the connection sends the
/// oldest of the most urgent lane first. A follow-up whose original (or an earlier follow-up of the
/// same original) is still held here joins that lane, behind it, so a follow-up never overtakes
/// its original. A value: no I/O, tested as a table.
struct HeldDeliveries {
    /// One held delivery.
    struct Item {
        /// Shared with every other connection that holds the notice (a reference).
        let message: DeliveryMessage
        /// The live subscription ids, stored without an allocation when there is one (S8 holds a
        /// million items at once: an array each cost ~48 bytes more).
        private var ids: HeldSubscriptionIDs
        /// Routed with no subscription id: a follow-up to a record the node holds (D57);
        /// otherwise an item whose ids have all ended is skipped.
        let toHolder: Bool
        /// It carries durable-inbox entries: never dropped, and sent only inside the inbox window.
        let carriesInbox: Bool
        /// The lane it waits in (0 urgent, 1 normal, 2 routine).
        let lane: UInt8

        init(message: DeliveryMessage, subscriptionIDs: [UInt32], toHolder: Bool, carriesInbox: Bool, lane: Int) {
            self.message = message
            ids = HeldSubscriptionIDs(subscriptionIDs)
            self.toHolder = toHolder
            self.carriesInbox = carriesInbox
            self.lane = UInt8(lane)
        }

        /// The live subscription ids it was routed for (ended ones are removed).
        var subscriptionIDs: [UInt32] { ids.array }

        mutating func removeSubscription(_ id: UInt32) { ids.remove(id) }
    }

    private var lanes = [Lane(), Lane(), Lane()]
    /// Held deliveries that carry no inbox entry, and their envelope bytes: they count against the
    /// slow-consumer limits as if they were in the output buffer.
    private(set) var plainCount = 0
    private(set) var plainBytes = 0

    var isEmpty: Bool { lanes.allSatisfy(\.isEmpty) }
    var count: Int { lanes.reduce(0) { $0 + $1.count } }

    /// Holds a delivery in its priority's lane; a follow-up whose chain (its original, earlier
    /// follow-ups) still has a delivery held joins that lane, behind it. Only a follow-up searches
    /// the lanes (follow-ups are rare): an index per held delivery cost ~100 bytes each, a quarter
    /// of a GB in the reconnect storm (S8).
    mutating func append(_ message: DeliveryMessage, subscriptionIDs: [UInt32], carriesInbox: Bool = false) {
        var lane = message.order.priority.lane
        if message.order.original != nil {
            let chain = message.order.chain(of: message.messageID)
            if let held = lanes.indices.first(where: { lanes[$0].holds(chain: chain) }) { lane = held }
        }
        lanes[lane].append(Item(message: message, subscriptionIDs: subscriptionIDs, toHolder: subscriptionIDs.isEmpty,
                                carriesInbox: carriesInbox, lane: lane))
        if !carriesInbox {
            plainCount += 1
            plainBytes += message.envelope.count
        }
    }

    /// The delivery to send next: the oldest of the most urgent non-empty lane.
    var first: Item? {
        lanes.first(where: { !$0.isEmpty })?.first
    }

    /// ``first``, removed.
    mutating func popFirst() -> Item? {
        guard let index = lanes.firstIndex(where: { !$0.isEmpty }), let item = lanes[index].popFirst() else { return nil }
        if !item.carriesInbox {
            plainCount -= 1
            plainBytes -= item.message.envelope.count
        }
        return item
    }

    /// Subscription `id` ended (unsubscribed or withdrawn): no held delivery names it any more, so a
    /// later subscription reusing the id never receives what was routed for the old one.
    mutating func removeSubscription(_ id: UInt32) {
        for index in lanes.indices { lanes[index].removeSubscription(id) }
    }

    /// The message ids of the held deliveries that still name a subscription, most urgent lane
    /// first, each once (for a disconnect record).
    var messageIDs: [MessageID] {
        var seen = Set<MessageID>()
        return lanes.flatMap(\.items).compactMap { item in
            (!item.subscriptionIDs.isEmpty || item.toHolder) && seen.insert(item.message.messageID).inserted ? item.message.messageID : nil
        }
    }
}

/// One lane: a FIFO over an array with a moving start.
private struct Lane {
    private var storage: [HeldDeliveries.Item] = []
    private var start = 0

    var isEmpty: Bool { start == storage.count }
    var count: Int { storage.count - start }
    var first: HeldDeliveries.Item? { isEmpty ? nil : storage[start] }
    var items: ArraySlice<HeldDeliveries.Item> { storage[start...] }

    mutating func append(_ item: HeldDeliveries.Item) {
        storage.append(item)
    }

    mutating func popFirst() -> HeldDeliveries.Item? {
        guard start < storage.count else { return nil }
        let item = storage[start]
        start += 1
        if start == storage.count {
            storage.removeAll(keepingCapacity: storage.count < 4096)
            start = 0
        } else if start > 1024, start * 2 > storage.count {
            storage.removeFirst(start)
            start = 0
        }
        return item
    }

    /// Whether a delivery of `chain` (an original's id, shared by its follow-ups) waits here.
    func holds(chain: MessageID) -> Bool {
        items.contains { $0.message.order.chain(of: $0.message.messageID) == chain }
    }

    mutating func removeSubscription(_ id: UInt32) {
        guard start < storage.count else { return }
        for index in start..<storage.count { storage[index].removeSubscription(id) }
    }
}

/// A held delivery's subscription ids: one inline (the usual case), else an array.
private enum HeldSubscriptionIDs {
    case one(UInt32)
    case many([UInt32])

    init(_ ids: [UInt32]) {
        self = ids.count == 1 ? .one(ids[0]) : .many(ids)
    }

    var array: [UInt32] {
        switch self {
        case .one(let id): [id]
        case .many(let ids): ids
        }
    }

    mutating func remove(_ id: UInt32) {
        switch self {
        case .one(let held) where held == id: self = .many([])
        case .one: break
        case .many(let ids) where ids.contains(id): self = .many(ids.filter { $0 != id })
        case .many: break
        }
    }
}
