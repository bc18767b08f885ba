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
/// as a whole `capacity` (~225–230 bytes an entry, measured in release with its own digest per
/// entry as in nexd: id, digest and its array, sequence, node, expiry, dictionary and heap
/// overhead; D49). At either bound new ids are refused (`overloaded`) rather than
/// an unexpired id forgotten, so a replay can never slip through; the share means one node's flood
/// refuses that node only (docs/DECISIONS.md, D32).
///
/// A full cache refuses only nodes at or above their fair part (`capacity` ÷ roster nodes): after
/// a reload grows the roster, ids the old nodes hold over their new, smaller shares keep the cache
/// full until they expire (up to two windows), and a newcomer under its share must not be refused
/// for them (D39). A node under its fair part is admitted past `capacity` up to a hard ceiling of
/// 2 × `capacity` entries (~460 MB at the default 1,000,000).
///
/// The ids live in shards (about one per `idsPerShard` ids of capacity: 1,024 at the default),
/// chosen by a hash of the id seeded at random per process; each shard is a small dictionary with
/// its own min-heap of expiries, and a tournament tree of the shards' earliest expiries says which
/// shard to prune next. So no insert rehashes or copies more than one shard (≤ ~2,000 entries,
/// ≤ 0.15 ms in release), where one dictionary of the whole cache stalled the broker queue for
/// 130 ms at 393,216 ids and ~300 ms at 786,432 (D49).
///
/// Entries are pruned in expiry order across the shards, not insertion order: an id issued a
/// window ahead of nexd's clock never holds back the pruning of ids that expire before it.
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

    /// Ids of capacity per shard: a shard holds ~1,024 ids at `capacity` (~2,048 at the 2 ×
    /// `capacity` ceiling), so its rehash copies at most a few thousand entries (≤ 0.15 ms measured
    /// in release, D49). Fewer, larger shards would touch fewer cache lines per publish; more,
    /// smaller ones would make the rehash shorter still.
    static let idsPerShard = 1_024
    /// Shards at least (so small caches are sharded too) and at most (the tree and the array of
    /// shards stay ≤ 2 MiB even at the largest configurable capacity, 100,000,000).
    static let shardCountRange = 64...65_536

    let capacity: Int
    /// Ids one node may have remembered. A reload that changes the roster re-divides the cache
    /// (when `limits.replayCacheEntriesPerNode` is unset): a lower share refuses new ids of a node
    /// above it until enough of its ids expire; no remembered id is ever forgotten for it.
    var sharePerNode: Int
    /// Nodes on the roster: a full cache still admits a node under `capacity` ÷ this (set again by a reload).
    var rosterSize: Int
    /// The remembered ids, each in the shard its seeded hash selects (`shardCount` of them, a power of two).
    private var shards: [ReplayShard]
    /// Each shard's earliest expiry: which shard to prune next.
    private var earliestExpiries: EarliestExpiryTree
    /// Unexpired ids remembered per node.
    private var nodes = ReplayNodeCounts()
    /// The ids remembered, over all shards.
    private(set) var count = 0

    /// A cache of `capacity` ids divided into `shardCount` shards (by default about one per
    /// `idsPerShard` ids of capacity; must be a power of two).
    init(capacity: Int, sharePerNode: Int, rosterSize: Int = 1, shardCount: Int? = nil) {
        self.capacity = capacity
        self.sharePerNode = sharePerNode
        self.rosterSize = rosterSize
        let shardCount = shardCount ?? Self.shardCount(forCapacity: capacity)
        shards = Array(repeating: ReplayShard(), count: shardCount)
        earliestExpiries = EarliestExpiryTree(leafCount: shardCount)
    }

    /// The default number of shards for `capacity`: `capacity` ÷ `idsPerShard`, rounded up to a
    /// power of two and kept inside `shardCountRange`.
    static func shardCount(forCapacity capacity: Int) -> Int {
        let wanted = min(max(capacity / idsPerShard, shardCountRange.lowerBound), shardCountRange.upperBound)
        return 1 << (Int.bitWidth - (wanted - 1).leadingZeroBitCount)
    }

    /// A node's fair part of the whole cache: under it, a full cache still admits the node.
    var fairPart: Int { max(1, capacity / max(1, rosterSize)) }

    /// The number of shards (a power of two, fixed at init).
    var shardCount: Int { shards.count }

    /// The ids each shard holds, in shard order (the largest is what a shard's rehash copies at
    /// most). O(shards): for tests and diagnostics, not the publish path.
    var shardSizes: [Int] { shards.map(\.count) }

    /// The ids `node` has remembered.
    func count(of node: String) -> Int { nodes[node] }

    /// The shard that holds `id` if it is remembered: chosen by `Hasher`, which is seeded at random
    /// for each process, so a publisher choosing its ids cannot pile them into one shard.
    func shardIndex(of id: MessageID) -> Int {
        var hasher = Hasher()
        hasher.combine(id)
        return hasher.finalize() & (shards.count - 1)
    }

    /// Classifies a publish of `id` by `node` whose signed bytes hash to `digest`.
    mutating func check(_ id: MessageID, digest: SHA256Digest, node: String, nowMillis: Int64) -> Verdict {
        if let entry = shards[shardIndex(of: id)][id] {
            return entry.signedDigest == digest ? .retry(originalSequence: entry.sequence) : .replay
        }
        prune(nowMillis: nowMillis)
        if count(of: node) >= sharePerNode { return .nodeShareFull }
        if count >= capacity, count(of: node) >= fairPart || count >= 2 * capacity { return .full }
        return .new
    }

    /// Remembers an accepted message. Never refuses: the start-up rebuild restores every unexpired
    /// id from the audit log whatever the bounds, so that none is forgotten.
    mutating func insert(_ id: MessageID, entry: Entry) {
        let index = shardIndex(of: id)
        if let previous = shards[index].insert(id, entry: entry) {
            nodes.release(previous.node)
        } else {
            count += 1
        }
        nodes.charge(entry.node)
        earliestExpiries.set(index, to: shards[index].earliestExpiry)
    }

    /// Forgets `id` if it is remembered with `digest`: its acceptance was never durable (the audit
    /// log failed), so a retry must be accepted anew, not answered with a number the log lacks.
    mutating func remove(_ id: MessageID, digest: SHA256Digest) {
        let index = shardIndex(of: id)
        guard let entry = shards[index].remove(id, digest: digest) else { return }
        nodes.release(entry.node)
        count -= 1
        earliestExpiries.set(index, to: shards[index].earliestExpiry)
    }

    /// Forgets every entry whose expiry has passed: shard by shard, the shard with the earliest
    /// expiry first, so an id that expires late never holds back one that expires earlier.
    mutating func prune(nowMillis: Int64) {
        while let index = earliestExpiries.leaf(expiringBy: nowMillis) {
            count -= shards[index].prune(nowMillis: nowMillis, releasingFrom: &nodes)
            earliestExpiries.set(index, to: shards[index].earliestExpiry)
        }
    }
}
