import Testing
@testable import NexServer

@Suite struct InFlightPublishBytesTests {
    /// Reading pauses once the unanswered bytes reach the limit and resumes below half of it,
    /// whatever the count of publishes (the count has its own bound).
    @Test func pausesAtTheLimitAndResumesBelowHalf() {
        var bytes = InFlightPublishBytes()
        let limit = 100_000
        let pauses = (0..<3).map { _ in bytes.taken(40_000, limit: limit) }
        #expect(pauses == [false, false, true])   // 120,000: pause
        #expect(bytes.total == 120_000)
        let resumes = (0..<3).map { _ in bytes.answered(limit: limit) }
        #expect(resumes == [false, true, true])   // 80,000 still paused; 40,000 < 50,000 resumes
        #expect(bytes.total == 0)
    }

    /// Many small publishes answered in order: the total follows exactly, and the queue of sizes
    /// is compacted as it goes.
    @Test func theTotalFollowsTakesAndAnswers() {
        var bytes = InFlightPublishBytes()
        for round in 0..<10 {
            for size in 1...3000 { _ = bytes.taken(size + round, limit: .max) }
            for _ in 0..<3000 { _ = bytes.answered(limit: .max) }
            #expect(bytes.total == 0)
        }
        // An answer with nothing in flight (never expected) leaves the total at zero.
        let resumes = bytes.answered(limit: 10)
        #expect(resumes)
        #expect(bytes.total == 0)
    }
}
