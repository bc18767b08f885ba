/// Per-node subscribe rate (`limits.subscribesPerSecondPerNode`): a token bucket per node id,
/// shared by all of a node's connections. Unlike ``PerNodeBudget`` the rate and burst are
/// passed at each call, so a reload takes effect at the next subscribe (a bucket keeps its tokens,
/// capped at the new burst).
final class SubscribeRateLimiter: Sendable {
    private let buckets = PerNodeBuckets()

    /// Whether `node` may have one more subscribe accepted now (taking a token): `rate` tokens a
    /// second refill up to `burst`. Always true when `rate` is 0 (no limit).
    func admit(_ node: String, ratePerSecond rate: Int, burst: Int, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        let capacity = Double(max(burst, 1))
        return buckets.update(node, rate: Double(rate), capacity: capacity, nowNanos: nowNanos) { $0.take() }
    }
}
