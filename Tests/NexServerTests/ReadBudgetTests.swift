import Testing
@testable import NexServer
import NexTransport

@Suite struct ReadBudgetUnitTests {
    @Test func eitherLimitEndsTheTurnAndRenewalStartsAnother() {
        var budget = ReadBudget()
        budget.noteRead(ReadBudget.bytes - 1)
        #expect(budget.allowsRead)
        budget.noteRead(16 * 1024)
        #expect(!budget.allowsRead)
        #expect(budget.allowsFrame)
        for _ in 0..<ReadBudget.frames { budget.noteFrame() }
        #expect(!budget.allowsFrame)
        budget.renew()
        #expect(budget.allowsRead && budget.allowsFrame)
    }
}
