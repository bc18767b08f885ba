/// A token bucket: `rate` tokens a second refill up to `capacity`.
///
/// Callers on several queues read the clock before they take the lock that guards the bucket, so
/// a call may carry an earlier time than the one before it. Time that goes back refills nothing
/// (an unsigned `now - updated` would wrap round to centuries and refill the bucket in full, which
/// let a node on several connections get past its rate under load).
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private var updatedNanos: UInt64

    /// A full bucket at `nowNanos`.
    init(capacity: Double, nowNanos: UInt64) {
        tokens = capacity
        updatedNanos = nowNanos
    }

    /// Adds what `rate` earned since the latest time seen, capped at `capacity`.
    mutating func refill(rate: Double, capacity: Double, nowNanos: UInt64) {
        guard nowNanos > updatedNanos else {
            tokens = min(tokens, capacity)
            return
        }
        let elapsed = Double(nowNanos - updatedNanos) / 1e9
        tokens = min(capacity, tokens + elapsed * rate)
        updatedNanos = nowNanos
    }

    /// Takes one token if there is one.
    mutating func take() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Takes one token even if there is none, down to `floor` (≤ 0): a cost already paid is owed,
    /// and refills repay the debt before the bucket allows anything again.
    mutating func charge(floor: Double) {
        tokens = max(floor, tokens - 1)
    }
}
