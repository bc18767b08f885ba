import NexSync

/// Per-node publish rate limit: a token bucket per node id, shared by all of a node's connections.
/// `rate` tokens per second refill up to `burst`; a publish takes one.
final class PublishRateLimiter: Sendable {
    private let rate: Double
    private let burst: Double
    private let buckets = Locked<[String: TokenBucket]>([:])

    /// `rate` 0 disables the limit.
    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
    }

    /// Whether `node` may publish now (taking a token); always true when the limit is off.
    func admit(_ node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            var bucket = buckets[node] ?? TokenBucket(capacity: burst, nowNanos: nowNanos)
            bucket.refill(rate: rate, capacity: burst, nowNanos: nowNanos)
            let admitted = bucket.take()
            buckets[node] = bucket
            return admitted
        }
    }
}
