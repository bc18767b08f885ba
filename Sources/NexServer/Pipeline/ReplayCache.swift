import NexCrypto
import NexWire

/// The message ids seen inside the replay window: tells a byte-identical retry from a replay.
///
/// Confined to the broker queue. An id is kept until `issuedAt + 2 × window`: a publish passes the
/// window check while `now ≤ issuedAt + window`, and the extra window covers the time between that
/// check (on the connection queue) and this lookup (after verification), so a retry can never find
/// its entry already pruned. Since an issued-at may lie up to one window ahead of nexd's clock, an
/// entry lives at most three windows.
///
/// Memory is bounded twice: each node may have at most `sharePerNode` ids remembered, and the cache
/// as a whole `capacity` (~155 bytes an entry, measured: id, digest, sequence, node, expiry,
/// dictionary and heap overhead). At either bound new ids are refused (`overloaded`) rather than
/// an unexpired id forgotten, so a replay can never slip through; the share means one node's flood
/// refuses that node only (docs/DECISIONS.md, D32).
///
/// A full cache refuses only nodes at or above their fair part (`capacity` ÷ roster nodes): after
/// a reload grows the roster, ids the old nodes hold over their new, smaller shares keep the cache
/// full until they expire (up to two windows), and a newcomer under its share must not be refused
/// for them (D39). A node under its fair part is admitted past `capacity` up to a hard ceiling of
/// 2 × `capacity` entries (~310 MB at the default 1,000,000).
///
/// Entries are pruned in expiry order (a min-heap), not insertion order: an id issued a window
/// ahead of nexd's clock never holds back the pruning of ids that expire before it.
struct ReplayCache {
    /// What is remembered about an accepted message.
    struct Entry {
        var signedDigest: SHA256Digest
        var sequence: UInt64
        var expiresAtMillis: Int64
        /// The node that published it: its share is charged until the entry expires.
        var node: String
    }

    /// What a new publish is, relative to what was seen.
    enum Verdict: Equatable {
        case new
        /// Same id, byte-identical signed bytes: answer with the original ACK.
        case retry(originalSequence: UInt64)
        /// Same id, other bytes.
        case replay
        /// The publishing node already has `sharePerNode` ids inside the window.
        case nodeShareFull
        /// The cache as a whole holds `capacity` ids and the node has its fair part, or it holds
        /// 2 × `capacity` ids.
        case full
    }

    let capacity: Int
    /// Ids one node may have remembered. A reload that changes the roster re-divides the cache
    /// (when `limits.replayCacheEntriesPerNode` is unset): a lower share refuses new ids of a node
    /// above it until enough of its ids expire; no remembered id is ever forgotten for it.
    var sharePerNode: Int
    /// Nodes on the roster: a full cache still admits a node under `capacity` ÷ this (set again by a reload).
    var rosterSize: Int
    private var entries: [MessageID: Entry] = [:]
    /// Unexpired ids remembered per node (nodes with none are absent).
    private var countByNode: [String: Int] = [:]
    /// Every remembered id by expiry; may also hold stale items for removed ids (skipped when popped).
    private var expiries = ExpiryHeap()

    init(capacity: Int, sharePerNode: Int, rosterSize: Int = 1) {
        self.capacity = capacity
        self.sharePerNode = sharePerNode
        self.rosterSize = rosterSize
    }

    /// A node's fair part of the whole cache: under it, a full cache still admits the node.
    var fairPart: Int { max(1, capacity / max(1, rosterSize)) }

    var count: Int { entries.count }

    /// The ids `node` has remembered.
    func count(of node: String) -> Int { countByNode[node, default: 0] }

    /// Classifies a publish of `id` by `node` whose signed bytes hash to `digest`.
    mutating func check(_ id: MessageID, digest: SHA256Digest, node: String, nowMillis: Int64) -> Verdict {
        if let entry = entries[id] {
            return entry.signedDigest == digest ? .retry(originalSequence: entry.sequence) : .replay
        }
        prune(nowMillis: nowMillis)
        if count(of: node) >= sharePerNode { return .nodeShareFull }
        if entries.count >= capacity, count(of: node) >= fairPart || entries.count >= 2 * capacity { return .full }
        return .new
    }

    /// Remembers an accepted message. Never refuses: the start-up rebuild restores every unexpired
    /// id from the audit log whatever the bounds, so that none is forgotten.
    mutating func insert(_ id: MessageID, entry: Entry) {
        if let previous = entries.updateValue(entry, forKey: id) { uncount(previous.node) }
        countByNode[entry.node, default: 0] += 1
        expiries.push(.init(expiresAtMillis: entry.expiresAtMillis, id: id))
    }

    /// Forgets `id` if it is remembered with `digest`: its acceptance was never durable (the audit
    /// log failed), so a retry must be accepted anew, not answered with a number the log lacks.
    mutating func remove(_ id: MessageID, digest: SHA256Digest) {
        guard let entry = entries[id], entry.signedDigest == digest else { return }
        entries[id] = nil
        uncount(entry.node)
        // The heap item stays; rebuild once stale items outnumber live ones.
        if expiries.count > 2 * entries.count + 1024 {
            expiries = ExpiryHeap(entries.map { .init(expiresAtMillis: $0.value.expiresAtMillis, id: $0.key) })
        }
    }

    /// Forgets every entry whose expiry has passed, earliest expiry first.
    mutating func prune(nowMillis: Int64) {
        while let earliest = expiries.peek(), earliest.expiresAtMillis <= nowMillis {
            expiries.pop()
            // Stale if the id was removed, or removed and accepted again with another expiry.
            guard let entry = entries[earliest.id], entry.expiresAtMillis == earliest.expiresAtMillis else { continue }
            entries[earliest.id] = nil
            uncount(entry.node)
        }
    }

    private mutating func uncount(_ node: String) {
        let remaining = countByNode[node, default: 0] - 1
        countByNode[node] = remaining > 0 ? remaining : nil
    }
}
