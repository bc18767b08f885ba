import Testing
@testable import NexServer

@Suite struct PublishRateLimiterTests {
    @Test func aBurstIsAdmittedThenTheRateRefills() {
        let limiter = PublishRateLimiter(ratePerSecond: 10, burst: 3)
        let start: UInt64 = 1_000_000_000
        #expect((0..<5).map { _ in limiter.admit("gs.fr.lyon", nowNanos: start) } == [true, true, true, false, false])
        // 100 ms later one token has come back; another node has its own bucket.
        #expect(limiter.admit("gs.fr.lyon", nowNanos: start + 100_000_000))
        #expect(!limiter.admit("gs.fr.lyon", nowNanos: start + 100_000_000))
        #expect(limiter.admit("ncb.rw.kigali", nowNanos: start))
        // Long idle refills only up to the burst.
        #expect((0..<4).map { _ in limiter.admit("gs.fr.lyon", nowNanos: start + 60_000_000_000) } == [true, true, true, false])
    }

    @Test func rateZeroMeansNoLimit() {
        let limiter = PublishRateLimiter(ratePerSecond: 0, burst: 1)
        #expect((0..<1000).allSatisfy { _ in limiter.admit("x", nowNanos: 0) })
    }
}
