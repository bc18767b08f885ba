import Testing
@testable import NexServer

@Suite struct SubscribeRateLimiterTests {
    @Test func aBurstIsAdmittedThenTheRateRefillsPerNode() {
        let limiter = SubscribeRateLimiter()
        let start: UInt64 = 1_000_000_000
        func admit(_ node: String = "bcp.rw.rusumo", at nanos: UInt64, rate: Int = 10, burst: Int = 3) -> Bool {
            limiter.admit(node, ratePerSecond: rate, burst: burst, nowNanos: nanos)
        }
        #expect((0..<4).map { _ in admit(at: start) } == [true, true, true, false])
        // 100 ms later one token has come back; another node has its own bucket.
        #expect(admit(at: start + 100_000_000))
        #expect(!admit(at: start + 100_000_000))
        #expect(admit("gs.fr.lyon", at: start))
        // A reload that lowers the burst caps the tokens saved up at once.
        #expect((0..<3).map { _ in admit(at: start + 60_000_000_000, burst: 1) } == [true, false, false])
    }

    @Test func rateZeroMeansNoLimit() {
        let limiter = SubscribeRateLimiter()
        #expect((0..<1000).allSatisfy { _ in limiter.admit("x", ratePerSecond: 0, burst: 1, nowNanos: 0) })
    }
}
