import NexAudit
import NexSync

/// Keeps a flood of refusals from filling the disk: per (event, reason, source) and interval, the
/// first `individualLimit` refusals are recorded one by one; the rest are only counted, and one
/// summary record per key says how many there were (docs/AUDIT.md §Refusal records).
///
/// Sources are peer addresses for refusals before a node is identified (TLS failures, handshake
/// timeouts, connection caps), and node ids for refused publishes and subscribes: both are
/// refusals a peer can trigger at will.
final class RefusalAggregator: Sendable {
    /// A refusal source: the event its summary is written as, the stable reason, and the peer's
    /// address without its port or the node id.
    struct Key: Hashable, Sendable {
        var event: AuditEvent.Kind = .connect
        var reason: String
        var source: String
    }

    /// What to do with one refusal.
    enum Decision: Equatable {
        /// Record (and log) it individually.
        case record
        /// Only count it; `isFirstSuppressed` is true once per key and interval (log that once).
        case count(isFirstSuppressed: Bool)
    }

    private let individualLimit: Int
    private let counts = Locked<[Key: Int]>([:])

    init(individualLimit: Int) {
        self.individualLimit = individualLimit
    }

    /// Counts a refusal of `reason` from `peer` (`ip:port` or `[ip]:port`).
    func note(reason: String, peer: String) -> Decision {
        note(Key(reason: reason, source: Self.address(of: peer)))
    }

    /// Counts a refused `event` (`publish`, `subscribe`) of `reason` from the identified `node`.
    func note(_ event: AuditEvent.Kind, reason: String, node: String) -> Decision {
        note(Key(event: event, reason: reason, source: node))
    }

    private func note(_ key: Key) -> Decision {
        let count = counts.withLock { counts -> Int in
            counts[key, default: 0] += 1
            return counts[key]!
        }
        return count <= individualLimit ? .record : .count(isFirstSuppressed: count == individualLimit + 1)
    }

    /// Ends the interval: the keys whose refusals were not all recorded, with how many were only
    /// counted. Resets every count.
    func drainSuppressed() -> [(key: Key, suppressed: Int)] {
        let snapshot = counts.withLock { counts -> [Key: Int] in
            defer { counts = [:] }
            return counts
        }
        return snapshot.compactMap { key, count in
            count > individualLimit ? (key, count - individualLimit) : nil
        }.sorted {
            ($0.key.source, $0.key.event.rawValue, $0.key.reason) < ($1.key.source, $1.key.event.rawValue, $1.key.reason)
        }
    }

    /// `ip` from `ip:port` or `[ip]:port`.
    static func address(of peer: String) -> String {
        if peer.hasPrefix("["), let end = peer.firstIndex(of: "]") {
            return String(peer[peer.index(after: peer.startIndex)..<end])
        }
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}
