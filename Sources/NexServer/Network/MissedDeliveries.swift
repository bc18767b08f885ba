import NexAudit
import NexWire

/// The message ids a slow subscriber missed, for its audit record: every one, in delivery order.
///
/// The record lists the first ``AuditEvent/missedMessageIDsLimit`` with the total in `count`;
/// the audit log writes the rest as `continuation` records right after it, in the same append
/// (docs/AUDIT.md §Continuation records). Held as 16-byte ids until the record is made; a
/// disconnect lists at most `limits.maxUnreceiptedDeliveries` plus the outbox plus the held inbox
/// deliveries (at most twice `limits.inboxMessagesPerNode`), and a drop record
/// is written early once it reaches ``MissedDeliveries/dropRecordThreshold``.
struct MissedDeliveries: Sendable, Equatable {
    /// Under the `drop` policy, the drop record is written as soon as it lists this many ids
    /// rather than at the end of its interval, so a long episode does not grow without bound.
    static let dropRecordThreshold = 65_536

    /// The ids, in delivery order.
    private(set) var ids: [MessageID] = []

    var isEmpty: Bool { ids.isEmpty }

    /// How many ids were missed.
    var total: Int { ids.count }

    /// Notes one missed delivery.
    mutating func note(_ messageID: MessageID) {
        ids.append(messageID)
    }

    /// Puts every id and the total into `event` (`missed`, `count`).
    func describe(into event: inout AuditEvent) {
        event.missedMessageIDs = ids.map(\.description)
        event.count = UInt64(ids.count)
    }

    /// "N deliveries missed" (and where the list continues) for the record's detail.
    var summary: String {
        let limit = AuditEvent.missedMessageIDsLimit
        guard ids.count > limit else { return "\(ids.count) deliveries missed" }
        let continuations = (ids.count - 1) / limit
        return "\(ids.count) deliveries missed (the first \(limit) listed here, the rest in the \(continuations) continuation records that follow)"
    }
}
