import Testing
@testable import NexServer

/// The per-connection control-frame budget as a value: no sockets, the time passed in.
struct ControlFrameBudgetTests {
    /// How many of `count` frames at `nanos` the budget admits.
    private func admitted(_ budget: inout ControlFrameBudget, _ count: Int, at nanos: UInt64) -> Int {
        var admitted = 0
        for _ in 0..<count where budget.admit(nowNanos: nanos) { admitted += 1 }
        return admitted
    }

    @Test func aSecondsWorthIsAdmittedThenNothingUntilTokensRefill() {
        var budget = ControlFrameBudget(ratePerSecond: 100, maximumUnanswered: 8)
        let start: UInt64 = 1_000_000_000
        #expect(admitted(&budget, 101, at: start) == 100)
        // 10 ms refills one token at 100/s.
        #expect(admitted(&budget, 2, at: start + 10_000_000) == 1)
        // A long pause refills no more than one second's worth.
        #expect(admitted(&budget, 150, at: start + 60_000_000_000) == 100)
    }

    @Test func aRateOfZeroAdmitsEverything() {
        var budget = ControlFrameBudget(ratePerSecond: 0, maximumUnanswered: 8)
        #expect(admitted(&budget, 100_000, at: 5) == 100_000)
    }

    @Test func readingPausesAtTheLimitAndResumesBelowHalf() {
        var budget = ControlFrameBudget(ratePerSecond: 0, maximumUnanswered: 8)
        let pauses = (0..<8).map { _ in budget.answerPending() }
        #expect(pauses == Array(repeating: false, count: 7) + [true], "the 8th unanswered frame pauses reading")
        #expect(budget.unanswered == 8)
        let resumes = (0..<5).map { _ in budget.answerQueued() }
        #expect(resumes == [false, false, false, false, true], "below half (3 < 4) reading resumes")
        #expect(budget.unanswered == 3)
    }

    @Test func anAnswerWithoutAPendingFrameNeverGoesNegative() {
        var budget = ControlFrameBudget(ratePerSecond: 0, maximumUnanswered: 1)
        let resumes = budget.answerQueued()
        #expect(resumes)
        #expect(budget.unanswered == 0)
    }
}
