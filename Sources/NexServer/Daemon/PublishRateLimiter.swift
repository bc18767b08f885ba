import NexSync

/// Per-node publish rate limit: a token bucket per node id, shared by all of a node's connections.
/// `rate` tokens per second refill up to `burst`; a publish takes one.
final class PublishRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedNanos: UInt64
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Locked<[String: Bucket]>([:])

    /// `rate` 0 disables the limit.
    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
    }

    /// Whether `node` may publish now (taking a token); always true when the limit is off.
    func admit(_ node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            var bucket = buckets[node] ?? Bucket(tokens: burst, updatedNanos: nowNanos)
            let elapsed = Double(nowNanos &- bucket.updatedNanos) / 1e9
            bucket.tokens = min(burst, bucket.tokens + max(0, elapsed) * rate)
            bucket.updatedNanos = nowNanos
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            buckets[node] = bucket
            return admitted
        }
    }
}
