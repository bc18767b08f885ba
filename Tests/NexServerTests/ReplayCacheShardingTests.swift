import NexCrypto
import NexWire
import Testing
@testable import NexServer

/// D49: the replay cache is many small shards, so no insert rehashes or copies the whole cache.
@Suite struct ReplayCacheShardingTests {
    static let digest = SHA256Digest(bytes: [UInt8](repeating: 7, count: 32))!

    static func entry(expiresAt: Int64, node: String) -> ReplayCache.Entry {
        .init(signedDigest: digest, sequence: 1, expiresAtMillis: expiresAt, node: node)
    }

    @Test func theShardCountFollowsTheCapacity() {
        #expect(ReplayCache.shardCount(forCapacity: 1_000_000) == 1_024)
        #expect(ReplayCache.shardCount(forCapacity: 1_000) == 64)
        #expect(ReplayCache.shardCount(forCapacity: 2) == 64)
        #expect(ReplayCache.shardCount(forCapacity: 100_000_000) == 65_536)
        #expect(ReplayCache(capacity: 1_000_000, sharePerNode: 1).shardCount == 1_024)
    }

    /// Ids alike in all but a few high bits (a publisher may choose its ids) still fill every shard
    /// evenly: the shard is chosen by a seeded hash, not by the id's bytes.
    @Test func idsThatDifferOnlyInAFewBitsSpreadOverEveryShard() {
        var cache = ReplayCache(capacity: 100_000, sharePerNode: 100_000)
        #expect(cache.shardCount == 128)
        for n in 0..<12_800 {
            cache.insert(MessageID(high: UInt64(n) << 40, low: 0), entry: Self.entry(expiresAt: 1_000, node: "a"))
        }
        let sizes = cache.shardSizes
        #expect(sizes.reduce(0, +) == 12_800)
        // 100 ids a shard on average: none empty, none past twice that.
        #expect(sizes.min()! > 0)
        #expect(sizes.max()! < 200)
    }

    /// A fill to the capacity leaves every shard near `idsPerShard`, so a shard's rehash copies a
    /// few hundred entries where the single dictionary copied them all.
    @Test func aLargeFillKeepsEveryShardSmall() {
        var cache = ReplayCache(capacity: 250_000, sharePerNode: 250_000)
        var generator = SystemRandomNumberGenerator()
        for n in 0..<250_000 {
            let id = MessageID.random(millisecondsSinceEpoch: UInt64(n / 4), using: &generator)
            #expect(cache.check(id, digest: Self.digest, node: "a", nowMillis: 0) == .new)
            cache.insert(id, entry: Self.entry(expiresAt: 240_000, node: "a"))
        }
        #expect(cache.count == 250_000 && cache.shardCount == 256)
        #expect(cache.shardSizes.max()! < 2 * ReplayCache.idsPerShard)
    }

    /// Pruning crosses shards in expiry order: after each prune exactly the ids expiring later are
    /// remembered (a later check says `replay`), the others are forgotten (`new`), and the node
    /// counts agree — with some ids removed and accepted again with another expiry on the way.
    @Test func pruningAcrossShardsForgetsExactlyTheExpiredIds() {
        var cache = ReplayCache(capacity: 2_000, sharePerNode: 2_000)
        var generator = SystemRandomNumberGenerator()
        var expiries: [MessageID: (expiry: Int64, node: String)] = [:]
        for n in 0..<2_000 {
            let id = MessageID(high: 1, low: UInt64(n))
            let expiry = Int64.random(in: 1...10_000, using: &generator)
            let node = "n\(n % 5)"
            cache.insert(id, entry: Self.entry(expiresAt: expiry, node: node))
            expiries[id] = (expiry, node)
        }
        // A tenth removed (their acceptance was never durable), half of those accepted again later.
        for n in stride(from: 0, to: 2_000, by: 10) {
            let id = MessageID(high: 1, low: UInt64(n))
            cache.remove(id, digest: Self.digest)
            expiries[id] = nil
            if n % 20 == 0 {
                let expiry = Int64.random(in: 1...10_000, using: &generator)
                cache.insert(id, entry: Self.entry(expiresAt: expiry, node: "n0"))
                expiries[id] = (expiry, "n0")
            }
        }
        #expect(cache.count == expiries.count)
        for now in stride(from: Int64(0), through: 10_000, by: 1_250) {
            cache.prune(nowMillis: now)
            let remembered = expiries.filter { $0.value.expiry > now }
            #expect(cache.count == remembered.count)
            #expect(cache.shardSizes.reduce(0, +) == remembered.count)
            for node in (0..<5).map({ "n\($0)" }) {
                #expect(cache.count(of: node) == remembered.values.filter { $0.node == node }.count)
            }
        }
        #expect(cache.count == 0)
        var probe = ReplayCache(capacity: 2_000, sharePerNode: 2_000)
        for (id, value) in expiries { probe.insert(id, entry: Self.entry(expiresAt: value.expiry, node: value.node)) }
        probe.prune(nowMillis: 5_000)
        let other = SHA256Digest(bytes: [UInt8](repeating: 9, count: 32))!
        for (id, value) in expiries {
            let expected: ReplayCache.Verdict = value.expiry > 5_000 ? .replay : .new
            #expect(probe.check(id, digest: other, node: "x", nowMillis: 5_000) == expected)
        }
    }
}
