/// The intended send times of an open-loop publisher: message `i` is due at
/// `start + i / rate`, whatever happened to the messages before it.
///
/// Latency in an open-loop run is measured from these intended times, so a stall shows up as
/// latency instead of silently lowering the offered rate (no coordinated omission). A sender that
/// fell behind catches up in batches of at most ``maximumBurst`` messages per tick, so a stall
/// never turns into one unbounded burst.
public struct OpenLoopSchedule: Sendable, Equatable {
    /// Messages per second for this publisher.
    public let rate: Double
    /// How many messages the schedule holds.
    public let count: Int
    /// The largest number of messages one ``batch(sent:now:)`` call releases.
    public let maximumBurst: Int

    /// A schedule of `count` messages at `rate` per second; `maximumBurst` defaults to 10 ms worth
    /// of messages (at least 1).
    public init(rate: Double, count: Int, maximumBurst: Int? = nil) {
        precondition(rate > 0, "rate must be positive")
        precondition(count >= 0, "count must not be negative")
        self.rate = rate
        self.count = count
        self.maximumBurst = max(1, maximumBurst ?? Int((rate / 100).rounded(.up)))
    }

    /// A schedule covering `seconds` at `rate`: `rate × seconds` messages, rounded down.
    public init(rate: Double, seconds: Double, maximumBurst: Int? = nil) {
        self.init(rate: rate, count: Int((rate * seconds).rounded(.down)), maximumBurst: maximumBurst)
    }

    /// Nanoseconds after the start at which message `index` is due.
    public func intendedOffset(of index: Int) -> UInt64 {
        UInt64((Double(index) * 1e9 / rate).rounded())
    }

    /// How many messages are due at `elapsed` nanoseconds after the start (capped at ``count``).
    public func dueCount(atElapsed elapsed: UInt64) -> Int {
        // Message i is due when i * 1e9 / rate <= elapsed, so due = floor(elapsed * rate / 1e9) + 1.
        let due = Int((Double(elapsed) * rate / 1e9).rounded(.down)) + 1
        // Rounding in intendedOffset may put the boundary message one either way: settle it exactly.
        var settled = min(max(due, 0), count)
        while settled < count, intendedOffset(of: settled) <= elapsed { settled += 1 }
        while settled > 0, intendedOffset(of: settled - 1) > elapsed { settled -= 1 }
        return settled
    }

    /// The messages to send now, given that `sent` were sent and `elapsed` nanoseconds passed
    /// since the start: every due message, at most ``maximumBurst`` of them.
    public func batch(sent: Int, atElapsed elapsed: UInt64) -> Range<Int> {
        let due = dueCount(atElapsed: elapsed)
        guard due > sent else { return sent..<sent }
        return sent..<min(due, sent + maximumBurst)
    }

    /// Nanoseconds after the start at which the whole schedule is due.
    public var totalDuration: UInt64 { count == 0 ? 0 : intendedOffset(of: count - 1) }
}
