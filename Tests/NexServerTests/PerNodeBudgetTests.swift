import Testing
@testable import NexServer

@Suite struct FailedVerificationBudgetTests {
    @Test func failuresSpendTheBudgetThenItRefills() {
        let budget = FailedVerificationBudget(ratePerSecond: 10, burst: 3)
        let start: UInt64 = 1_000_000_000
        // A node that never failed may always be checked; checking takes nothing.
        #expect((0..<100).allSatisfy { _ in budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start) })
        for _ in 0..<3 { budget.chargeFailure(of: "gs.fr.lyon", nowNanos: start) }
        #expect(!budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start))
        // Another node has its own budget.
        #expect(budget.allowsVerification(of: "ncb.rw.kigali", nowNanos: start))
        // 100 ms later one failure's worth has come back.
        #expect(budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start + 100_000_000))
        budget.chargeFailure(of: "gs.fr.lyon", nowNanos: start + 100_000_000)
        #expect(!budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start + 100_000_000))
        // More failures than tokens never leave a debt beyond empty; long idle refills only up to the burst.
        for _ in 0..<100 { budget.chargeFailure(of: "gs.fr.lyon", nowNanos: start + 100_000_000) }
        #expect(budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start + 200_000_000))
        for _ in 0..<3 { budget.chargeFailure(of: "gs.fr.lyon", nowNanos: start + 60_000_000_000) }
        #expect(!budget.allowsVerification(of: "gs.fr.lyon", nowNanos: start + 60_000_000_000))
    }

    @Test func rateZeroMeansNoBudget() {
        let budget = FailedVerificationBudget(ratePerSecond: 0, burst: 1)
        for _ in 0..<1000 { budget.chargeFailure(of: "x", nowNanos: 0) }
        #expect(budget.allowsVerification(of: "x", nowNanos: 0))
    }
}
