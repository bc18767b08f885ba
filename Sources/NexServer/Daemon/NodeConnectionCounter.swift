import Synchronization

/// Open connections per node id, so one node (or a stolen key) cannot take every slot.
final class NodeConnectionCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Counts a new connection of `node` unless it already has `limit`; false when refused.
    func admit(_ node: String, limit: Int) -> Bool {
        counts.withLock { counts in
            let current = counts[node, default: 0]
            guard current < limit else { return false }
            counts[node] = current + 1
            return true
        }
    }

    /// Uncounts a connection admitted earlier.
    func release(_ node: String) {
        counts.withLock { counts in
            let remaining = counts[node, default: 1] - 1
            counts[node] = remaining > 0 ? remaining : nil
        }
    }
}
