import NexSync

/// A count per node id with a cap: open connections per node (so one node or a stolen key cannot
/// take every slot), subscriptions per node over all its connections.
final class PerNodeCounter: Sendable {
    private let counts = Locked<[String: Int]>([:])

    /// Counts one more for `node` unless it already has `limit`; false when refused.
    func admit(_ node: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[node, default: 0]
            guard current < limit else { return false }
            counts[node] = current + 1
            return true
        }
    }

    /// Uncounts `amount` admitted earlier.
    func release(_ node: String, amount: Int = 1) {
        guard amount > 0 else { return }
        counts.withLock { counts in
            let remaining = counts[node, default: amount] - amount
            counts[node] = remaining > 0 ? remaining : nil
        }
    }

    /// The current count of `node`.
    func count(of node: String) -> Int {
        counts.withLock { $0[node, default: 0] }
    }
}
