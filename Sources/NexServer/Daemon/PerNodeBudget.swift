import NexSync

/// A per-node budget of something costly: a token bucket per node id, shared by all of a node's
/// connections, `rate` tokens a second up to `burst`.
///
/// Three ways to spend it:
/// - **charge after the fact** (failed signature checks, limits.failedVerificationsPerSecondPerNode;
///   byte-identical re-sends, limits.duplicatesPerSecondPerNode): ``allows(_:nowNanos:)`` takes
///   nothing, the cost is known only later and ``charge(_:nowNanos:)`` takes it. Several checks may
///   pass the same last token at once (one per verification thread), so a charge may overdraw the
///   balance down to −burst: the overdraft is repaid before the node is allowed again, and the
///   sustained bound is the rate, not the rate plus one per thread per refill. ``spend(_:nowNanos:)``
///   charges and tells whether the balance held a token, for a cost that may still be declined.
/// - **take before** (publishes, limits.publishRatePerNode; connects, limits.connectsPerSecondPerNode):
///   ``take(_:nowNanos:)``.
///
/// A correct node rarely spends anything, so it never notices the budget.
final class PerNodeBudget: Sendable {
    private let rate: Double
    private let burst: Double
    /// One bucket per authenticated node that used the budget: bounded by the roster.
    private let buckets = PerNodeBuckets()

    /// `rate` 0 disables the budget.
    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
    }

    /// Whether `node` may do the costly thing now (its balance holds at least one token); always
    /// true when the budget is off. Takes nothing.
    func allows(_ node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return update(node, nowNanos: nowNanos) { $0.tokens >= 1 }
    }

    /// Charges `node` one (the balance may go negative, down to −burst).
    func charge(_ node: String, nowNanos: UInt64) {
        guard rate > 0 else { return }
        update(node, nowNanos: nowNanos) { $0.charge(floor: -burst) }
    }

    /// Charges `node` one like ``charge(_:nowNanos:)``; returns whether its balance held a token
    /// before (false: the thing was over budget). Always true when off.
    func spend(_ node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return update(node, nowNanos: nowNanos) { bucket in
            let hadToken = bucket.tokens >= 1
            bucket.charge(floor: -burst)
            return hadToken
        }
    }

    /// Takes one token for `node` if it has one; false when refused. Always true when off.
    func take(_ node: String, nowNanos: UInt64) -> Bool {
        guard rate > 0 else { return true }
        return update(node, nowNanos: nowNanos) { $0.take() }
    }

    /// The balance of `node` now (the burst for a node that never spent). For tests and messages.
    func balance(of node: String, nowNanos: UInt64) -> Double {
        update(node, nowNanos: nowNanos) { $0.tokens }
    }

    private func update<Result>(_ node: String, nowNanos: UInt64, _ body: (inout TokenBucket) -> Result) -> Result {
        buckets.update(node, rate: rate, capacity: burst, nowNanos: nowNanos, body)
    }
}

/// A token bucket per node id under one lock: what the per-node limits share (``PerNodeBudget``,
/// ``SubscribeRateLimiter``). A node's bucket starts full and is refilled before each use.
final class PerNodeBuckets: Sendable {
    private let buckets = Locked<[String: TokenBucket]>([:])

    /// Refills `node`'s bucket (`rate` tokens a second up to `capacity`), then runs `body` on it.
    func update<Result>(_ node: String, rate: Double, capacity: Double, nowNanos: UInt64,
                        _ body: (inout TokenBucket) -> Result) -> Result {
        buckets.withLock { buckets in
            var bucket = buckets[node] ?? TokenBucket(capacity: capacity, nowNanos: nowNanos)
            bucket.refill(rate: rate, capacity: capacity, nowNanos: nowNanos)
            let result = body(&bucket)
            buckets[node] = bucket
            return result
        }
    }
}
