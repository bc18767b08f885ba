/// The deliveries of one connection that carried durable-inbox entries and are not receipted yet,
/// in delivery order. Deliveries of an inbox leave in acceptance order with no gap (entries are
/// never dropped while attached: they wait on the connection, Connection+InboxFlow.swift), so a
/// cumulative receipt moves each inbox's cursor to the newest acceptance sequence it covers (D54).
struct InboxDeliveries {
    private var pending: [(delivery: UInt64, inbox: String, auditSequence: UInt64)] = []
    private var start = 0

    /// Delivery `delivery` carried the entry `auditSequence` of `inbox`.
    mutating func delivered(_ delivery: UInt64, inbox: String, auditSequence: UInt64) {
        pending.append((delivery, inbox, auditSequence))
    }

    /// A receipt through `through`: each inbox's new cursor (the newest entry covered), in the
    /// order the inboxes were first delivered.
    mutating func receipt(through: UInt64) -> [(inbox: String, cursor: UInt64)] {
        var cursors: [(inbox: String, cursor: UInt64)] = []
        while start < pending.count, pending[start].delivery <= through {
            let item = pending[start]
            if let index = cursors.firstIndex(where: { $0.inbox == item.inbox }) {
                cursors[index].cursor = max(cursors[index].cursor, item.auditSequence)
            } else {
                cursors.append((item.inbox, item.auditSequence))
            }
            start += 1
        }
        if start == pending.count {
            pending.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1024, start * 2 > pending.count {
            pending.removeFirst(start)
            start = 0
        }
        return cursors
    }
}
