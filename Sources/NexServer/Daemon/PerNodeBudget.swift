import NexSync

/// Per-node budget of failed signature checks (limits.failedVerificationsPerSecondPerNode): a token
/// bucket per node id, shared by all of a node's connections. A signature that does not verify
/// takes a token; while a node has none, its publishes are refused before their signature is
/// checked, so the verification CPU one node's bad signatures cost is bounded by the budget, not by
/// its publish rate. A correct node never fails a check, so it never notices the budget.
final class FailedVerificationBudget: Sendable {
    private let rate: Double
    private let burst: Double
    private let buckets = Locked<[String: TokenBucket]>([:])

    /// `rate` 0 disables the budget.
    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
    }

    /// Whether `node` may have a signature checked now (it has a failure left to spend); always
    /// true when the budget is off. Takes nothing.
    func allowsVerification(of node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            guard var bucket = buckets[node] else { return true }
            bucket.refill(rate: rate, capacity: burst, nowNanos: nowNanos)
            buckets[node] = bucket
            return bucket.tokens >= 1
        }
    }

    /// Charges `node` one failed signature check (never below zero).
    func chargeFailure(of node: String, nowNanos: UInt64) {
        guard rate > 0 else { return }
        buckets.withLock { buckets in
            var bucket = buckets[node] ?? TokenBucket(capacity: burst, nowNanos: nowNanos)
            bucket.refill(rate: rate, capacity: burst, nowNanos: nowNanos)
            bucket.drain()
            // One bucket per authenticated node that ever failed a check: bounded by the roster.
            buckets[node] = bucket
        }
    }
}
