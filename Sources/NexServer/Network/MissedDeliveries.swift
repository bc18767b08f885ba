import NexAudit
import NexWire

/// The message ids a slow subscriber missed, for its audit record: the first
/// ``AuditEvent/missedMessageIDsLimit`` in order, and how many there were in all.
///
/// Bounded however many deliveries a stalled peer misses, so a record stays a reasonable line.
struct MissedDeliveries: Sendable, Equatable {
    /// The first ids, in delivery order.
    private(set) var listed: [String] = []
    /// How many ids were missed, listed or not.
    private(set) var total = 0
    private let limit: Int

    init(limit: Int = AuditEvent.missedMessageIDsLimit) {
        self.limit = limit
    }

    var isEmpty: Bool { total == 0 }

    /// Notes one missed delivery.
    mutating func note(_ messageID: MessageID) {
        total += 1
        if listed.count < limit { listed.append(messageID.description) }
    }

    /// Puts the ids and the total into `event` (`missed`, `count`).
    func describe(into event: inout AuditEvent) {
        event.missedMessageIDs = listed
        event.count = UInt64(total)
    }

    /// "N deliveries missed (the first 1000 listed)" for the record's detail.
    var summary: String {
        total > listed.count ? "\(total) deliveries missed (the first \(listed.count) listed)" : "\(total) deliveries missed"
    }
}
