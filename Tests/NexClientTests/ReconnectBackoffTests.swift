import NexClient
import Testing

/// The reconnect delays: exponential ceilings, capped, full jitter inside them, reset after a good session.
struct ReconnectBackoffTests {
    /// A generator that always returns the same word: 0 draws the bottom of a range, `.max` the top.
    struct ConstantGenerator: RandomNumberGenerator {
        let word: UInt64
        mutating func next() -> UInt64 { word }
    }

    /// SplitMix64, for many different draws.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [
        (1, Duration.milliseconds(500)), (2, .seconds(1)), (3, .seconds(2)), (4, .seconds(4)), (5, .seconds(8)),
        (6, .seconds(16)), (7, .seconds(30)), (8, .seconds(30)), (1_000, .seconds(30)), (Int.max, .seconds(30)),
    ])
    func defaultCeilingsDoubleFromHalfASecondUpToThirtySeconds(attempt: Int, ceiling: Duration) {
        #expect(ReconnectBackoff().ceiling(forAttempt: attempt) == ceiling)
    }

    @Test func aLowerCapLimitsEveryAttemptIncludingTheFirst() {
        let backoff = ReconnectBackoff(maximumDelay: .milliseconds(300))
        #expect(backoff.ceiling(forAttempt: 1) == .milliseconds(300))
        #expect(backoff.ceiling(forAttempt: 9) == .milliseconds(300))
        let two = ReconnectBackoff(maximumDelay: .seconds(2))
        #expect((1...6).map(two.ceiling(forAttempt:)) == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(2), .seconds(2), .seconds(2)])
    }

    @Test func theHighestDrawWaitsTheCeilingAndTheLowestNothing() {
        var top = ConstantGenerator(word: .max)
        var bottom = ConstantGenerator(word: 0)
        var high = ReconnectBackoff()
        var low = ReconnectBackoff()
        for attempt in 1...10 {
            let ceiling = high.ceiling(forAttempt: attempt)
            let highest = high.nextDelay(using: &top)
            #expect(highest <= ceiling && highest >= ceiling - .milliseconds(1), "attempt \(attempt): \(highest) for ceiling \(ceiling)")
            #expect(low.nextDelay(using: &bottom) == .zero)
            #expect(high.attempts == attempt)
        }
    }

    /// Full jitter: draws spread over the whole window, not bunched at its top (where plain
    /// exponential backoff would put every client at once).
    @Test func delaysSpreadOverTheWholeWindow() {
        var generator = SeededGenerator(state: 42)
        var delays: [Duration] = []
        for _ in 0..<2_000 {
            var backoff = ReconnectBackoff()
            for _ in 0..<3 { _ = backoff.nextDelay(using: &generator) }
            delays.append(backoff.nextDelay(using: &generator))     // attempt 4: ceiling 4 s
        }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(4) })
        let quarters = (0..<4).map { quarter in
            delays.filter { $0 >= .seconds(quarter) && $0 < .seconds(quarter + 1) }.count
        }
        #expect(quarters.allSatisfy { $0 > 400 && $0 < 600 }, "\(quarters)")
    }

    @Test func resetStartsAgainAtTheInitialDelay() {
        var top = ConstantGenerator(word: .max)
        var backoff = ReconnectBackoff()
        for _ in 0..<6 { _ = backoff.nextDelay(using: &top) }
        #expect(backoff.attempts == 6)
        backoff.reset()
        #expect(backoff.attempts == 0)
        let first = backoff.nextDelay(using: &top)
        #expect(first <= .milliseconds(500) && first > .milliseconds(499))
        #expect(backoff.attempts == 1)
    }

    @Test func systemRandomnessStaysWithinTheCeiling() {
        var backoff = ReconnectBackoff(initialDelay: .milliseconds(100), factor: 3, maximumDelay: .seconds(1))
        for attempt in 1...8 {
            let delay = backoff.nextDelay()
            #expect(delay >= .zero && delay <= backoff.ceiling(forAttempt: attempt))
        }
    }
}
