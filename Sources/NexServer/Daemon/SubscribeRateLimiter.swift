import NexSync

/// Per-node subscribe rate (`limits.subscribesPerSecondPerNode`): a token bucket per node id,
/// shared by all of a node's connections. Unlike ``PublishRateLimiter`` the rate and burst are
/// passed at each call, so a reload takes effect at the next subscribe (a bucket keeps its tokens,
/// capped at the new burst).
final class SubscribeRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedNanos: UInt64
    }

    private let buckets = Locked<[String: Bucket]>([:])

    /// Whether `node` may have one more subscribe accepted now (taking a token): `rate` tokens a
    /// second refill up to `burst`. Always true when `rate` is 0 (no limit).
    func admit(_ node: String, ratePerSecond rate: Int, burst: Int, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        let capacity = Double(max(burst, 1))
        return buckets.withLock { buckets in
            var bucket = buckets[node] ?? Bucket(tokens: capacity, updatedNanos: nowNanos)
            let elapsed = Double(nowNanos &- bucket.updatedNanos) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + max(0, elapsed) * Double(rate))
            bucket.updatedNanos = nowNanos
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            buckets[node] = bucket
            return admitted
        }
    }
}
