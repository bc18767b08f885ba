import NexNotices
import Synchronization

/// Headroom for urgent notices (issue 15 §2, D68): while urgent notices flow — one accepted in the
/// last second from the General Secretariat or an NCB — every connection may leave fewer publishes unanswered
/// (`limits.inFlightPublishesWhileUrgent`, default 16, instead of `maxInFlightPublishesPerConnection`)
/// before nexd stops reading it. A routine flood then keeps less work queued in the shared serial
/// stages (I/O queues, broker, audit writer), so an urgent notice waits behind less of it; when no
/// urgent notice has come for a second, the usual bound applies again.
final class UrgentHeadroom: Sendable {
    /// How long after an urgent admission the lower bound holds.
    static let window: UInt64 = 1_000_000_000
    private let lastUrgentNanos = Atomic<UInt64>(0)

    /// An urgent notice was accepted at `nanos` (uptime); true when that turned the lower bound on
    /// (nothing urgent in the second before), for the log line.
    @discardableResult
    func noteUrgent(atNanos nanos: UInt64) -> Bool {
        let wasActive = isActive(atNanos: nanos)
        lastUrgentNanos.store(max(nanos, 1), ordering: .relaxed)
        return !wasActive
    }

    /// Whose urgent notices turn the lower bound on: the General Secretariat's and the NCBs' (their
    /// notices, arrest diffusions, action requests), not a border post's hit — a post may report
    /// detentions as often as it likes, and must not be able to slow the exchange down by it.
    static func triggers(role: NodeRole) -> Bool {
        role == .gs || role == .ncb
    }

    /// Whether urgent notices flow at `nanos`.
    func isActive(atNanos nanos: UInt64) -> Bool {
        let last = lastUrgentNanos.load(ordering: .relaxed)
        return last != 0 && nanos >= last && nanos - last < Self.window
    }

    /// The unanswered publishes a connection may have: `configured`, or `whileUrgent` (when set and
    /// lower) while urgent notices flow.
    static func limit(configured: Int, whileUrgent: Int, urgentActive: Bool) -> Int {
        urgentActive && whileUrgent > 0 ? min(configured, whileUrgent) : configured
    }
}
