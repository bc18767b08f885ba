import Testing
@testable import NexServer

@Suite struct PerNodeBudgetTests {
    @Test func chargesSpendTheBudgetThenItRefills() {
        let budget = PerNodeBudget(ratePerSecond: 10, burst: 3)
        let start: UInt64 = 1_000_000_000
        // A node that never spent may always go on; asking takes nothing.
        #expect((0..<100).allSatisfy { _ in budget.allows("gs.fr.lyon", nowNanos: start) })
        for _ in 0..<3 { budget.charge("gs.fr.lyon", nowNanos: start) }
        #expect(!budget.allows("gs.fr.lyon", nowNanos: start))
        // Another node has its own budget.
        #expect(budget.allows("ncb.rw.kigali", nowNanos: start))
        // 100 ms later one token's worth has come back.
        #expect(budget.allows("gs.fr.lyon", nowNanos: start + 100_000_000))
        budget.charge("gs.fr.lyon", nowNanos: start + 100_000_000)
        #expect(!budget.allows("gs.fr.lyon", nowNanos: start + 100_000_000))
        // Long idle refills only up to the burst.
        for _ in 0..<3 { budget.charge("gs.fr.lyon", nowNanos: start + 60_000_000_000) }
        #expect(!budget.allows("gs.fr.lyon", nowNanos: start + 60_000_000_000))
    }

    /// Several checks that passed the last token at once (one per verification thread) overdraw
    /// the balance; the debt is repaid before the node is allowed again, down to −burst at most.
    @Test func anOverdraftIsRepaidNotForgiven() {
        let budget = PerNodeBudget(ratePerSecond: 10, burst: 3)
        let start: UInt64 = 1_000_000_000
        for _ in 0..<3 { budget.charge("gs.fr.lyon", nowNanos: start) }
        // 100 ms: one token back; four verification threads all see it and all fail.
        #expect(budget.allows("gs.fr.lyon", nowNanos: start + 100_000_000))
        for _ in 0..<4 { budget.charge("gs.fr.lyon", nowNanos: start + 100_000_000) }
        #expect(budget.balance(of: "gs.fr.lyon", nowNanos: start + 100_000_000) == -3)
        // Forgiven, 100 ms would allow one more; repaid, it takes 400 ms to reach one token.
        #expect(!budget.allows("gs.fr.lyon", nowNanos: start + 200_000_000))
        #expect(!budget.allows("gs.fr.lyon", nowNanos: start + 450_000_000))
        #expect(budget.allows("gs.fr.lyon", nowNanos: start + 500_000_000))
        // The debt never exceeds the burst.
        for _ in 0..<1000 { budget.charge("gs.fr.lyon", nowNanos: start + 500_000_000) }
        #expect(budget.balance(of: "gs.fr.lyon", nowNanos: start + 500_000_000) == -3)
        #expect(budget.allows("gs.fr.lyon", nowNanos: start + 900_000_000))
    }

    @Test func takeSpendsBeforeAndNeverOverdraws() {
        let budget = PerNodeBudget(ratePerSecond: 2, burst: 2)
        let start: UInt64 = 1_000_000_000
        #expect(budget.take("ncb.ug.kampala", nowNanos: start))
        #expect(budget.take("ncb.ug.kampala", nowNanos: start))
        #expect(!budget.take("ncb.ug.kampala", nowNanos: start))
        #expect(!budget.take("ncb.ug.kampala", nowNanos: start))
        #expect(budget.balance(of: "ncb.ug.kampala", nowNanos: start) == 0)
        #expect(budget.take("ncb.ug.kampala", nowNanos: start + 500_000_000))
    }

    @Test func rateZeroMeansNoBudget() {
        let budget = PerNodeBudget(ratePerSecond: 0, burst: 1)
        for _ in 0..<1000 { budget.charge("x", nowNanos: 0) }
        #expect(budget.allows("x", nowNanos: 0))
        #expect((0..<1000).allSatisfy { _ in budget.take("x", nowNanos: 0) })
    }
}

extension PerNodeBudgetTests {
    @Test func spendChargesAndTellsWhetherATokenWasLeft() {
        let budget = PerNodeBudget(ratePerSecond: 1, burst: 2)
        #expect((0..<5).map { _ in budget.spend("gs.fr.lyon", nowNanos: 0) } == [true, true, false, false, false])
        #expect(budget.balance(of: "gs.fr.lyon", nowNanos: 0) == -2)
    }
}
