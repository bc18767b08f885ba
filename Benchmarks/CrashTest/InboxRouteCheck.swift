import NexAudit
import NexWire

/// The audit log read back for the crash test's durable border posts: every ACKed message's
/// `route` record must name each inbox, as a live recipient's (`recipients[].inboxes`) or as
/// queued for an offline node (`queued`) — the log is the inboxes' store (D54), so a route record
/// without the inbox is a notice nexd could never redeliver after a crash.
struct InboxRouteCheck: Sendable {
    /// The inboxes to look for: node id and inbox name.
    let inboxes: [(node: String, name: String)]
    /// For each routed message id, a bit per inbox its route record named.
    private var named: [String: UInt64] = [:]
    /// `inbox` records by reason (`receipted`, `redelivered`, `expired`, …) for these inboxes.
    private(set) var inboxRecords: [String: Int] = [:]

    init(inboxes: [(node: String, name: String)]) {
        precondition(inboxes.count <= 64, "one bit per inbox")
        self.inboxes = inboxes
    }

    /// Folds one record in.
    mutating func apply(_ record: AuditRecord) {
        switch record.event {
        case "route":
            guard record.string("outcome") == nil, let id = record.string("msg") else { return }
            var bits: UInt64 = 0
            for recipient in record.members["recipients"] as? [[String: Any]] ?? [] {
                guard let node = recipient["node"] as? String else { continue }
                for name in recipient["inboxes"] as? [String] ?? [] { bits |= bit(node: node, name: name) }
            }
            for queued in record.members["queued"] as? [[String: Any]] ?? [] {
                guard let node = queued["node"] as? String, let name = queued["inbox"] as? String else { continue }
                bits |= bit(node: node, name: name)
            }
            named[id, default: 0] |= bits
        case "inbox":
            guard let node = record.string("node"), let name = record.string("inbox"), bit(node: node, name: name) != 0 else { return }
            inboxRecords[record.string("reason") ?? "?", default: 0] += 1
        default:
            break
        }
    }

    private func bit(node: String, name: String) -> UInt64 {
        guard let index = inboxes.firstIndex(where: { $0.node == node && $0.name == name }) else { return 0 }
        return 1 << UInt64(index)
    }

    /// For each inbox, the ids of `acknowledged` whose route record does not name it (sorted).
    func unrouted(_ acknowledged: [MessageID]) -> [[MessageID]] {
        inboxes.indices.map { index in
            acknowledged.filter { (named[$0.description] ?? 0) & (1 << UInt64(index)) == 0 }.sorted()
        }
    }
}
