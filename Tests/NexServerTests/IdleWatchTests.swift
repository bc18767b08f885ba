import Testing
@testable import NexServer

/// The idle state machine, without sockets: times are plain nanoseconds.
@Suite struct IdleWatchTests {
    static let second: UInt64 = 1_000_000_000

    @Test func aQuietPeerIsPingedOnceAtHalfTheTimeoutThenClosed() {
        var watch = IdleWatch(timeout: .seconds(10), startingAt: 0)
        #expect(watch.nextDeadlineNanos == 5 * Self.second)
        #expect(watch.check(at: 4 * Self.second) == .none)
        #expect(watch.check(at: 5 * Self.second) == .ping)
        #expect(watch.check(at: 6 * Self.second) == .none, "one ping per quiet spell")
        #expect(watch.nextDeadlineNanos == 10 * Self.second)
        #expect(watch.check(at: 10 * Self.second) == .close(.idle))
    }

    @Test func anyReceivedByteRestartsTheClock() {
        var watch = IdleWatch(timeout: .seconds(10), startingAt: 0)
        #expect(watch.check(at: 5 * Self.second) == .ping)
        watch.received(at: 7 * Self.second)
        #expect(watch.check(at: 11 * Self.second) == .none)
        #expect(watch.check(at: 12 * Self.second) == .ping)
        #expect(watch.check(at: 17 * Self.second) == .close(.idle))
    }

    @Test func aFrameLeftUnfinishedClosesDespiteTrickledBytes() {
        var watch = IdleWatch(timeout: .seconds(10), startingAt: 0)
        watch.received(at: 1 * Self.second)
        watch.decoded(completedFrames: 0, bufferedBytes: 3, at: 1 * Self.second)
        for tick in 2...10 {
            watch.received(at: UInt64(tick) * Self.second)
            watch.decoded(completedFrames: 0, bufferedBytes: 3 + tick, at: UInt64(tick) * Self.second)
            #expect(watch.check(at: UInt64(tick) * Self.second) == .none)
        }
        #expect(watch.nextDeadlineNanos == 11 * Self.second)
        #expect(watch.check(at: 11 * Self.second) == .close(.incompleteFrame))
    }

    @Test func aCompletedFrameRestartsTheIncompleteFrameClock() {
        var watch = IdleWatch(timeout: .seconds(10), startingAt: 0)
        watch.decoded(completedFrames: 0, bufferedBytes: 3, at: 1 * Self.second)
        watch.received(at: 8 * Self.second)
        watch.decoded(completedFrames: 1, bufferedBytes: 2, at: 8 * Self.second)
        #expect(watch.check(at: 12 * Self.second) == .none)
        watch.received(at: 13 * Self.second)
        watch.decoded(completedFrames: 1, bufferedBytes: 0, at: 13 * Self.second)
        #expect(watch.incompleteFrameSinceNanos == nil)
        #expect(watch.check(at: 22 * Self.second) == .ping)
    }

    @Test func pausedReadingIsNotThePeersSilence() {
        var watch = IdleWatch(timeout: .seconds(10), startingAt: 0)
        watch.decoded(completedFrames: 0, bufferedBytes: 3, at: 0)
        watch.readingPaused(at: 9 * Self.second)
        #expect(watch.check(at: 12 * Self.second) == .none)
        #expect(watch.check(at: 19 * Self.second) == .close(.incompleteFrame))
    }
}
