import NexSync

/// Per-node budget of failed signature checks (limits.failedVerificationsPerSecondPerNode): a token
/// bucket per node id, shared by all of a node's connections. A signature that does not verify
/// takes a token; while a node has none, its publishes are refused before their signature is
/// checked, so the verification CPU one node's bad signatures cost is bounded by the budget, not by
/// its publish rate. A correct node never fails a check, so it never notices the budget.
final class FailedVerificationBudget: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedNanos: UInt64
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Locked<[String: Bucket]>([:])

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
            refill(&bucket, nowNanos: nowNanos)
            buckets[node] = bucket
            return bucket.tokens >= 1
        }
    }

    /// Charges `node` one failed signature check (never below zero).
    func chargeFailure(of node: String, nowNanos: UInt64) {
        guard rate > 0 else { return }
        buckets.withLock { buckets in
            var bucket = buckets[node] ?? Bucket(tokens: burst, updatedNanos: nowNanos)
            refill(&bucket, nowNanos: nowNanos)
            bucket.tokens = max(0, bucket.tokens - 1)
            // One bucket per authenticated node that ever failed a check: bounded by the roster.
            buckets[node] = bucket
        }
    }

    private func refill(_ bucket: inout Bucket, nowNanos: UInt64) {
        let elapsed = Double(nowNanos &- bucket.updatedNanos) / 1e9
        bucket.tokens = min(burst, bucket.tokens + max(0, elapsed) * rate)
        bucket.updatedNanos = nowNanos
    }
}
