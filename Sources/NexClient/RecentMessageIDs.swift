import NexWire

/// The message ids most recently seen, to drop deliveries a reconnect repeats (delivery is at
/// least once across reconnects).
///
/// Bounded: it remembers the last `capacity` distinct ids and forgets the oldest first (FIFO),
/// so memory stays fixed however long a subscriber runs. A repeat older than that is not caught.
public struct RecentMessageIDs: Sendable {
    /// How many ids it remembers. Default 100,000 (about 3 MB).
    public let capacity: Int
    private var members: Set<MessageID> = []
    private var order: [MessageID] = []
    /// Where the next id goes in `order` once it is full (the oldest id).
    private var oldest = 0

    /// An empty set remembering at most `capacity` ids.
    public init(capacity: Int = 100_000) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// How many ids it remembers now.
    public var count: Int { members.count }

    /// Whether `id` is remembered.
    public func contains(_ id: MessageID) -> Bool { members.contains(id) }

    /// Remembers `id`; returns false when it was already remembered (a duplicate).
    @discardableResult
    public mutating func insert(_ id: MessageID) -> Bool {
        guard !members.contains(id) else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[oldest])
            order[oldest] = id
            oldest = (oldest + 1) % capacity
        }
        members.insert(id)
        return true
    }
}
