import NexCrypto
import NexWire

/// The message ids seen inside the replay window: tells a byte-identical retry from a replay.
///
/// Confined to the broker queue. An id is kept until `issuedAt + 2 × window`: a publish passes the
/// window check while `now ≤ issuedAt + window`, and the extra window covers the time between that
/// check (on the connection queue) and this lookup (after verification), so a retry can never find
/// its entry already pruned. Since an issued-at may lie up to one window ahead of nexd's clock, an
/// entry lives at most three windows. Memory is bounded by `capacity` entries (~100 bytes each:
/// id, digest, sequence, expiry and dictionary overhead); when full, new ids are refused
/// (`overloaded`) rather than an unexpired id forgotten, so a replay can never slip through.
struct ReplayCache {
    /// What is remembered about an accepted message.
    struct Entry {
        var signedDigest: SHA256Digest
        var sequence: UInt64
        var expiresAtMillis: Int64
    }

    /// What a new publish is, relative to what was seen.
    enum Verdict: Equatable {
        case new
        /// Same id, byte-identical signed bytes: answer with the original ACK.
        case retry(originalSequence: UInt64)
        /// Same id, other bytes.
        case replay
        case full
    }

    let capacity: Int
    private var entries: [MessageID: Entry] = [:]
    /// Insertion order, for pruning; entries are roughly in expiry order.
    private var order: [MessageID] = []
    private var orderStart = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// Classifies a publish of `id` whose signed bytes hash to `digest`.
    mutating func check(_ id: MessageID, digest: SHA256Digest, nowMillis: Int64) -> Verdict {
        if let entry = entries[id] {
            return entry.signedDigest == digest ? .retry(originalSequence: entry.sequence) : .replay
        }
        if entries.count >= capacity {
            prune(nowMillis: nowMillis)
            if entries.count >= capacity { return .full }
        }
        return .new
    }

    /// Remembers an accepted message.
    mutating func insert(_ id: MessageID, entry: Entry) {
        if entries.updateValue(entry, forKey: id) == nil {
            order.append(id)
        }
    }

    /// Forgets `id` if it is remembered with `digest`: its acceptance was never durable (the audit
    /// log failed), so a retry must be accepted anew, not answered with a number the log lacks.
    mutating func remove(_ id: MessageID, digest: SHA256Digest) {
        if entries[id]?.signedDigest == digest { entries[id] = nil }
    }

    /// Forgets entries whose expiry has passed, from the oldest insertion on.
    mutating func prune(nowMillis: Int64) {
        while orderStart < order.count {
            let id = order[orderStart]
            if let entry = entries[id], entry.expiresAtMillis > nowMillis { break }
            entries[id] = nil
            orderStart += 1
        }
        if orderStart > 4096, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
