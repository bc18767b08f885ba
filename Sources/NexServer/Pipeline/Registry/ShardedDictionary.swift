/// A dictionary split into 256 shards chosen by a hash of the key seeded at random per process, so
/// that growing never rehashes more than a 256th of it at once.
///
/// Why: a Swift `Dictionary` grows by doubling, rehashing every entry in one call — 24 ms at
/// 196,608 message ids, 53 ms at 393,216 on the benchmark machine — and the notice registry grows by
/// one entry per accepted notice on the broker queue, so each doubling stalled every publish behind
/// it (the 20–50 ms tail of S5B and S5). A shard doubles at a 256th of the size (~0.2 ms at
/// 400,000 ids). The seed keeps a node from choosing ids that fill one shard.
struct ShardedDictionary<Key: Hashable, Value> {
    private var shards: [[Key: Value]] = Array(repeating: [:], count: 256)
    /// How many entries it holds.
    private(set) var count = 0

    init() {}

    private func shard(of key: Key) -> Int {
        var hasher = Hasher()
        hasher.combine(key)
        return Int(truncatingIfNeeded: hasher.finalize()) & 255
    }

    subscript(key: Key) -> Value? {
        get { shards[shard(of: key)][key] }
        set {
            let index = shard(of: key)
            if let newValue {
                if shards[index].updateValue(newValue, forKey: key) == nil { count += 1 }
            } else if shards[index].removeValue(forKey: key) != nil {
                count -= 1
            }
        }
    }

    /// Removes `key`'s entry; returns its value, if it had one.
    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        let index = shard(of: key)
        guard let removed = shards[index].removeValue(forKey: key) else { return nil }
        count -= 1
        return removed
    }

    /// Every entry, in no particular order.
    var entries: some Sequence<(key: Key, value: Value)> {
        shards.lazy.flatMap { $0.lazy.map { (key: $0.key, value: $0.value) } }
    }
}

extension ShardedDictionary: Sendable where Key: Sendable, Value: Sendable {}
