import Testing
@testable import NexServer

@Suite struct PublishRateLimiterTests {
    @Test func aBurstIsAdmittedThenTheRateRefills() {
        let limiter = PerNodeBudget(ratePerSecond: 10, burst: 3)
        let start: UInt64 = 1_000_000_000
        #expect((0..<5).map { _ in limiter.take("gs.fr.lyon", nowNanos: start) } == [true, true, true, false, false])
        // 100 ms later one token has come back; another node has its own bucket.
        #expect(limiter.take("gs.fr.lyon", nowNanos: start + 100_000_000))
        #expect(!limiter.take("gs.fr.lyon", nowNanos: start + 100_000_000))
        #expect(limiter.take("ncb.rw.kigali", nowNanos: start))
        // Long idle refills only up to the burst.
        #expect((0..<4).map { _ in limiter.take("gs.fr.lyon", nowNanos: start + 60_000_000_000) } == [true, true, true, false])
    }

    @Test func rateZeroMeansNoLimit() {
        let limiter = PerNodeBudget(ratePerSecond: 0, burst: 1)
        #expect((0..<1000).allSatisfy { _ in limiter.take("x", nowNanos: 0) })
    }
}

@Suite struct TokenBucketTests {
    /// Callers read the clock before taking the bucket's lock, so times can arrive out of order:
    /// an earlier time must refill nothing (an unsigned difference used to wrap round and refill
    /// the bucket in full, letting a node on several connections past its rate).
    @Test func aTimeEarlierThanTheLastRefillsNothing() {
        let start: UInt64 = 5_000_000_000
        var bucket = TokenBucket(capacity: 3, nowNanos: start)
        var taken: [Bool] = []
        for _ in 0..<4 { taken.append(bucket.take()) }
        #expect(taken == [true, true, true, false])
        bucket.refill(rate: 10, capacity: 3, nowNanos: start - 1)
        #expect(bucket.tokens < 1)
        // Later times still refill from the latest time seen.
        bucket.refill(rate: 10, capacity: 3, nowNanos: start + 100_000_000)
        let first = bucket.take(), second = bucket.take()
        #expect(first && !second)
    }

    @Test func everyLimiterIgnoresATimeThatGoesBack() {
        let start: UInt64 = 5_000_000_000
        let publishes = PerNodeBudget(ratePerSecond: 10, burst: 2)
        #expect([publishes.take("n", nowNanos: start), publishes.take("n", nowNanos: start)] == [true, true])
        #expect(!publishes.take("n", nowNanos: start - 1))
        let subscribes = SubscribeRateLimiter()
        #expect([1, 2].map { _ in subscribes.admit("n", ratePerSecond: 10, burst: 2, nowNanos: start) } == [true, true])
        #expect(!subscribes.admit("n", ratePerSecond: 10, burst: 2, nowNanos: start - 1))
        let failures = PerNodeBudget(ratePerSecond: 10, burst: 2)
        failures.charge("n", nowNanos: start)
        failures.charge("n", nowNanos: start)
        #expect(!failures.allows("n", nowNanos: start - 1))
    }
}
