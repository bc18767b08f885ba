import NexConfig
import NexCrypto
import NexWire
import Testing
@testable import NexServer

@Suite struct ReplayCacheTests {
    static func id(_ n: UInt64) -> MessageID { MessageID(high: 1, low: n) }
    static func digest(_ byte: UInt8) -> SHA256Digest { SHA256Digest(bytes: [UInt8](repeating: byte, count: 32))! }

    static func entry(_ byte: UInt8, expiresAt: Int64, node: String, sequence: UInt64 = 1) -> ReplayCache.Entry {
        .init(signedDigest: digest(byte), sequence: sequence, expiresAtMillis: expiresAt, node: node)
    }

    /// An id issued a window ahead expires last; inserted first, it must not hold back the others.
    @Test func anEntryIssuedAheadDoesNotBlockPruningOfEarlierExpiries() {
        var cache = ReplayCache(capacity: 3, sharePerNode: 3)
        cache.insert(Self.id(1), entry: Self.entry(1, expiresAt: 10_000, node: "gs.fr.lyon"))
        cache.insert(Self.id(2), entry: Self.entry(2, expiresAt: 2_000, node: "gs.fr.lyon"))
        cache.insert(Self.id(3), entry: Self.entry(3, expiresAt: 2_000, node: "gs.fr.lyon"))
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "gs.fr.lyon", nowMillis: 1_999) == .nodeShareFull)
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "gs.fr.lyon", nowMillis: 2_000) == .new)
        #expect(cache.count == 1)
        // The one issued ahead is still remembered until its own expiry.
        #expect(cache.check(Self.id(1), digest: Self.digest(9), node: "gs.fr.lyon", nowMillis: 9_999) == .replay)
        cache.prune(nowMillis: 10_000)
        #expect(cache.count == 0 && cache.count(of: "gs.fr.lyon") == 0)
    }

    @Test func pruningFollowsExpiryWhateverTheInsertionOrder() {
        var cache = ReplayCache(capacity: 1000, sharePerNode: 1000)
        var expiries: [Int64] = []
        for n in 0..<500 {
            // A permutation-like spread: expiries far from insertion order.
            let expiry = Int64(n * 7_919 % 10_000) + 1
            expiries.append(expiry)
            cache.insert(Self.id(UInt64(n)), entry: Self.entry(1, expiresAt: expiry, node: "n\(n % 3)"))
        }
        for now in stride(from: Int64(0), through: 10_000, by: 997) {
            cache.prune(nowMillis: now)
            #expect(cache.count == expiries.filter { $0 > now }.count)
        }
    }

    /// One node at its share is refused; another node is not, and the flooder recovers as its ids expire.
    @Test func aNodeAtItsShareIsRefusedAndOnlyThatNode() {
        var cache = ReplayCache(capacity: 100, sharePerNode: 2)
        cache.insert(Self.id(1), entry: Self.entry(1, expiresAt: 1_000, node: "bcp.rw.rusumo"))
        cache.insert(Self.id(2), entry: Self.entry(2, expiresAt: 2_000, node: "bcp.rw.rusumo"))
        #expect(cache.check(Self.id(3), digest: Self.digest(3), node: "bcp.rw.rusumo", nowMillis: 0) == .nodeShareFull)
        #expect(cache.check(Self.id(3), digest: Self.digest(3), node: "ncb.rw.kigali", nowMillis: 0) == .new)
        // A full share never hides a replay or a retry.
        #expect(cache.check(Self.id(2), digest: Self.digest(9), node: "bcp.rw.rusumo", nowMillis: 0) == .replay)
        #expect(cache.check(Self.id(2), digest: Self.digest(2), node: "bcp.rw.rusumo", nowMillis: 0) == .retry(originalSequence: 1))
        #expect(cache.check(Self.id(2), digest: Self.digest(9), node: "ncb.rw.kigali", nowMillis: 0) == .replay)
        #expect(cache.check(Self.id(3), digest: Self.digest(3), node: "bcp.rw.rusumo", nowMillis: 1_000) == .new)
        #expect(cache.count(of: "bcp.rw.rusumo") == 1)
    }

    /// A reload re-divides the cache: a lowered share refuses new ids of a node above it until its
    /// ids expire, and forgets none of them; a raised share admits new ids at once.
    @Test func aChangedShareForgetsNothing() {
        var cache = ReplayCache(capacity: 100, sharePerNode: 3)
        for n in 1...3 { cache.insert(Self.id(UInt64(n)), entry: Self.entry(UInt8(n), expiresAt: Int64(n) * 1_000, node: "a")) }
        cache.sharePerNode = 1
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "a", nowMillis: 0) == .nodeShareFull)
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "b", nowMillis: 0) == .new)
        for n in 1...3 {
            #expect(cache.check(Self.id(UInt64(n)), digest: Self.digest(99), node: "a", nowMillis: 0) == .replay)
        }
        // Two of its three ids expired: one is left, still at the new share of 1.
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "a", nowMillis: 2_000) == .nodeShareFull)
        #expect(cache.check(Self.id(4), digest: Self.digest(4), node: "a", nowMillis: 3_000) == .new)
        cache.sharePerNode = 3
        for n in 5...6 { cache.insert(Self.id(UInt64(n)), entry: Self.entry(UInt8(n), expiresAt: 9_000, node: "a")) }
        #expect(cache.check(Self.id(7), digest: Self.digest(7), node: "a", nowMillis: 3_000) == .new)
    }

    /// Past the capacity only nodes under their fair part are admitted, and past twice the
    /// capacity nobody is.
    @Test func theTotalCapacityStillBoundsTheCache() {
        var cache = ReplayCache(capacity: 2, sharePerNode: 2, rosterSize: 2)
        cache.insert(Self.id(1), entry: Self.entry(1, expiresAt: 1_000, node: "a"))
        cache.insert(Self.id(2), entry: Self.entry(2, expiresAt: 1_000, node: "b"))
        #expect(cache.check(Self.id(3), digest: Self.digest(3), node: "a", nowMillis: 0) == .full)
        cache.insert(Self.id(3), entry: Self.entry(3, expiresAt: 1_000, node: "c"))
        cache.insert(Self.id(4), entry: Self.entry(4, expiresAt: 1_000, node: "d"))
        #expect(cache.check(Self.id(5), digest: Self.digest(5), node: "e", nowMillis: 0) == .full)
    }

    /// A full cache refuses a node at its fair part (capacity ÷ roster nodes), admits one under
    /// it, and refuses every node at twice the capacity.
    @Test func aFullCacheRefusesOnlyNodesAtTheirFairPartUpToTwiceTheCapacity() {
        var cache = ReplayCache(capacity: 4, sharePerNode: 4, rosterSize: 2)   // fair part 2
        for n in 1...3 { cache.insert(Self.id(UInt64(n)), entry: Self.entry(UInt8(n), expiresAt: 1_000, node: "a")) }
        cache.insert(Self.id(4), entry: Self.entry(4, expiresAt: 1_000, node: "b"))
        #expect(cache.check(Self.id(10), digest: Self.digest(10), node: "a", nowMillis: 0) == .full)
        #expect(cache.check(Self.id(10), digest: Self.digest(10), node: "b", nowMillis: 0) == .new)
        cache.insert(Self.id(5), entry: Self.entry(5, expiresAt: 1_000, node: "b"))
        #expect(cache.check(Self.id(11), digest: Self.digest(11), node: "b", nowMillis: 0) == .full)
        // Other nodes under their part fill it to the ceiling: then nobody is admitted.
        for n in 6...8 { cache.insert(Self.id(UInt64(n)), entry: Self.entry(UInt8(n), expiresAt: 1_000, node: "node\(n)")) }
        #expect(cache.count == 8)
        #expect(cache.check(Self.id(12), digest: Self.digest(12), node: "c", nowMillis: 0) == .full)
    }

    /// D39: a reload grows the roster from 4 to 5 (cache 30: shares 7 → 6). The old nodes' 28 ids
    /// keep the cache full for up to two windows; the newcomer, under its share, is still admitted.
    @Test func aNewcomerUnderItsShareIsAdmittedWhileOldIdsKeepTheCacheFull() {
        var cache = ReplayCache(capacity: 30, sharePerNode: 7, rosterSize: 4)
        var next: UInt64 = 1
        for node in ["a", "b", "c", "d"] {
            for _ in 0..<7 {
                cache.insert(Self.id(next), entry: Self.entry(UInt8(next), expiresAt: 1_000, node: node))
                next += 1
            }
        }
        cache.sharePerNode = 6
        cache.rosterSize = 5
        var verdicts: [ReplayCache.Verdict] = []
        for _ in 0..<7 {
            let verdict = cache.check(Self.id(next), digest: Self.digest(UInt8(next)), node: "e", nowMillis: 0)
            verdicts.append(verdict)
            if verdict == .new { cache.insert(Self.id(next), entry: Self.entry(UInt8(next), expiresAt: 1_000, node: "e")) }
            next += 1
        }
        #expect(verdicts == Array(repeating: .new, count: 6) + [.nodeShareFull])
        #expect(cache.check(Self.id(next), digest: Self.digest(1), node: "a", nowMillis: 0) == .nodeShareFull)
        #expect(cache.count == 34)
    }

    /// The start-up rebuild inserts whatever the log holds: over the share, nothing is forgotten.
    @Test func insertsBeyondTheShareAreKeptAndStillRefuseReplays() {
        var cache = ReplayCache(capacity: 1000, sharePerNode: 2)
        for n in 1...5 { cache.insert(Self.id(UInt64(n)), entry: Self.entry(UInt8(n), expiresAt: 1_000, node: "a")) }
        #expect(cache.count(of: "a") == 5)
        for n in 1...5 {
            #expect(cache.check(Self.id(UInt64(n)), digest: Self.digest(99), node: "a", nowMillis: 999) == .replay)
        }
        #expect(cache.check(Self.id(6), digest: Self.digest(6), node: "a", nowMillis: 999) == .nodeShareFull)
    }

    /// A removed acceptance frees its share; a later acceptance of the same id is pruned at its own expiry.
    @Test func removeFreesTheShareAndAStaleHeapItemIsSkipped() {
        var cache = ReplayCache(capacity: 10, sharePerNode: 1)
        cache.insert(Self.id(1), entry: Self.entry(1, expiresAt: 1_000, node: "a"))
        cache.remove(Self.id(1), digest: Self.digest(2))
        #expect(cache.count(of: "a") == 1)
        cache.remove(Self.id(1), digest: Self.digest(1))
        #expect(cache.count(of: "a") == 0)
        cache.insert(Self.id(1), entry: Self.entry(1, expiresAt: 5_000, node: "a"))
        cache.prune(nowMillis: 1_000)
        #expect(cache.check(Self.id(1), digest: Self.digest(9), node: "a", nowMillis: 1_000) == .replay)
        cache.prune(nowMillis: 5_000)
        #expect(cache.count == 0 && cache.count(of: "a") == 0)
    }

    @Test func theDefaultShareDividesTheCacheOverTheRoster() {
        var limits = DaemonConfiguration.Limits()
        #expect(limits.replayCacheShare(rosterSize: 17) == 58_823)
        #expect(limits.replayCacheShare(rosterSize: 0) == 1_000_000)
        limits.replayCacheEntriesPerNode = 5_000
        #expect(limits.replayCacheShare(rosterSize: 17) == 5_000)
    }
}
